//! `vigil footage run`: the footage worker as a process. Processes due jobs
//! (forever, `--once` = until nothing is due now, `--until-idle` = until no
//! job is pending). Progress goes to stderr as JSON lines.
use clap::{Args, Subcommand};
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::HasKind;
use vigil_engine::footage::RunMode;

use crate::exit;

#[derive(Subcommand)]
pub enum FootageCmd {
    /// Process footage jobs.
    Run(RunArgs),
    /// Set the media root (Footage/ and Snapshot/ go under it).
    MediaRoot { path: String },
}

#[derive(Args)]
pub struct RunArgs {
    /// Process the jobs due now, then exit.
    #[arg(long, conflicts_with = "until_idle")]
    once: bool,
    /// Run until no job is pending or running (waits for retries).
    #[arg(long)]
    until_idle: bool,
    /// Print each job change as a JSON line on stdout.
    #[arg(long)]
    events: bool,
}

pub async fn run(cmd: FootageCmd) -> i32 {
    let engine = match Engine::start(EngineConfig::default()).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vigil footage: {}", e.to_ui().message);
            return exit::FAILED;
        }
    };
    let cases = engine.cases().clone();
    match cmd {
        FootageCmd::MediaRoot { path } => match cases.set_media_root(&path) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("vigil footage: {}", e.to_ui().message);
                exit::USAGE
            }
        },
        FootageCmd::Run(a) => {
            let mode = if a.once {
                RunMode::Once
            } else if a.until_idle {
                RunMode::UntilIdle
            } else {
                RunMode::Forever
            };
            let worker = cases.worker().clone();
            if a.events {
                let mut rx = worker.subscribe();
                tokio::spawn(async move {
                    while let Ok(ev) = rx.recv().await {
                        println!("{}", serde_json::to_string(&ev).expect("json"));
                    }
                });
            }
            let w2 = worker.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    w2.shutdown();
                }
            });
            match worker.run(mode).await {
                Ok(n) => {
                    eprintln!("vigil footage: {n} job(s) finished");
                    exit::OK
                }
                Err(e) => {
                    eprintln!("vigil footage: {}", e.to_ui().message);
                    exit::FAILED
                }
            }
        }
    }
}
