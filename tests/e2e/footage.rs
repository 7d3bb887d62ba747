//! The footage worker as a process (`vigil case` / `vigil footage run`)
//! against the persistent database and the demo site's archive: clips and
//! snapshots checked by VTC1, kill -9 mid-write then restart (every job done
//! exactly once, no partial file), bad input, a full media root (a real
//! tiny tmpfs). Needs the `vigil` binary (cargo build, or VIGIL_BIN).
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_engine::footage::durable::file_facts;
use vigil_engine::footage::probe::probe_clip;
use vigil_engine::media::vtc1;
use vigil_engine::playback::demo_archive::DemoArchive;
use vigil_engine::playback::Recording;
use vigil_tests::cli::{ok, vigil, vigil_bin};

fn now_ms() -> i64 {
    vigil_engine::media::source::now_ms()
}

fn rfc(ms: i64) -> String {
    vigil_engine::cases::rfc3339_ms(ms)
}

/// Demo cameras (ids) whose archive covers `[from, to)` without a hole.
fn covered_cameras(from: i64, to: i64, n: usize) -> Vec<String> {
    let cams: Vec<String> = (1..=4)
        .filter(|i| {
            let a = DemoArchive {
                camera_index: *i,
                name: String::new(),
                width: 64,
                height: 64,
            };
            let s = a.spans(from, to).unwrap();
            s.len() == 1 && s[0] == vigil_engine::playback::Span::new(from, to)
        })
        .map(|i| format!("demo:{i}"))
        .collect();
    assert!(cams.len() >= n, "demo archive holes around now: {cams:?}");
    cams.into_iter().take(n).collect()
}

fn create(data: &Path, cams: &[String], at: i64) -> String {
    let mut args = vec!["case", "create", "--camera", &cams[0], "--at"];
    let at = rfc(at);
    args.push(&at);
    args.extend(["--title", "E2E case"]);
    if cams.len() > 1 {
        args.push("--nearest");
        args.extend(cams[1..].iter().map(String::as_str));
    }
    ok(&vigil(data, &args, None)).trim().to_string()
}

fn show(data: &Path, id: &str) -> Value {
    serde_json::from_str(&ok(&vigil(data, &["case", "show", id, "--json"], None))).unwrap()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
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

const FRAME: f64 = 1000.0 / 15.0;

/// Every job done, files match the store, VTC1 matches the windows.
fn check_case(data: &Path, id: &str) -> usize {
    let v = show(data, id);
    let jobs = v["jobs"].as_array().unwrap();
    for j in jobs {
        assert_eq!(j["status"], "done", "{j}");
        let m = &j["media"];
        let path = Path::new(m["path"].as_str().unwrap());
        assert_eq!(
            file_facts(path).unwrap().sha256,
            m["sha256"].as_str().unwrap()
        );
        let (ws, we, ev) = (
            j["windowStartMs"].as_i64().unwrap(),
            j["windowEndMs"].as_i64().unwrap(),
            j["eventMs"].as_i64().unwrap(),
        );
        if j["kind"] == "clip" {
            assert_eq!(m["fastStart"], true);
            let p = probe_clip(path).unwrap();
            let first = p.frames[0].vtc1.unwrap();
            let last = p.frames.last().unwrap().vtc1.unwrap();
            assert!(
                ((first - ws).abs() as f64) <= FRAME,
                "first {first} vs {ws}"
            );
            assert!(((last - we).abs() as f64) <= FRAME, "last {last} vs {we}");
            assert!(((p.duration_ms - (we - ws)).abs() as f64) <= FRAME + 1.0);
            let side: Value =
                serde_json::from_slice(&std::fs::read(m["sidecarPath"].as_str().unwrap()).unwrap())
                    .unwrap();
            assert_eq!(side["files"][0]["sha256"], m["sha256"]);
            assert_eq!(side["requested"]["startMs"].as_i64(), Some(ws));
        } else {
            let img = image::load_from_memory(&std::fs::read(path).unwrap())
                .unwrap()
                .to_rgb8();
            let tc = vtc1::read_rgb(img.as_raw(), img.width() as usize, img.height() as usize)
                .unwrap() as i64;
            assert!(
                ((tc - ev).abs() as f64) <= FRAME,
                "snapshot {tc} vs event {ev}"
            );
        }
    }
    jobs.len()
}

#[test]
fn kill_9_mid_write_then_restart_completes_every_job_exactly_once() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    let event = now_ms() - 30_000;
    let cams = covered_cameras(event - 6_000, event + 6_000, 3);
    let a = create(data, &cams, event);
    let b = create(data, &cams[..2], event - 1_000);
    let media = data.join("media");
    let mut child = Command::new(vigil_bin())
        .args(["footage", "run"])
        .env("VIGIL_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // wait until a clip is being written, then kill -9
    let t0 = Instant::now();
    let partial = loop {
        // `.NAME.mp4.<attempt>.partial`
        if let Some(p) = files_under(&media.join("Footage")).into_iter().find(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with('.') && n.contains(".mp4.") && n.ends_with(".partial")
        }) {
            break p;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no clip write started"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    eprintln!("killed while writing {}", partial.display());
    // nothing visible is half-written: every final clip decodes whole
    for f in files_under(&media.join("Footage")) {
        if f.extension().is_some_and(|e| e == "mp4") {
            assert!(
                probe_clip(&f).unwrap().frames.len() > 100,
                "{}",
                f.display()
            );
        }
    }
    ok(&vigil(data, &["footage", "run", "--until-idle"], None));
    let n = check_case(data, &a) + check_case(data, &b);
    assert_eq!(n, 10);
    // exactly once: one clip + sidecar per clip job, one snapshot per camera
    let all: Vec<PathBuf> = files_under(&media);
    assert!(
        !all.iter().any(|p| p.to_string_lossy().contains(".partial")),
        "{all:?}"
    );
    let count = |ext: &str| {
        all.iter()
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .count()
    };
    assert_eq!(
        (count("mp4"), count("json"), count("jpg")),
        (5, 5, 5),
        "{all:?}"
    );
    // a second run has nothing to do and changes nothing
    let before: Vec<_> = all.iter().map(|p| file_facts(p).unwrap()).collect();
    ok(&vigil(data, &["footage", "run", "--once"], None));
    let after: Vec<_> = files_under(&media)
        .iter()
        .map(|p| file_facts(p).unwrap())
        .collect();
    assert_eq!(before, after);
}

#[test]
fn a_case_whose_footage_is_not_recorded_yet_waits_then_succeeds() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    let event = now_ms() - 200;
    let cams = covered_cameras(event - 10_000, event - 5_000, 1);
    let id = create(data, &cams, event);
    let v = show(data, &id);
    assert!(v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|j| j["status"] == "pending"));
    // --once now: nothing is due yet (window still open), nothing is written
    ok(&vigil(data, &["footage", "run", "--once"], None));
    assert!(files_under(&data.join("media")).is_empty());
    ok(&vigil(data, &["footage", "run", "--until-idle"], None));
    assert_eq!(check_case(data, &id), 2);
    assert!(
        now_ms() >= event + 5_000 + 1_000,
        "waited for the recording"
    );
}

