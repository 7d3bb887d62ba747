//! The MediaMTX playback-server simulator (`tests/mediamtx_sim`, Python
//! stdlib) serving a recordings folder on loopback.
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct MediaMtxSim {
    child: Child,
    pub port: u16,
}

impl MediaMtxSim {
    /// Serves `root` (`root/<path>/<YYYY-MM-DD_HH-MM-SS-ffffff>.mp4`, names in `tz`).
    pub fn start(root: &Path, tz: &str, auth: Option<(&str, &str)>) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("mediamtx_sim/mediamtx_sim.py");
        let mut cmd = Command::new("python3");
        cmd.arg(&script)
            .arg("--root")
            .arg(root)
            .args(["--port", "0", "--tz", tz]);
        if let Some((u, p)) = auth {
            cmd.args(["--user", u, "--password", p]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 mediamtx_sim.py");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening ") {
                    let port = addr.rsplit(':').next().and_then(|p| p.parse().ok());
                    let _ = tx.send(port);
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("simulator listening")
            .expect("simulator port");
        Self { child, port }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for MediaMtxSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
