//! `vigil recordings` and `vigil playback` as an operator or a script runs
//! them: spans as RFC 3339 JSON lines over a DST day, frames.jsonl whose
//! ts_ms are recording times (VTC1 in the written JPEGs is not needed: the
//! hub tests check pictures), exact single steps, clear refusals.
use std::process::Command;

use vigil_engine::media::file_writer::Container;
use vigil_engine::playback::day::parse_rfc3339;
use vigil_engine::playback::demo_segments::{write_segment, SegmentSpec};
use vigil_tests::vigil_bin;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(vigil_bin())
        .args(args)
        .output()
        .expect("run vigil");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn recordings_over_a_dst_day_in_local_file_names() {
    // Berlin leaves summer time on 2025-10-26: that day has 25 hours
    let dir = tempfile::tempdir().unwrap();
    let cam = dir.path().join("gate");
    std::fs::create_dir(&cam).unwrap();
    let spec = SegmentSpec {
        camera_index: 1,
        width: 160,
        height: 90,
        fps: 5,
        gop: 5,
        container: Container::Mp4FastStart,
    };
    // 00:10 local (CEST, +02:00) and 23:50 local (CET, +01:00), 5 s each
    for (name, utc) in [
        ("gate_20251026_001000.mp4", "2025-10-25T22:10:00Z"),
        ("gate_20251026_235000.mp4", "2025-10-26T22:50:00Z"),
        ("gate_20251027_001000.mp4", "2025-10-26T23:10:00Z"),
    ] {
        write_segment(&cam.join(name), &spec, parse_rfc3339(utc).unwrap(), 5000).unwrap();
    }
    let src = format!("folder:{}#gate", dir.path().display());
    let (code, out, err) = run(&[
        "recordings",
        "--source",
        &src,
        "--day",
        "2025-10-26",
        "--tz",
        "Europe/Berlin",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            r#"{"start":"2025-10-25T22:10:00.000Z","end":"2025-10-25T22:10:05.000Z"}"#,
            r#"{"start":"2025-10-26T22:50:00.000Z","end":"2025-10-26T22:50:05.000Z"}"#,
        ],
        "the 25-hour day ends at 23:00Z, so the next day's file is not listed"
    );
    let (code, _, err) = run(&["recordings", "--source", "demo:1", "--day", "2999-01-01"]);
    assert_eq!(code, 2, "a future day is a usage error");
    assert!(err.contains("in the future"), "{err}");
    let (code, _, err) = run(&[
        "recordings",
        "--source",
        "nope-42",
        "--day",
        "2025-01-01",
        "--tz",
        "UTC",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown camera"), "{err}");
}

#[test]
fn playback_writes_recording_times_and_steps_one_frame() {
    let out = tempfile::tempdir().unwrap();
    // ten minutes after yesterday's first hole of demo-3: recorded for sure
    let day = vigil_engine::media::source::now_ms().div_euclid(86_400_000) - 1;
    let hole = vigil_engine::playback::demo_archive::holes(3, day)[0];
    let from = vigil_engine::playback::day::format_rfc3339((hole.end_ms / 1000 + 600) * 1000);
    let (code, _, err) = run(&[
        "playback",
        "--source",
        "demo:3",
        "--from",
        &from,
        "--speed",
        "1",
        "--frames",
        "8",
        "--size",
        "320x180",
        "--out",
        out.path().to_str().unwrap(),
        "--step-after",
        "4",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines = std::fs::read_to_string(out.path().join("frames.jsonl")).unwrap();
    let ts: Vec<i64> = lines
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["ts_ms"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(ts.len(), 8);
    let t0 = parse_rfc3339(&from).unwrap();
    assert!(ts[0] >= t0 && ts[0] < t0 + 1000, "starts at --from: {ts:?}");
    let steps: Vec<i64> = ts[4..].windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        steps.iter().all(|d| (66..=67).contains(d)),
        "single steps at 15 fps: {ts:?}"
    );
    assert!(out.path().join("000008.jpg").exists());
}
