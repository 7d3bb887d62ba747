//! The DSS Pro simulator (`tests/dss_sim/dss_sim.py`, run with Debian's
//! python3 for GStreamer's RTSP server) on free loopback ports, and its test
//! endpoints: the call log, the archive, the secrets it issued, token
//! expiry and dropped RTSP connections on demand.
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub const USER: &str = "system";
pub const PASSWORD: &str = "Dss-s3cret-5521";

pub struct DssSim {
    child: Child,
    pub port: u16,
    pub rtsp_port: u16,
}

impl DssSim {
    /// Starts the simulator with `extra` arguments (user and password are
    /// [`USER`] and [`PASSWORD`]) and waits for READY.
    pub fn start(extra: &[&str]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("dss_sim/dss_sim.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(&script)
            .args(["--user", USER, "--password", PASSWORD])
            .args(extra)
            .env("VIGIL_SHARED", crate::shared_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start /usr/bin/python3 dss_sim.py");
        let ready = crate::onvif::wait_ready(&mut child, "dss_sim.py", Duration::from_secs(30));
        let mut w = ready.split_whitespace().skip(1);
        let port = w.next().unwrap().parse().unwrap();
        let rtsp_port = w.next().unwrap().parse().unwrap();
        Self {
            child,
            port,
            rtsp_port,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A test endpoint's JSON (on a thread of its own: callable from sync
    /// code and from inside a runtime alike).
    fn http(&self, method: &str, path: &str) -> Value {
        let url = format!("{}{path}", self.address());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        std::thread::scope(|s| {
            s.spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let c = vigil_engine::net::http::client(&Default::default()).unwrap();
                    let r = c
                        .request(method, &url)
                        .body("{}")
                        .send()
                        .await
                        .expect("simulator answers");
                    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
                })
            })
            .join()
            .unwrap()
        })
    }

    /// Every call the simulator logged, oldest first.
    pub fn calls(&self) -> Vec<Value> {
        self.http("GET", "/test/calls")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The logged calls of one op.
    pub fn calls_of(&self, op: &str) -> Vec<Value> {
        self.calls().into_iter().filter(|c| c["op"] == op).collect()
    }

    /// The archive's spans, ms UTC.
    pub fn archive(&self) -> Vec<(i64, i64)> {
        self.http("GET", "/test/archive")
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["start"].as_i64().unwrap() * 1000,
                    s["end"].as_i64().unwrap() * 1000,
                )
            })
            .collect()
    }

    /// Every token the simulator issued (login, credential and media).
    pub fn secrets(&self) -> Vec<String> {
        self.http("GET", "/test/secrets")
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }

    /// Every login token expires now (as if no keepalive came).
    pub fn expire_tokens(&self) {
        self.http("POST", "/test/expire");
    }

    /// Disconnects every RTSP client; returns how many.
    pub fn drop_streams(&self) -> u64 {
        self.http("POST", "/test/drop-streams")["dropped"]
            .as_u64()
            .unwrap_or(0)
    }
}

impl Drop for DssSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
