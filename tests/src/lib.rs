//! Helpers for the end-to-end tests: the real RTSP peer (GStreamer's RTSP
//! server from shared/bench, run with Debian's python3), free ports, and an
//! engine with a hub to subscribe to.
pub mod bus;
pub mod bus_harness;
pub mod cli;
pub mod dahua;
pub mod dss;
pub mod hikcentral;
pub mod hikvision;
pub mod hub_wait;
pub mod mediamtx;
pub mod milestone;
pub mod onvif;
pub mod udp_blackhole;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::hub::client::{HubEvent, TileClient};
use vigil_engine::hub::protocol::{FrameHeader, ServerMessage};
use vigil_engine::ingest::Policy;

/// shared/ beside the repository (VIGIL_SHARED overrides).
pub fn shared_dir() -> PathBuf {
    std::env::var_os("VIGIL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The VTC1 RTSP server (`vtc1_rtsp_server.py`) on loopback.
pub struct RtspServer {
    child: Child,
    pub port: u16,
}

impl RtspServer {
    /// Starts it with extra arguments and waits for READY.
    pub fn start(port: u16, extra: &[&str]) -> Self {
        let script = shared_dir().join("bench/vtc1_rtsp_server.py");
        assert!(script.exists(), "missing {}", script.display());
        let mut child = Command::new("/usr/bin/python3")
            .arg(&script)
            .args([
                "--port",
                &port.to_string(),
                "--cams",
                "2",
                "--size",
                "1280x720",
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start /usr/bin/python3 vtc1_rtsp_server.py");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.trim() == "READY" {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(20))
            .expect("RTSP server READY");
        Self { child, port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("rtsp://127.0.0.1:{}{path}", self.port)
    }

    /// Freezes the server (SIGSTOP): the connection stays open, no packets flow.
    pub fn freeze(&self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGSTOP) };
    }

    pub fn thaw(&self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGCONT) };
    }

    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGCONT) };
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RtspServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An engine with everything in memory and quick reconnects.
pub async fn engine() -> Engine {
    engine_on(vigil_engine::clock::system()).await
}

/// [`engine`] on `clock` (a `SimClock` for tests of deadlines: only the
/// test moves its time).
pub async fn engine_on(clock: vigil_engine::clock::SharedClock) -> Engine {
    Engine::start(EngineConfig {
        database: None,
        policy: Policy {
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(2),
            auth_attempts: 1,
        },
        clock,
        ..Default::default()
    })
    .await
    .expect("engine starts")
}

/// Registers `url` as an ad-hoc RTSP camera (optional user and password)
/// and opens a tile of `size` on it. Returns the camera id and the tile.
pub async fn rtsp_tile(
    engine: &Engine,
    url: &str,
    creds: Option<(&str, &str)>,
    transport: vigil_engine::media::rtsp_input::Transport,
    size: (u32, u32),
) -> (String, TileClient) {
    let (user, pass) = creds
        .map(|(u, p)| (Some(u.to_string()), Some(p.to_string())))
        .unwrap_or_default();
    let cam = engine
        .add_adhoc_rtsp(url, user, pass, transport)
        .await
        .unwrap();
    let tile = TileClient::connect(&engine.hub_info(), &cam.id, size.0, size.1, "")
        .await
        .unwrap();
    (cam.id, tile)
}

/// A frame as a test sees it.
#[derive(Debug)]
pub struct Got {
    pub header: FrameHeader,
    pub payload: Vec<u8>,
    pub arrived_ms: i64,
}

impl Got {
    /// The VTC1 timecode in the delivered I420 picture.
    pub fn vtc1(&self) -> Option<u64> {
        let (w, h) = (self.header.width as usize, self.header.height as usize);
        vigil_engine::media::vtc1::read_luma(&self.payload[..w * h], w, h, w)
    }
}

/// Reads events until `n` frames arrived (or the deadline), collecting
/// status messages as `(state, stream)` on the way.
pub async fn frames(
    tile: &mut TileClient,
    n: usize,
    within: Duration,
    statuses: &mut Vec<(String, Option<String>)>,
) -> Vec<Got> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while out.len() < n {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tile.next()).await {
            Ok(Some(Ok(HubEvent::Frame {
                header,
                payload,
                arrived_ms,
                ..
            }))) => out.push(Got {
                header,
                payload,
                arrived_ms,
            }),
            Ok(Some(Ok(HubEvent::Status(ServerMessage::Status { state, stream, .. })))) => {
                statuses.push((state, stream))
            }
            Ok(Some(Ok(HubEvent::Status(_)))) => {}
            Ok(Some(Err(e))) => panic!("hub error: {e}"),
            Ok(None) | Err(_) => break,
        }
    }
    out
}

