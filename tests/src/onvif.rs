//! ONVIF peers for the end-to-end tests: Vigil's own simulator
//! (`tests/onvif_sim/onvif_sim.py`, stdlib Python, over HTTP or HTTPS), the ipycam virtual
//! camera and the onvif-zeep client, each from its venv that `.ci/setup`
//! creates under ~/.cache/vigil. A missing venv fails the test with a clear
//! message; nothing is skipped silently.
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The Python of a venv `.ci/setup` makes (`VIGIL_VENVS` overrides the folder).
pub fn venv_python(name: &str) -> PathBuf {
    let dir = std::env::var_os("VIGIL_VENVS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/vigil")
        });
    let py = dir.join(name).join("bin/python");
    assert!(
        py.exists(),
        "missing {}: run .ci/setup (it creates the {name} venv)",
        py.display()
    );
    py
}

/// Waits for a simulator's `READY ...` line on its piped stdout and returns
/// it (every simulator in tests/ prints one when it listens).
pub fn wait_ready(child: &mut Child, what: &str, within: Duration) -> String {
    let out = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.starts_with("READY") {
                let _ = tx.send(line);
            }
        }
    });
    rx.recv_timeout(within)
        .unwrap_or_else(|_| panic!("{what} did not print READY within {within:?}"))
}

/// The ONVIF simulator on a free loopback port, logging calls to a file.
pub struct OnvifSim {
    child: Child,
    pub port: u16,
    pub log: PathBuf,
    /// Serving HTTPS (with Python's ssl module) rather than HTTP.
    pub tls: bool,
    _dir: tempfile::TempDir,
}

/// The certificate (chain) and private key an HTTPS simulator serves, PEM.
pub struct SimTls<'a> {
    pub cert_pem: &'a str,
    pub key_pem: &'a str,
}

impl OnvifSim {
    /// The simulator over plain HTTP, with extra arguments.
    pub fn start(args: &[&str]) -> Self {
        Self::start_with(None, args)
    }

    /// The simulator over HTTPS (`--tls-cert`/`--tls-key`, Python's own TLS
    /// stack): XAddrs and snapshot URIs say https. Handshakes the client
    /// aborts are logged as op `TLS`.
    pub fn start_https(tls: SimTls<'_>, args: &[&str]) -> Self {
        Self::start_with(Some(tls), args)
    }

    fn start_with(tls: Option<SimTls<'_>>, args: &[&str]) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("onvif_sim/onvif_sim.py");
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("calls.jsonl");
        let mut cmd = Command::new("/usr/bin/python3");
        cmd.arg(&script)
            .args(["--port", "0", "--lifetime", "300", "--log"])
            .arg(&log);
        if let Some(t) = &tls {
            let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
            std::fs::write(&cert, t.cert_pem).unwrap();
            std::fs::write(&key, t.key_pem).unwrap();
            cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
        }
        let mut child = cmd
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the ONVIF simulator");
        let ready = wait_ready(&mut child, "onvif_sim.py", Duration::from_secs(15));
        let mut words = ready.split_whitespace().skip(1);
        let port = words.next().unwrap().parse().unwrap();
        let scheme = words.next().unwrap_or("http");
        assert_eq!(scheme == "https", tls.is_some(), "simulator says {ready}");
        Self {
            child,
            port,
            log,
            tls: tls.is_some(),
            _dir: dir,
        }
    }

    /// `127.0.0.1:PORT` (plain HTTP).
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `https://127.0.0.1:PORT` of a simulator started with [`Self::start_https`].
    pub fn https_address(&self) -> String {
        assert!(self.tls, "the simulator serves plain HTTP");
        format!("https://127.0.0.1:{}", self.port)
    }

    /// Every call the simulator logged, oldest first.
    pub fn calls(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The logged calls of one operation.
    pub fn calls_of(&self, op: &str) -> Vec<serde_json::Value> {
        self.calls().into_iter().filter(|c| c["op"] == op).collect()
    }
}

impl Drop for OnvifSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// ipycam (PyPI) through shared/peers/run_ipycam.py: ONVIF device, media and
/// PTZ on `onvif_port`, its own RTSP server on `rtsp_port`, loopback only.
pub struct Ipycam {
    child: Child,
    pub onvif_port: u16,
    pub rtsp_port: u16,
    /// ipycam writes ptz_presets.json into its working directory.
    _dir: tempfile::TempDir,
}

impl Ipycam {
    pub fn start(user: &str, password: &str) -> Self {
        let py = venv_python("venv-ipycam");
        let script = crate::shared_dir().join("peers/run_ipycam.py");
        assert!(script.exists(), "missing {}", script.display());
        let (onvif_port, rtsp_port) = (crate::free_port(), crate::free_port());
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(py)
            .current_dir(dir.path())
            .arg(&script)
            .args([
                "120",
                &onvif_port.to_string(),
                &rtsp_port.to_string(),
                user,
                password,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ipycam");
        wait_ready(&mut child, "ipycam", Duration::from_secs(60));
        Self {
            child,
            onvif_port,
            rtsp_port,
            _dir: dir,
        }
    }

    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.onvif_port)
    }
}

impl Drop for Ipycam {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub use crate::cli::vigil_bin;
