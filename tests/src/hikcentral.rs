//! The HikCentral OpenAPI simulator (`tests/hikcentral_sim/hikcentral_sim.py`,
//! run with Debian's python3 for GStreamer's RTSP server) on free loopback
//! ports, over HTTPS with a certificate the test made, and its test
//! endpoints (read over the simulator's plain-HTTP side port): the call
//! log, the PTZ log, the tokens it issued and the archive.
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub const APP_KEY: &str = "27461893";
pub const APP_SECRET: &str = "Hcp-AppSecret-9a8b7c6d";

pub struct HikCentralSim {
    child: Child,
    pub port: u16,
    pub rtsp_port: u16,
    /// Plain HTTP with the same handler, for the test endpoints.
    pub plain_port: u16,
    pub https: bool,
    _dir: tempfile::TempDir,
}

impl HikCentralSim {
    /// Starts the simulator (AppKey [`APP_KEY`], AppSecret [`APP_SECRET`])
    /// serving HTTPS with `tls` = (certificate PEM, key PEM) when given.
    pub fn start(tls: Option<(&str, &str)>, extra: &[&str]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hikcentral_sim/hikcentral_sim.py");
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("/usr/bin/python3");
        cmd.arg(&script)
            .args(["--app-key", APP_KEY, "--app-secret", APP_SECRET])
            .args(["--lifetime", "600", "--work-dir"])
            .arg(dir.path());
        if let Some((cert, key)) = tls {
            let (c, k) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            std::fs::write(&c, cert).unwrap();
            std::fs::write(&k, key).unwrap();
            cmd.arg("--tls-cert").arg(&c).arg("--tls-key").arg(&k);
        }
        let mut child = cmd
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start /usr/bin/python3 hikcentral_sim.py");
        let ready =
            crate::onvif::wait_ready(&mut child, "hikcentral_sim.py", Duration::from_secs(30));
        let w: Vec<&str> = ready.split_whitespace().collect();
        Self {
            child,
            port: w[1].parse().unwrap(),
            https: w[2] == "https",
            rtsp_port: w[3].parse().unwrap(),
            plain_port: w[4].parse().unwrap(),
            _dir: dir,
        }
    }

    /// `https://127.0.0.1:PORT` (or http for a plain simulator).
    pub fn address(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    fn get(&self, path: &str) -> Value {
        let url = format!("http://127.0.0.1:{}{path}", self.plain_port);
        // a runtime of its own on a thread of its own: callable from async tests
        std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let c = vigil_engine::net::http::client(&Default::default()).unwrap();
                    let r = c.get(&url).send().await.expect("simulator answers");
                    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
                })
            })
            .join()
            .unwrap()
        })
    }

    /// Every call logged, oldest first.
    pub fn calls(&self) -> Vec<Value> {
        self.get("/test/calls")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The logged calls of one API path (`/artemis/api/...`).
    pub fn calls_of(&self, path: &str) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|c| c["path"] == path)
            .collect()
    }

    /// PTZ controlling calls: (action, command).
    pub fn ptz(&self) -> Vec<(i64, String)> {
        self.get("/test/ptz")
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["action"].as_i64().unwrap(),
                    c["command"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// Every token issued (stream URLs and download files).
    pub fn tokens(&self) -> Vec<String> {
        self.get("/test/tokens")
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    }

    /// The recorded spans, ms UTC.
    pub fn archive(&self) -> Vec<(i64, i64)> {
        self.get("/test/archive")["spans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s[0].as_i64().unwrap(), s[1].as_i64().unwrap()))
            .collect()
    }
}

impl Drop for HikCentralSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