/// Waits for a status with `state`, returning every status seen until then.
pub async fn wait_state(
    tile: &mut TileClient,
    state: &str,
    within: Duration,
) -> Result<Vec<String>, Vec<String>> {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tile.next()).await {
            Ok(Some(Ok(HubEvent::Status(ServerMessage::Status {
                state: s, reason, ..
            })))) => {
                seen.push(format!(
                    "{s}{}",
                    reason.map(|r| format!(" ({r})")).unwrap_or_default()
                ));
                if s == state {
                    return Ok(seen);
                }
            }
            Ok(Some(Ok(HubEvent::Frame { .. }))) | Ok(Some(Ok(HubEvent::Status(_)))) => {}
            Ok(Some(Err(e))) => panic!("hub error: {e}"),
            Ok(None) | Err(_) => return Err(seen),
        }
    }
}

/// The VTC1 timecode (ms) in a decoded FFmpeg frame's luma plane.
pub fn frame_vtc1(frame: &ffmpeg_next::frame::Video) -> Option<i64> {
    let (w, h) = (frame.width() as usize, frame.height() as usize);
    vigil_engine::media::vtc1::read_luma(frame.data(0), w, h, frame.stride(0)).map(|v| v as i64)
}

/// The `p`th percentile (0-100, nearest rank below) of `v`.
pub fn percentile(mut v: Vec<i64>, p: usize) -> i64 {
    v.sort_unstable();
    v[(v.len() - 1) * p / 100]
}

/// Writes a frame's luma plane as a PGM picture under the temp dir, for a
/// failing test's message.
pub fn dump_luma(f: &Got) -> std::path::PathBuf {
    let (w, h) = (f.header.width as usize, f.header.height as usize);
    let path = std::env::temp_dir().join(format!(
        "vigil-frame-{}-{}.pgm",
        std::process::id(),
        f.header.seq
    ));
    let mut pgm = format!("P5\n{w} {h}\n255\n").into_bytes();
    pgm.extend_from_slice(&f.payload[..w * h]);
    let _ = std::fs::write(&path, pgm);
    path
}

/// Leading frames of a freshly started VTC1 server that may lack the strip:
/// under load its compositor sends its first picture before the strip's
/// first buffer reached it (a clean test pattern, no timecode). Measured
/// with FFmpeg's own client on fresh mounts under three busy loops: 4 of
/// 25 first frames had no strip, never a second frame.
pub const PEER_START_FRAMES_WITHOUT_VTC1: usize = 2;

/// `frames` without the peer's leading start-up pictures that lack a
/// timecode (at most [`PEER_START_FRAMES_WITHOUT_VTC1`]).
pub fn after_peer_start<T>(frames: &[T], has_vtc1: impl Fn(&T) -> bool) -> &[T] {
    let lead = frames
        .iter()
        .take(PEER_START_FRAMES_WITHOUT_VTC1)
        .take_while(|f| !has_vtc1(f))
        .count();
    &frames[lead..]
}

/// Asserts the frames carry readable VTC1 timecodes that advance and never
/// go back. Only the peer's start-up pictures
/// ([`PEER_START_FRAMES_WITHOUT_VTC1`]) may lack one, and at least three
/// readable frames must follow them.
pub fn assert_increasing_timecodes(frames: &[Got]) {
    let all = frames.len();
    let frames = after_peer_start(frames, |f| f.vtc1().is_some());
    let lead = all - frames.len();
    assert!(
        frames.len() >= 3,
        "{} frames after {lead} start-up frames without VTC1",
        frames.len()
    );
    let codes: Vec<u64> = frames
        .iter()
        .map(|f| {
            f.vtc1().unwrap_or_else(|| {
                let dump = dump_luma(f);
                panic!(
                    "frame {} has no readable VTC1 (luma written to {})",
                    f.header.seq,
                    dump.display()
                )
            })
        })
        .collect();
    // a live source may repeat a picture (the peer's compositor does), never go back
    assert!(
        codes.windows(2).all(|w| w[1] >= w[0]),
        "timecodes go back: {codes:?}"
    );
    assert!(
        codes.last() > codes.first(),
        "timecodes do not advance: {codes:?}"
    );
}

/// Asserts live frames arrive soon after their capture (arrival minus the
/// VTC1 timecode, same machine): the median under 1 s, every frame under
/// 3 s. One frame held up on a busy machine is not a lagging stream; a
/// buffering pipeline moves the median.
pub fn assert_live_lag(frames: &[Got]) {
    let mut lags: Vec<i64> = frames
        .iter()
        .filter_map(|f| f.vtc1().map(|tc| f.arrived_ms - tc as i64))
        .collect();
    assert!(lags.len() >= 3, "{} frames with a timecode", lags.len());
    lags.sort_unstable();
    assert!(
        (0..1000).contains(&lags[lags.len() / 2]) && lags.iter().all(|l| (0..3000).contains(l)),
        "live lags {lags:?} ms"
    );
}

pub use cli::vigil_bin;