#[test]
fn bad_input_gets_a_clear_error_and_stores_nothing() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    let at = rfc(now_ms() - 10_000);
    let o = vigil(
        data,
        &[
            "case",
            "create",
            "--equipment",
            "door-99",
            "--at",
            &at,
            "--title",
            "x",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown equipment door-99"));
    let future = rfc(now_ms() + 3_600_000);
    let o = vigil(
        data,
        &[
            "case", "create", "--camera", "demo:1", "--at", &future, "--title", "x",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("in the future"));
    let o = vigil(
        data,
        &[
            "case", "create", "--camera", "demo:1", "--at", "noon", "--title", "x",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(ok(&vigil(data, &["case", "list"], None)).trim().is_empty());
    // an asset with nearest cameras works
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
            "D-1",
        ],
        None,
    ));
    ok(&vigil(
        data,
        &["case", "nearest", "door-1", "demo:2", "demo:1", "demo:2"],
        None,
    ));
    let id = ok(&vigil(
        data,
        &[
            "case",
            "create",
            "--equipment",
            "door-1",
            "--at",
            &at,
            "--title",
            "Door",
        ],
        None,
    ));
    let v = show(data, id.trim());
    let cams: Vec<&str> = v["case"]["cameras"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cameraId"].as_str().unwrap())
        .collect();
    assert_eq!(cams, ["demo-2", "demo-1"]);
}

struct Tmpfs(PathBuf);
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_media_root_keeps_the_job_and_it_completes_once_space_is_back() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    let mnt = data.join("full");
    std::fs::create_dir_all(&mnt).unwrap();
    // a real, tiny file system: 96 KiB cannot hold a 10 s 1080p clip
    let st = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=96k", "tmpfs"])
        .arg(&mnt)
        .status()
        .expect("mount(8)");
    assert!(
        st.success(),
        "mounting a tmpfs needs root (CI runs as root)"
    );
    let _guard = Tmpfs(mnt.clone());
    let event = now_ms() - 30_000;
    let cams = covered_cameras(event - 6_000, event + 6_000, 1);
    ok(&vigil(
        data,
        &["footage", "media-root", mnt.to_str().unwrap()],
        None,
    ));
    let id = create(data, &cams, event);
    ok(&vigil(data, &["footage", "run", "--once"], None));
    let v = show(data, &id);
    let clip = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["kind"] == "clip")
        .unwrap()
        .clone();
    assert_eq!(clip["status"], "pending", "kept for retry: {clip}");
    assert_eq!(clip["errorKind"], "storage");
    assert!(
        clip["error"].as_str().unwrap().contains("No space left"),
        "{clip}"
    );
    assert!(
        !files_under(&mnt)
            .iter()
            .any(|p| p.to_string_lossy().contains(".partial")),
        "the partial file was removed"
    );
    // space comes back (a roomy media root): the same job completes
    let roomy = data.join("roomy");
    ok(&vigil(
        data,
        &["footage", "media-root", roomy.to_str().unwrap()],
        None,
    ));
    ok(&vigil(data, &["footage", "run", "--until-idle"], None));
    assert_eq!(check_case(data, &id), 2);
}
