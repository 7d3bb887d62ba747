//! `vigil onvif probe`: connects to an ONVIF device (clock skew corrected,
//! UsernameToken or HTTP digest), prints device information, services and
//! profiles with their stream URIs (credentials redacted) as one JSON object.
use std::time::Duration;

use clap::Subcommand;
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::secrets::redact::redact_url;
use vigil_engine::vms::onvif::soap::Credentials;
use vigil_engine::vms::onvif::{OnvifClient, OnvifError};

use crate::exit;
use crate::source::password_from_stdin;

#[derive(Subcommand)]
pub enum OnvifCmd {
    /// Print device info and profiles of an ONVIF device as JSON.
    Probe {
        /// host:port of the device (http)
        #[arg(long)]
        address: String,
        #[arg(long)]
        user: Option<String>,
        /// Read the password from standard input
        #[arg(long)]
        password_stdin: bool,
    },
}

pub fn exit_code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::AuthFailed => exit::AUTH_FAILED,
        ErrorKind::Unreachable => exit::UNREACHABLE,
        ErrorKind::Untrusted => exit::UNTRUSTED,
        ErrorKind::InvalidInput => exit::USAGE,
        _ => exit::FAILED,
    }
}

async fn probe(address: &str, creds: Option<Credentials>) -> Result<serde_json::Value, OnvifError> {
    let c = OnvifClient::connect(address, creds, Duration::from_secs(8)).await?;
    let p = c.probe().await?;
    let mut profiles = Vec::new();
    for prof in &p.profiles {
        let mut v = serde_json::to_value(prof).expect("json");
        v["streamUri"] = match c.stream_uri(&prof.token).await {
            Ok(u) => redact_url(&u).into(),
            Err(e) => serde_json::json!({ "error": e.to_ui().message }),
        };
        profiles.push(v);
    }
    let mut out = serde_json::to_value(&p).expect("json");
    out["profiles"] = profiles.into();
    Ok(out)
}

pub async fn run(cmd: OnvifCmd) -> i32 {
    match cmd {
        OnvifCmd::Probe {
            address,
            user,
            password_stdin,
        } => {
            let password = if password_stdin {
                match password_from_stdin() {
                    Ok(p) => Some(p),
                    Err(e) => {
                        eprintln!("vigil onvif: {e}");
                        return exit::USAGE;
                    }
                }
            } else {
                None
            };
            let creds = user.filter(|u| !u.is_empty()).map(|user| Credentials {
                user,
                password: password.unwrap_or_default(),
            });
            match probe(&address, creds).await {
                Ok(v) => {
                    println!("{v}");
                    exit::OK
                }
                Err(e) => {
                    let ui = e.to_ui();
                    eprintln!("vigil onvif probe: {} ({:?})", ui.message, ui.kind);
                    exit_code(ui.kind)
                }
            }
        }
    }
}
