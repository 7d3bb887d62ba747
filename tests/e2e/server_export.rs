//! Server-side clip export downloaded durably, against a test double: a
//! small HTTP server on loopback plays the VMS (an export job that is
//! "processing" twice before it is ready, then the clip: MPEG-TS longer
//! than the window, a fast-start MP4, slowly, truncated, stalled, refused,
//! garbage). The clip the footage side keeps is durable (final name only,
//! no partial left), probed, and VTC1-exact: its first and last frames show
//! the requested window's ends.
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vigil_engine::footage::durable::{file_facts, Aside, Unguarded};
use vigil_engine::footage::probe::probe_clip;
use vigil_engine::footage::server_export::{
    download_export, download_export_to, DownloadOptions, ServerExportError,
};
use vigil_engine::media::file_writer::Container;
use vigil_engine::net::http;
use vigil_engine::playback::demo_segments::{write_segment, SegmentSpec};
use vigil_engine::vms::export::{
    ClipExporter, ContainerHint, ExportError, ExportErrorKind, ExportFuture, ExportRequest,
    ExportedClip,
};

const T0: i64 = 1_767_225_600_000;
const FPS: u32 = 15;
const FRAME: f64 = 1000.0 / FPS as f64;
const TOKEN: &str = "dl-T0ken-9";
/// The window asked for: [T0 + 2 s, T0 + 6 s].
const FROM: i64 = T0 + 2_000;
const TO: i64 = T0 + 6_000;

/// How the test VMS answers a clip download.
#[derive(Clone)]
enum Answer {
    /// The file, whole (optionally in small slow chunks).
    File {
        bytes: Arc<Vec<u8>>,
        slow: bool,
    },
    /// Announces the whole length, sends half, closes.
    Truncated(Arc<Vec<u8>>),
    /// Sends a little, then nothing for a long time.
    Stall(Arc<Vec<u8>>),
    Status(u16),
}

struct Vms {
    addr: String,
    answers: Mutex<HashMap<String, Answer>>,
    /// Request lines and headers the server saw.
    requests: Mutex<Vec<String>>,
    job_polls: AtomicU32,
}

impl Vms {
    fn start() -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let vms = Arc::new(Self {
            addr: format!("127.0.0.1:{}", listener.local_addr().unwrap().port()),
            answers: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            job_polls: AtomicU32::new(0),
        });
        let v = vms.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let v = v.clone();
                std::thread::spawn(move || v.serve(conn));
            }
        });
        vms
    }

    fn set(&self, name: &str, a: Answer) {
        self.answers.lock().unwrap().insert(name.into(), a);
    }

    fn serve(&self, conn: TcpStream) {
        conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let mut reader = BufReader::new(conn.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        self.requests.lock().unwrap().push(head.clone());
        let path = head
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let mut out = conn;
        let authorized = head.contains(&format!("X-Auth-Token: {TOKEN}"))
            || head.contains(&format!("x-auth-token: {TOKEN}"));
        if let Some(job) = path.strip_prefix("/export/job/") {
            // an export job: processing twice, then ready
            if self.job_polls.fetch_add(1, Ordering::SeqCst) % 3 < 2 {
                respond(&mut out, 202, b"{\"state\":\"processing\"}");
            } else {
                respond(
                    &mut out,
                    200,
                    format!("{{\"state\":\"ready\",\"download\":\"/export/file/{job}\"}}")
                        .as_bytes(),
                );
            }
            return;
        }
        let Some(name) = path.strip_prefix("/export/file/") else {
            return respond(&mut out, 404, b"no such path");
        };
        let answer = self.answers.lock().unwrap().get(name).cloned();
        match answer {
            _ if !authorized => respond(&mut out, 401, b"{\"code\":1103}"),
            None => respond(&mut out, 404, b"no such export"),
            Some(Answer::Status(s)) => respond(&mut out, s, b"{\"code\":7000}"),
            Some(Answer::File { bytes, slow }) => {
                let _ = write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    bytes.len()
                );
                if slow {
                    for c in bytes.chunks(8 << 10) {
                        if out.write_all(c).is_err() {
                            return;
                        }
                        let _ = out.flush();
                        std::thread::sleep(Duration::from_millis(5));
                    }
                } else {
                    let _ = out.write_all(&bytes);
                }
            }
            Some(Answer::Truncated(bytes)) => {
                let _ = write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    bytes.len()
                );
                let _ = out.write_all(&bytes[..bytes.len() / 2]);
                // closes here
            }
            Some(Answer::Stall(bytes)) => {
                let _ = write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    bytes.len()
                );
                let _ = out.write_all(&bytes[..4096]);
                let _ = out.flush();
                std::thread::sleep(Duration::from_secs(5));
            }
        }
    }
}

