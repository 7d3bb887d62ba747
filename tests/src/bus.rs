//! A real RabbitMQ for the bus tests (Debian's rabbitmq-server): one node
//! per test on free loopback ports (AMQP, Erlang distribution, its own
//! epmd), with its own HOME, Mnesia, log and config under a temp folder, so
//! a restart keeps its durable queues and persistent messages. Never a
//! system service. Ready = the AMQP port accepts; stop = SIGTERM (the
//! node's graceful shutdown), then its epmd is killed.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;

const SERVER: &str = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/// A broker node on 127.0.0.1.
pub struct Rabbit {
    dir: tempfile::TempDir,
    pub port: u16,
    dist_port: u16,
    epmd_port: u16,
    child: Option<Child>,
}

impl Rabbit {
    /// Whether the broker is installed (`.ci/apt-packages.txt` lists it).
    pub fn available() -> bool {
        Path::new(SERVER).exists()
    }

    /// Starts a node and waits until it takes AMQP connections (bounded).
    pub fn start() -> Self {
        assert!(
            Self::available(),
            "rabbitmq-server is not installed ({SERVER})"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut r = Self {
            port,
            dist_port: free_port(),
            epmd_port: free_port(),
            child: None,
            dir,
        };
        for d in ["home", "mnesia", "log"] {
            std::fs::create_dir_all(r.dir.path().join(d)).unwrap();
        }
        std::fs::write(
            r.dir.path().join("rabbitmq.conf"),
            format!("listeners.tcp.default = 127.0.0.1:{port}\nloopback_users.guest = true\n"),
        )
        .unwrap();
        std::fs::write(r.dir.path().join("enabled_plugins"), "[].\n").unwrap();
        r.launch();
        r
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn env(&self, c: &mut Command) {
        c.env("HOME", self.path("home"))
            .env(
                "RABBITMQ_NODENAME",
                format!("vigiltest{}@localhost", self.port),
            )
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .env("ERL_EPMD_ADDRESS", "127.0.0.1")
            .env(
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS",
                "-kernel inet_dist_use_interface {127,0,0,1}",
            )
            .env("RABBITMQ_MNESIA_BASE", self.path("mnesia"))
            .env("RABBITMQ_LOG_BASE", self.path("log"))
            .env("RABBITMQ_CONFIG_FILE", self.path("rabbitmq.conf"))
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                self.path("enabled_plugins"),
            )
            .env("RABBITMQ_PID_FILE", self.path("pid"));
    }

    fn launch(&mut self) {
        let _ = std::fs::remove_file(self.path("pid"));
        let mut c = Command::new(SERVER);
        self.env(&mut c);
        let child = c
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rabbitmq-server");
        self.child = Some(child);
        let t0 = Instant::now();
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            if let Some(Ok(Some(st))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!(
                    "rabbitmq-server exited with {st}; logs in {}",
                    self.path("log").display()
                );
            }
            assert!(
                t0.elapsed() < Duration::from_secs(90),
                "rabbitmq-server did not listen within 90 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!(
            "rabbitmq on 127.0.0.1:{} in {:.1} s",
            self.port,
            t0.elapsed().as_secs_f64()
        );
    }

    /// The node's Erlang process id (from its pid file).
    fn beam_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.path("pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }

    /// Graceful stop (SIGTERM to the node), waiting until it is gone.
    pub fn stop(&mut self) {
        if let Some(pid) = self.beam_pid() {
            // SAFETY: signalling the node this test started.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        if let Some(mut c) = self.child.take() {
            let t0 = Instant::now();
            while t0.elapsed() < Duration::from_secs(30) {
                if let Ok(Some(_)) = c.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(pid) = self.beam_pid() {
            // the wrapper is gone; make sure the node is too
            let t0 = Instant::now();
            // SAFETY: probing/killing the node this test started.
            while unsafe { libc::kill(pid, 0) } == 0 && t0.elapsed() < Duration::from_secs(20) {
                std::thread::sleep(Duration::from_millis(50));
            }
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }

    /// Stops and starts the node on the same port and data (durable queues
    /// and persistent messages survive).
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// `amqp://guest@127.0.0.1:PORT/` (password `guest` on stdin; the
    /// guest user may log in over loopback only).
    pub fn url(&self) -> String {
        format!("amqp://guest@127.0.0.1:{}/", self.port)
    }
}

impl Drop for Rabbit {
    fn drop(&mut self) {
        self.stop();
        let _ = Command::new("epmd")
            .arg("-kill")
            .env("ERL_EPMD_PORT", self.epmd_port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
