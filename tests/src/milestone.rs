//! The Milestone Mobile Server simulator (tests/milestone_sim) for the
//! e2e tests: started on a loopback port with CHAP, its call log, the site
//! request, hub frame readers that read VTC1, and the `vigil` CLI runner.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;
use vigil_engine::engine::Engine;
use vigil_engine::hub::client::TileClient;
use vigil_engine::media::source::now_ms;
use vigil_engine::vms::site::{SiteProbe, SiteRequest};

pub const USER: &str = "operator";
pub const PASSWORD: &str = "Xp-m0bile-7731";
/// The simulator's frame interval (10 fps).
pub const FRAME_MS: i64 = 100;

/// The Mobile Server simulator on a loopback port, logging to a file.
pub struct Sim {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Sim {
    pub fn start(extra: &[&str]) -> Self {
        Self::start_on(0, extra)
    }

    /// On `port` (0 = any free one) with `--chap` and `extra` arguments.
    pub fn start_on(port: u16, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("calls.jsonl");
        // VIGIL_MILESTONE_SIM: another copy of the simulator (a local fix under test)
        let script = std::env::var_os("VIGIL_MILESTONE_SIM")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("milestone_sim/milestone_sim.py")
            });
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--port", &port.to_string(), "--user", USER])
            .args(["--password-env", "MS_SIM_PW", "--chap"])
            .arg("--log")
            .arg(&log)
            .arg("--work-dir")
            .arg(dir.path())
            .args(extra)
            .env("MS_SIM_PW", PASSWORD)
            .env("VIGIL_SHARED", crate::shared_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3 milestone_sim.py");
        let ready =
            crate::onvif::wait_ready(&mut child, "milestone_sim.py", Duration::from_secs(30));
        let port = ready.split_whitespace().nth(1).unwrap().parse().unwrap();
        Self {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every logged event, oldest first.
    pub fn events(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The logged commands named `name`.
    pub fn commands(&self, name: &str) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["event"] == "command" && e["name"] == name)
            .collect()
    }

    pub fn ok_count(&self, name: &str) -> usize {
        self.commands(name)
            .iter()
            .filter(|c| c["result"] == "OK")
            .count()
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn req(address: &str, password: &str) -> SiteRequest {
    SiteRequest {
        kind: "milestone".into(),
        name: Some("HQ XProtect".into()),
        address: address.into(),
        user: Some(USER.into()),
        password: Some(password.into()),
        time_zone: Some("Europe/Copenhagen".into()),
        ..Default::default()
    }
}

pub async fn add(engine: &Engine, sim: &Sim) -> SiteProbe {
    engine
        .add_transient_site("milestone", req(&sim.address(), PASSWORD))
        .await
        .expect("the Milestone site is added")
}

pub fn assert_clean(texts: &[String]) {
    for t in texts {
        assert!(!t.contains(PASSWORD), "the password was printed: {t}");
    }
}

pub use crate::hub_wait::frame_after;

/// RFC 3339 of whole seconds.
pub fn rfc(s: i64) -> String {
    vigil_engine::cases::rfc3339_ms(s * 1000)
}

/// The next frame's VTC1 (after a command on a paused tile).
pub async fn next_frame(tile: &mut TileClient, statuses: &mut Vec<String>) -> i64 {
    // generous: each step or seek opens a stream, and the whole suite's
    // simulators start ffmpeg encoders at once on a busy machine
    frame_after(tile, 0, Duration::from_secs(45), statuses)
        .await
        .unwrap_or_else(|| panic!("no frame: {statuses:?}"))
}

/// A 320x180 tile of `camera` that drew a live frame (VTC1 within the last
/// second), with the statuses it saw.
pub async fn live_tile(engine: &Engine, camera: &str) -> (TileClient, Vec<String>) {
    let mut tile = TileClient::connect(&engine.hub_info(), camera, 320, 180, "")
        .await
        .unwrap();
    let mut statuses = Vec::new();
    assert!(
        frame_after(
            &mut tile,
            now_ms() - 1_000,
            Duration::from_secs(30),
            &mut statuses
        )
        .await
        .is_some(),
        "{statuses:?}"
    );
    (tile, statuses)
}

/// [`next_frame`] naming what was asked when none comes.
pub async fn next_frame_after(
    what: &str,
    tile: &mut TileClient,
    statuses: &mut Vec<String>,
) -> i64 {
    frame_after(tile, 0, Duration::from_secs(45), statuses)
        .await
        .unwrap_or_else(|| panic!("no frame after {what}: {statuses:?}"))
}

pub use crate::cli::{ok, text, vigil};