fn respond(out: &mut TcpStream, status: u16, body: &[u8]) {
    let _ = write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = out.write_all(body);
}

/// The VMS side of the seam: an export job polled until ready, then a
/// download URL with a token in the query and in a header.
struct TestExporter {
    vms: Arc<Vms>,
    http: reqwest::Client,
    starts_at_ms: Option<i64>,
    supported: bool,
}

impl TestExporter {
    fn new(vms: &Arc<Vms>, starts_at_ms: Option<i64>) -> Self {
        Self {
            vms: vms.clone(),
            // a site's client, as adapters build it (TLS setup included)
            http: http::client(&http::HttpOptions::with_timeout(Duration::from_secs(30)))
                .expect("an HTTP client"),
            starts_at_ms,
            supported: true,
        }
    }
}

impl ClipExporter for TestExporter {
    fn describe(&self) -> String {
        "test vms".into()
    }

    fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn prepare<'a>(&'a self, request: &'a ExportRequest) -> ExportFuture<'a, ExportedClip> {
        Box::pin(async move {
            if !self.supported {
                return Err(ExportError::unsupported("test vms", "no export here"));
            }
            let job = format!(
                "http://{}/export/job/{}?from={}&to={}",
                self.vms.addr, request.camera, request.from_ms, request.to_ms
            );
            loop {
                let resp = self.http.get(&job).send().await.map_err(|e| {
                    ExportError::new(ExportErrorKind::Unreachable, &job, e.to_string())
                })?;
                let status = resp.status().as_u16();
                let body = resp.text().await.unwrap_or_default();
                match status {
                    202 => tokio::time::sleep(Duration::from_millis(20)).await,
                    200 => {
                        let path = body
                            .split("\"download\":\"")
                            .nth(1)
                            .and_then(|s| s.split('"').next())
                            .ok_or_else(|| {
                                ExportError::new(
                                    ExportErrorKind::Protocol,
                                    &job,
                                    "no download link",
                                )
                            })?;
                        let mut clip = ExportedClip::get(format!(
                            "http://{}{path}?token={TOKEN}",
                            self.vms.addr
                        ));
                        clip.headers.push(("X-Auth-Token".into(), TOKEN.into()));
                        clip.container = ContainerHint::MpegTs;
                        clip.starts_at_ms = self.starts_at_ms;
                        return Ok(clip);
                    }
                    s => {
                        return Err(ExportError::new(ExportError::kind_of_status(s), &job, body)
                            .with_status(s))
                    }
                }
            }
        })
    }
}

fn spec(container: Container) -> SegmentSpec {
    SegmentSpec {
        camera_index: 0,
        width: 320,
        height: 180,
        fps: FPS,
        gop: FPS,
        container,
    }
}

