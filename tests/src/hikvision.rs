//! The Hikvision ISAPI simulator (`tests/hikvision_sim/hikvision_sim.py`, run
//! with Debian's python3 for GStreamer's RTSP server) on free loopback
//! ports, and its test endpoints: the call log and the archive.
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

pub const USER: &str = "admin";
pub const PASSWORD: &str = "Hik-Pass-4417";

pub struct HikSim {
    child: Child,
    pub port: u16,
    pub rtsp_port: u16,
}

impl HikSim {
    /// Starts the simulator (user [`USER`], password [`PASSWORD`]) with extra arguments.
    pub fn start(extra: &[&str]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hikvision_sim/hikvision_sim.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(&script)
            .args(["--user", USER, "--password", PASSWORD, "--lifetime", "600"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start /usr/bin/python3 hikvision_sim.py");
        let ready =
            crate::onvif::wait_ready(&mut child, "hikvision_sim.py", Duration::from_secs(30));
        let w: Vec<&str> = ready.split_whitespace().collect();
        Self {
            child,
            port: w[1].parse().unwrap(),
            rtsp_port: w[2].parse().unwrap(),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A test endpoint's JSON (plain HTTP/1.0 on loopback, no client library).
    fn get(&self, path: &str) -> Value {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{path}: {e}: {body}"))
    }

    /// Every call logged, oldest first.
    pub fn calls(&self) -> Vec<Value> {
        self.get("/test/calls")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The logged calls whose `op` is `op` (a path, or e.g. `ptz.continuous`).
    pub fn calls_of(&self, op: &str) -> Vec<Value> {
        self.calls().into_iter().filter(|c| c["op"] == op).collect()
    }

    /// The recorded segments, `[start, end)` in ms UTC.
    pub fn archive(&self) -> Vec<(i64, i64)> {
        self.get("/test/archive")["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s[0].as_i64().unwrap(), s[1].as_i64().unwrap()))
            .collect()
    }
}

impl Drop for HikSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
