//! `vigil serve`: run the engine and its hub headless; print one JSON line
//! with the hub address, the token and the cameras; stop on SIGTERM/Ctrl-C.
use clap::Args;
use serde_json::json;
use vigil_engine::engine::{Engine, EngineConfig};

use crate::exit;

#[derive(Args)]
pub struct ServeArgs {
    /// Use the stored cameras and layouts of the OS data directory (default: in memory)
    #[arg(long)]
    persistent: bool,
    #[arg(long, default_value_t = 4)]
    demo_cameras: usize,
    /// Also let pages from this browser origin open hub sockets (repeatable;
    /// e.g. the test harness's page server `http://127.0.0.1:PORT`)
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allow_origin: Vec<String>,
}

pub async fn run(a: ServeArgs) -> i32 {
    let mut cfg = EngineConfig {
        demo_cameras: a.demo_cameras,
        ..Default::default()
    };
    if !a.persistent {
        cfg.database = None;
    }
    for o in &a.allow_origin {
        cfg.hub.allow_origin(o);
    }
    let engine = match Engine::start(cfg).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vigil serve: {e}");
            return exit::FAILED;
        }
    };
    let cameras = match engine.cameras() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vigil serve: {e}");
            return exit::FAILED;
        }
    };
    println!(
        "{}",
        json!({ "hub": engine.hub_info(), "cameras": cameras })
    );
    wait_for_shutdown().await;
    exit::OK
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
