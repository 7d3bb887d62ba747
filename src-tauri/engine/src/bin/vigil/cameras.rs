//! `vigil cameras`: list, add and remove stored RTSP cameras. Passwords are
//! read from stdin and go to the OS keyring.
use clap::Subcommand;
use vigil_engine::engine::{AddRtspCamera, Engine, EngineConfig};
use vigil_engine::error::HasKind;

use crate::exit;
use crate::live::TransportArg;
use crate::source::password_from_stdin;

#[derive(Subcommand)]
pub enum CamerasCmd {
    /// List every camera (demo site and stored) as JSON lines.
    List,
    /// Add an RTSP camera.
    AddRtsp {
        #[arg(long)]
        name: String,
        #[arg(long)]
        url: String,
        #[arg(long)]
        sub_url: Option<String>,
        #[arg(long)]
        user: Option<String>,
        /// Read the password from standard input
        #[arg(long)]
        password_stdin: bool,
        #[arg(long, value_enum, default_value = "tcp")]
        transport: TransportArg,
    },
    /// Remove a stored camera and its keyring entry.
    Remove { id: String },
}

pub async fn run(cmd: CamerasCmd) -> i32 {
    let engine = match Engine::start(EngineConfig::default()).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vigil cameras: {}", e.to_ui().message);
            return exit::FAILED;
        }
    };
    let result = match cmd {
        CamerasCmd::List => engine.cameras().map(|cams| {
            for c in cams {
                println!("{}", serde_json::to_string(&c).expect("json"));
            }
        }),
        CamerasCmd::AddRtsp {
            name,
            url,
            sub_url,
            user,
            password_stdin,
            transport,
        } => {
            let password = if password_stdin {
                match password_from_stdin() {
                    Ok(p) => Some(p),
                    Err(e) => {
                        eprintln!("vigil cameras: {e}");
                        return exit::USAGE;
                    }
                }
            } else {
                None
            };
            engine
                .add_rtsp_camera(AddRtspCamera {
                    name,
                    main_url: url,
                    sub_url,
                    username: user,
                    password,
                    transport: transport.into(),
                })
                .await
                .map(|c| println!("{}", serde_json::to_string(&c).expect("json")))
        }
        CamerasCmd::Remove { id } => engine.remove_camera(&id).await,
    };
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("vigil cameras: {}", e.to_ui().message);
            exit::FAILED
        }
    }
}
