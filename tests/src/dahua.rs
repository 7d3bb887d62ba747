//! The Dahua device simulator (`tests/dahua_sim/dahua_sim.py`, run with
//! Debian's /usr/bin/python3 for GStreamer's RTSP server) on free loopback
//! ports, with its test endpoint (open finder handles, call log).
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct DahuaSim {
    child: Child,
    pub port: u16,
    pub rtsp_port: u16,
}

impl DahuaSim {
    /// Starts it with `args` (see the script's doc) and waits for READY.
    pub fn start(args: &[&str]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("dahua_sim/dahua_sim.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(&script)
            .args(["--port", "0", "--rtsp-port", "0", "--lifetime", "600"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start /usr/bin/python3 dahua_sim.py");
        let ready = crate::onvif::wait_ready(&mut child, "dahua_sim", Duration::from_secs(30));
        let ports: Vec<u16> = ready
            .split(' ')
            .skip(1)
            .filter_map(|p| p.parse().ok())
            .collect();
        Self {
            child,
            port: ports[0],
            rtsp_port: ports[1],
        }
    }

    pub fn address(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The simulator's state: `open_finders`, `finders_created`, `calls`.
    pub fn state(&self) -> serde_json::Value {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(("127.0.0.1", self.port)).expect("connect sim");
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(b"GET /__sim/state HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut raw = Vec::new();
        c.read_to_end(&mut raw).expect("read state");
        let at = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("HTTP header end");
        let body = &raw[at + 4..];
        serde_json::from_slice(body).expect("state JSON")
    }

    /// CGI calls with `action` (e.g. "findNextFile") on `path` suffix.
    pub fn calls(&self, path_suffix: &str, action: &str) -> Vec<serde_json::Value> {
        self.state()["calls"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| {
                c["path"].as_str().is_some_and(|p| p.ends_with(path_suffix))
                    && c["action"].as_str() == Some(action)
                    && c["auth"].as_str() == Some("ok")
            })
            .collect()
    }
}

impl Drop for DahuaSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
