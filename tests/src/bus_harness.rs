//! The case-bus e2e harness: the `vigil` CLI runner (VIGIL_BIN or the one
//! built beside the test), `vigil worker` processes and their JSON lines,
//! the demo site with its equipment, the seed-shaped case messages and the
//! VTC1 check of every clip and snapshot a worker cut.
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_engine::bus::cms_double::CmsDouble;
use vigil_engine::bus::CaseCreated;
use vigil_engine::footage::probe::probe_clip;
use vigil_engine::media::vtc1;

use crate::bus::Rabbit;

pub const FRAME: f64 = 1000.0 / 15.0;

pub use crate::cli::{ok, vigil_bin};

/// `vigil ARGS` on `data` with `stdin` (a password or nothing).
pub fn vigil(data: &Path, args: &[&str], stdin: &str) -> Output {
    crate::cli::vigil(data, args, Some(stdin))
}

pub fn env_n(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn now_ms() -> i64 {
    vigil_engine::media::source::now_ms()
}

/// A `vigil worker` process and the JSON lines it printed.
pub struct Worker {
    pub child: Child,
    pub lines: Arc<Mutex<Vec<Value>>>,
}

impl Worker {
    pub fn start(
        data: &Path,
        rabbit: &Rabbit,
        cms: &CmsDouble,
        media: &Path,
        health: Option<u16>,
    ) -> Self {
        let mut args: Vec<String> = [
            "worker",
            "--amqp",
            &rabbit.url(),
            "--password-stdin",
            "--cms-url",
            &cms.url(),
            "--media-root",
            &media.to_string_lossy(),
            "--max-jobs",
            "2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(p) = health {
            args.extend(["--health".to_string(), format!("127.0.0.1:{p}")]);
        }
        let mut child = Command::new(vigil_bin())
            .args(&args)
            .env("VIGIL_DATA_DIR", data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(b"guest").unwrap();
        let out = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let l2 = lines.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                let v: Value = serde_json::from_str(&l).unwrap_or_else(|_| panic!("not JSON: {l}"));
                l2.lock().unwrap().push(v);
            }
        });
        Self { child, lines }
    }

    pub fn events(&self, name: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|v| v["event"] == name)
            .cloned()
            .collect()
    }

    pub fn stop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(
            t0.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub fn http_get(port: u16) -> Value {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).unwrap();
    let body = r.split("\r\n\r\n").nth(1).unwrap();
    serde_json::from_str(body).unwrap()
}

/// A door whose nearest cameras are the four demo cameras.
pub fn setup_site(data: &Path) {
    ok(&vigil(
        data,
        &[
            "case",
            "equipment",
            "--id",
            "door-1",
            "--name",
            "Door 1",
            "--kind",
            "door",
            "--tag",
            "DOOR-B2-07",
        ],
        "",
    ));
    ok(&vigil(
        data,
        &[
            "case", "nearest", "door-1", "demo:1", "demo:2", "demo:3", "demo:4",
        ],
        "",
    ));
}

/// Event `i`'s time counted back from `base_ms` (11 s apart, 40 s before it).
pub fn event_from(base_ms: i64, i: usize) -> i64 {
    (base_ms / 1000 - 40 - i as i64 * 11) * 1000 + 250
}

/// Event times in the demo archive's recorded past (it has no hole in the last hour).
pub fn event_at(i: usize) -> i64 {
    (now_ms() / 1000 - 40 - i as i64 * 11) * 1000 + 250
}

pub fn msg(id: String, at: i64, tag: &str) -> CaseCreated {
    CaseCreated {
        case_no: format!("CASE-{id}"),
        id,
        timestamp: vigil_engine::cases::rfc3339_ms(at),
        equipment_tag: tag.into(),
        device_data: r#"{"zone":"B2"}"#.into(),
    }
}

/// The case label and camera of a media file's name
/// (`C-000007_demo-1_20231114T221320.123Z.jpg`).
pub fn label_and_camera(name: &str) -> Option<(String, String)> {
    let mut parts = name.split('_');
    Some((parts.next()?.to_string(), parts.next()?.to_string()))
}