/// A VTC1 clip of `[start, start + ms)` as the VMS would send it.
fn clip_bytes(dir: &Path, name: &str, container: Container, start: i64, ms: i64) -> Arc<Vec<u8>> {
    let p = dir.join(name);
    write_segment(&p, &spec(container), start, ms).unwrap();
    Arc::new(std::fs::read(&p).unwrap())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn request(camera: &str) -> ExportRequest {
    ExportRequest {
        camera: camera.into(),
        from_ms: FROM,
        to_ms: TO,
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The clip shows the window's ends (VTC1) within a frame, and is fast start.
fn assert_vtc1_exact(path: &Path) {
    let p = probe_clip(path).unwrap();
    assert!(p.fast_start, "moov before mdat");
    let first = p
        .frames
        .first()
        .unwrap()
        .vtc1
        .expect("VTC1 on the first frame");
    let last = p
        .frames
        .last()
        .unwrap()
        .vtc1
        .expect("VTC1 on the last frame");
    assert!(
        ((first - FROM).abs() as f64) < FRAME,
        "first {first} vs {FROM}"
    );
    assert!(((last - TO).abs() as f64) <= FRAME, "last {last} vs {TO}");
    let codes: Vec<i64> = p.frames.iter().filter_map(|f| f.vtc1).collect();
    assert_eq!(codes.len(), p.frames.len(), "every frame has its timecode");
    assert!(codes.windows(2).all(|w| w[1] > w[0]), "timecodes advance");
}

fn no_secret(e: &ServerExportError) {
    let t = format!("{e} {e:?}");
    assert!(!t.contains(TOKEN), "token printed: {t}");
}

#[test]
fn an_mpegts_export_is_remuxed_to_the_window_and_committed_durably() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let vms = Vms::start();
    // the VMS exports more than asked (its own segment: [T0, T0 + 8 s])
    vms.set(
        "cam-ts",
        Answer::File {
            bytes: clip_bytes(src.path(), "a.ts", Container::MpegTs, T0, 8_000),
            slow: true,
        },
    );
    let rt = runtime();
    let exporter = TestExporter::new(&vms, Some(T0));
    let dest = out.path().join("Footage/20260101/clip.mp4");
    let (clip, facts) = download_export_to(
        &exporter,
        &request("cam-ts"),
        &dest,
        "a1",
        &Unguarded,
        rt.handle(),
        &DownloadOptions::default(),
    )
    .unwrap();
    assert!(clip.remuxed, "{clip:?}");
    assert_eq!(clip.codec, "h264");
    assert!(clip.container.contains("mpegts"), "{}", clip.container);
    assert!(
        ((clip.first_ms.unwrap() - FROM).abs() as f64) < FRAME,
        "{clip:?}"
    );
    assert!(
        ((clip.last_ms.unwrap() - TO).abs() as f64) <= FRAME,
        "{clip:?}"
    );
    assert!(!clip.source.contains(TOKEN), "{}", clip.source);
    assert_eq!(file_facts(&dest).unwrap(), facts);
    assert_vtc1_exact(&dest);
    assert_eq!(
        names_in(dest.parent().unwrap()),
        ["clip.mp4"],
        "no partial left"
    );
    // the job was polled until ready, and the download carried the token
    assert!(vms.job_polls.load(Ordering::SeqCst) >= 3);
    let reqs = vms.requests.lock().unwrap().clone();
    let dl = reqs
        .iter()
        .find(|r| r.contains("/export/file/"))
        .expect("downloaded");
    assert!(
        dl.to_ascii_lowercase().contains("x-auth-token: dl-t0ken-9"),
        "{dl}"
    );
}

#[test]
fn a_fast_start_mp4_export_is_kept_byte_for_byte_through_the_job_runners_aside() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let vms = Vms::start();
    // exactly the window, last frame included
    let bytes = clip_bytes(
        src.path(),
        "a.mp4",
        Container::Mp4FastStart,
        FROM,
        TO - FROM + FRAME.ceil() as i64,
    );
    vms.set(
        "cam-mp4",
        Answer::File {
            bytes: bytes.clone(),
            slow: false,
        },
    );
    let rt = runtime();
    let exporter = TestExporter::new(&vms, None);
    let dest = out.path().join("clip.mp4");
    // what the footage job runner does: its aside, the download, its commit
    let aside = Aside::new(&dest, "tok42", &Unguarded).unwrap();
    let mut reported = Vec::new();
    let clip = download_export(
        &exporter,
        &request("cam-mp4"),
        &aside,
        rt.handle(),
        &DownloadOptions::default(),
        &mut |p| {
            reported.push(p);
            true
        },
    )
    .unwrap();
    assert!(!clip.remuxed);
    assert_eq!(clip.downloaded_bytes, bytes.len() as u64);
    assert_eq!(clip.first_ms, Some(FROM));
    assert!(reported.iter().all(|p| (0.0..1.0).contains(p)) && !reported.is_empty());
    let facts = aside.commit(&Unguarded).unwrap();
    assert_eq!(
        std::fs::read(&dest).unwrap(),
        *bytes,
        "the VMS's file as sent"
    );
    assert_eq!(facts.bytes, bytes.len() as u64);
    assert_vtc1_exact(&dest);
    assert_eq!(names_in(out.path()), ["clip.mp4"]);
}

/// Every failure leaves no file (final or partial) and says what it was.
#[test]
fn failed_downloads_leave_nothing_and_say_why() {
    let src = tempfile::tempdir().unwrap();
    let vms = Vms::start();
    let ts = clip_bytes(src.path(), "a.ts", Container::MpegTs, T0, 8_000);
    vms.set("cut", Answer::Truncated(ts.clone()));
    vms.set("stall", Answer::Stall(ts.clone()));
    vms.set("forbidden", Answer::Status(403));
    vms.set("busy", Answer::Status(503));
    vms.set(
        "garbage",
        Answer::File {
            bytes: Arc::new(b"<html>this is not a video</html>".repeat(500)),
            slow: false,
        },
    );
    vms.set(
        "big",
        Answer::File {
            bytes: ts,
            slow: false,
        },
    );
    let rt = runtime();
    let exporter = TestExporter::new(&vms, Some(T0));
    let run = |camera: &str, opts: &DownloadOptions, exporter: &TestExporter| {
        let out = tempfile::tempdir().unwrap();
        let dest: PathBuf = out.path().join("clip.mp4");
        let r = download_export_to(
            exporter,
            &request(camera),
            &dest,
            "a1",
            &Unguarded,
            rt.handle(),
            opts,
        );
        assert!(
            names_in(out.path()).is_empty(),
            "{camera}: {:?}",
            names_in(out.path())
        );
        let e = r.err().unwrap_or_else(|| panic!("{camera}: no error"));
        no_secret(&e);
        e
    };
    let opts = DownloadOptions::default();

    let e = run("cut", &opts, &exporter);
    assert!(matches!(e, ServerExportError::Truncated { .. }), "{e}");
    assert!(e.retryable(), "{e}");

    let quick = DownloadOptions {
        read_timeout: Duration::from_millis(500),
        ..DownloadOptions::default()
    };
    let e = run("stall", &quick, &exporter);
    assert!(e.to_string().contains("no data for"), "{e}");

    let e = run("forbidden", &opts, &exporter);
    assert!(e.is_auth() && !e.retryable() && !e.falls_back(), "{e}");
    assert!(e.to_string().contains("HTTP 403"), "{e}");

    // a wrong token: 401, auth failed, never retried
    let wrong = TestExporter::new(&vms, Some(T0));
    struct NoHeader(TestExporter);
    impl ClipExporter for NoHeader {
        fn describe(&self) -> String {
            self.0.describe()
        }
        fn http(&self) -> &reqwest::Client {
            self.0.http()
        }
        fn prepare<'a>(&'a self, r: &'a ExportRequest) -> ExportFuture<'a, ExportedClip> {
            Box::pin(async move {
                let mut c = self.0.prepare(r).await?;
                c.headers.clear();
                Ok(c)
            })
        }
    }
    let out = tempfile::tempdir().unwrap();
    let e = download_export_to(
        &NoHeader(wrong),
        &request("big"),
        &out.path().join("clip.mp4"),
        "a1",
        &Unguarded,
        rt.handle(),
        &opts,
    )
    .unwrap_err();
    assert!(e.is_auth() && !e.retryable(), "{e}");
    assert!(
        e.to_string().contains("HTTP 401") && e.to_string().contains("1103"),
        "{e}"
    );
    assert!(e.to_string().contains("token=***"), "{e}");
    no_secret(&e);
    assert!(names_in(out.path()).is_empty());

    let e = run("busy", &opts, &exporter);
    assert!(e.retryable() && !e.is_auth(), "{e}");

    let e = run("garbage", &opts, &exporter);
    assert!(matches!(e, ServerExportError::NotAClip { .. }), "{e}");
    assert!(!e.retryable());

    let capped = DownloadOptions {
        max_bytes: 10_000,
        ..DownloadOptions::default()
    };
    let e = run("big", &capped, &exporter);
    assert!(matches!(e, ServerExportError::TooLarge { .. }), "{e}");

    let e = run("missing", &opts, &exporter);
    assert!(e.to_string().contains("HTTP 404"), "{e}");

    // a VMS without export: the worker writes the clip itself
    let mut none = TestExporter::new(&vms, None);
    none.supported = false;
    let e = run("big", &opts, &none);
    assert!(e.falls_back(), "{e}");
}

/// The footage worker itself, for a camera whose VMS exports clips: the
/// clip job downloads the VMS's export (method `server_export`), durable and
/// VTC1-exact; the camera's own recording is never asked for the clip.
#[test]
fn the_footage_worker_uses_the_vms_export_when_the_camera_has_one() {
    use vigil_engine::cases::{create_case, CameraDirectory, NewCase};
    use vigil_engine::footage::{
        FootageWorker, JobKind, JobStatus, RecordingLookup, RunMode, SiteFootage, WorkerConfig,
    };
    use vigil_engine::playback::folder::SegmentFolder;
    use vigil_engine::playback::Recording;
    use vigil_engine::store::Store;
    use vigil_engine::vms::{CameraInfo, VmsError};

    const CAM: &str = "cam-ts";
    struct Lookup {
        exporter: Arc<TestExporter>,
        folder: Arc<SegmentFolder>,
    }
    impl RecordingLookup for Lookup {
        fn camera(&self, id: &str) -> Result<CameraInfo, VmsError> {
            (id == CAM)
                .then(|| CameraInfo {
                    id: id.into(),
                    name: "Export camera".into(),
                    site: "vms".into(),
                    site_name: "Test VMS".into(),
                    ptz: false,
                    streams: vec![],
                    capabilities: Default::default(),
                })
                .ok_or_else(|| VmsError::UnknownCamera(id.into()))
        }
        fn recording(&self, _: &str) -> Result<Arc<dyn Recording>, VmsError> {
            Ok(self.folder.clone())
        }
        fn exporter(&self, _: &str) -> Option<Arc<dyn ClipExporter>> {
            Some(self.exporter.clone())
        }
    }
    impl CameraDirectory for Lookup {
        fn camera_info(&self, id: &str) -> Option<(String, String)> {
            (id == CAM).then(|| ("Export camera".to_string(), "vms".to_string()))
        }
    }

    let src = tempfile::tempdir().unwrap();
    let media = tempfile::tempdir().unwrap();
    let vms = Vms::start();
    // the VMS's export: MPEG-TS from a second before the window to after it
    vms.set(
        CAM,
        Answer::File {
            bytes: clip_bytes(src.path(), "x.ts", Container::MpegTs, FROM - 1_000, 6_000),
            slow: false,
        },
    );
    // the camera's own recording (for the snapshot): segment files
    std::fs::create_dir_all(src.path().join("rec")).unwrap();
    write_segment(
        &src.path().join("rec/seg_20260101_000001.mp4"),
        &spec(Container::Mp4FastStart),
        FROM - 1_000,
        6_000,
    )
    .unwrap();
    let folder = SegmentFolder::new(
        src.path().join("rec"),
        vigil_engine::playback::day::zone("UTC").unwrap(),
    )
    .unwrap();
    let rt = runtime();
    let lookup = Arc::new(Lookup {
        exporter: Arc::new(TestExporter::new(&vms, Some(FROM - 1_000))),
        folder: Arc::new(folder),
    });
    let store = Arc::new(Store::open_in_memory().unwrap());
    // the window is exactly [FROM, TO]
    store
        .set_footage_site(
            "vms",
            &SiteFootage {
                start_offset_ms: FROM - (FROM + 2_000),
                end_offset_ms: TO - (FROM + 2_000),
                clock_offset_ms: 0,
                recording_lag_ms: 0,
            },
        )
        .unwrap();
    let case = create_case(
        &store,
        lookup.as_ref(),
        &NewCase {
            title: "export".into(),
            event_ms: FROM + 2_000,
            equipment_id: CAM.into(),
            extra_cameras: vec![],
            notes: String::new(),
        },
    )
    .unwrap();
    let worker = FootageWorker::new(
        store.clone(),
        lookup,
        WorkerConfig {
            media_root: Some(media.path().to_path_buf()),
            preset: "ultrafast".into(),
            ..Default::default()
        },
    );
    rt.block_on(worker.run(RunMode::Once)).unwrap();
    let jobs = store.footage_jobs_of_case(&case.id).unwrap();
    let clip = jobs.iter().find(|j| j.kind == JobKind::Clip).unwrap();
    assert_eq!(clip.status, JobStatus::Done, "{clip:?}");
    let m = clip.media.as_ref().unwrap();
    assert_eq!(m.method, "server_export", "{m:?}");
    let path = PathBuf::from(&m.path);
    assert_eq!(
        file_facts(&path).unwrap().sha256,
        m.sha256,
        "durable, as recorded"
    );
    assert_vtc1_exact(&path);
    assert!(
        vms.requests
            .lock()
            .unwrap()
            .iter()
            .any(|r| r.contains("/export/file/")),
        "downloaded from the VMS"
    );
}