/// Every snapshot shows its case's event time and every clip spans it
/// (VTC1 in the pixels decides); each case has exactly one clip and one
/// snapshot per camera. Returns the number of clips probed.
pub fn check_pixels(media: &Path, events: &HashMap<String, i64>) -> usize {
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut labels = BTreeSet::new();
    let mut clips = 0;
    for f in files_under(media) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let Some((label, camera)) = label_and_camera(&name) else {
            continue;
        };
        let Some(&ev) = events.get(&label) else {
            continue;
        };
        if name.ends_with(".jpg") {
            let img = image::load_from_memory(&std::fs::read(&f).unwrap())
                .unwrap()
                .to_rgb8();
            let tc = vtc1::read_rgb(img.as_raw(), img.width() as usize, img.height() as usize)
                .unwrap_or_else(|| panic!("{name}: no VTC1")) as i64;
            assert!(
                ((tc - ev).abs() as f64) <= FRAME,
                "{name}: snapshot {tc} vs event {ev}"
            );
            *seen
                .entry((label.clone(), camera, "jpg".into()))
                .or_default() += 1;
        } else if name.ends_with(".mp4") {
            let p = probe_clip(&f).unwrap();
            let first = p.frames[0]
                .vtc1
                .unwrap_or_else(|| panic!("{name}: no VTC1"));
            let last = p
                .frames
                .last()
                .unwrap()
                .vtc1
                .unwrap_or_else(|| panic!("{name}: no VTC1"));
            assert!(
                first <= ev && last >= ev && last - first >= 8_000,
                "{name}: clip {first}..{last} around event {ev}"
            );
            *seen
                .entry((label.clone(), camera, "mp4".into()))
                .or_default() += 1;
            clips += 1;
            labels.insert(label);
        }
    }
    assert_eq!(labels.len(), events.len(), "clips of every case probed");
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        twice.is_empty(),
        "a camera's file more than once: {twice:?}"
    );
    for label in events.keys() {
        let cams = |ext: &str| {
            seen.keys()
                .filter(|(l, _, e)| l == label && e == ext)
                .map(|(_, c, _)| c.clone())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(
            cams("mp4"),
            cams("jpg"),
            "{label}: a clip and a snapshot per camera"
        );
    }
    clips
}

/// Cameras of the segment folder beside the demo site.
pub const FOLDER_CAMERAS: [&str; 2] = ["north", "south"];

/// A segment folder (`dir/north`, `dir/south`: 5 s H.264 MP4 files at 640x360
/// 15 fps whose frames carry VTC1 = recording time) covering `from_ms..to_ms`.
pub fn write_folder(dir: &Path, from_ms: i64, to_ms: i64) {
    let start = from_ms.div_euclid(5_000) * 5_000;
    let count = (to_ms - start).div_euclid(5_000) as usize + 1;
    for (i, cam) in FOLDER_CAMERAS.iter().enumerate() {
        vigil_engine::footage::synth::write_segments(
            dir,
            cam,
            i + 2,
            start,
            5_000,
            count,
            15,
            (640, 360),
        )
        .unwrap();
    }
}

/// The folder as a site (`vigil sites add folder`): its id and camera ids.
pub fn add_folder_site(data: &Path, dir: &Path) -> (String, Vec<String>) {
    let out = ok(&vigil(
        data,
        &[
            "sites",
            "add",
            "folder",
            "--address",
            &dir.to_string_lossy(),
            "--name",
            "Export B2",
            "--tz",
            "UTC",
        ],
        "",
    ));
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    let mut ids: Vec<String> = v["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids.len(), FOLDER_CAMERAS.len(), "{out}");
    (v["site"]["id"].as_str().unwrap().to_string(), ids)
}

/// A door whose nearest cameras are two demo cameras and the two cameras
/// of a segment folder site (stream copy); the folder covers `from_ms..to_ms`.
/// Returns the site id of the folder.
pub fn setup_mixed_site(data: &Path, folder: &Path, from_ms: i64, to_ms: i64) -> String {
    write_folder(folder, from_ms, to_ms);
    let (site, cams) = add_folder_site(data, folder);
    ok(&vigil(
        data,
        &[
            "case",
            "equipment",
            "--id",
            "door-1",
            "--name",
            "Door 1",
            "--kind",
            "door",
            "--tag",
            "DOOR-B2-07",
        ],
        "",
    ));
    ok(&vigil(
        data,
        &[
            "case", "nearest", "door-1", "demo:1", "demo:2", &cams[0], &cams[1],
        ],
        "",
    ));
    site
}
