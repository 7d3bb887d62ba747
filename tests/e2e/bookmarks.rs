//! Bookmarks end to end through the `vigil` binary on the built-in demo
//! site: add (a moment with a range and a note; bad requests refused with
//! exit 2), list and search, and export the range as a clip whose first and
//! last frames read (VTC1) the range's ends. The demo recording has no files
//! to copy, so the clip is encoded (the footage worker's encoder) with a JSON
//! note beside it. Run after `cargo build -p vigil-engine --bin vigil`:
//! `cargo test -p vigil-tests --test bookmarks`.
use std::path::Path;

use serde_json::Value;
use vigil_engine::cases::rfc3339_ms;
use vigil_engine::footage::probe::probe_clip;
use vigil_tests::cli::{ok, vigil};

#[test]
fn a_bookmark_is_stored_searched_and_its_range_exported_as_a_clip() {
    let d = tempfile::tempdir().unwrap();
    let now = vigil_engine::media::source::now_ms();
    // ten minutes ago (recorded), on a whole millisecond
    let at = now - 600_000;
    let (from, to) = (at - 1_500, at + 1_500);
    let id = ok(&vigil(
        d.path(),
        &[
            "bookmark",
            "add",
            "--camera",
            "demo:1",
            "--at",
            &rfc3339_ms(at),
            "--from",
            &rfc3339_ms(from),
            "--to",
            &rfc3339_ms(to),
            "--note",
            "Van at the gate",
        ],
        None,
    ));
    let id = id.trim().to_string();
    assert!(id.parse::<i64>().is_ok(), "id {id}");
    ok(&vigil(
        d.path(),
        &[
            "bookmark",
            "add",
            "--camera",
            "demo:2",
            "--at",
            &rfc3339_ms(at),
            "--note",
            "Door",
        ],
        None,
    ));

    // refused: unknown camera, a range backwards
    let bad = vigil(
        d.path(),
        &[
            "bookmark",
            "add",
            "--camera",
            "nope",
            "--at",
            &rfc3339_ms(at),
        ],
        None,
    );
    assert_eq!(
        bad.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let bad = vigil(
        d.path(),
        &[
            "bookmark",
            "add",
            "--camera",
            "demo:1",
            "--at",
            &rfc3339_ms(at),
            "--from",
            &rfc3339_ms(to),
            "--to",
            &rfc3339_ms(from),
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));

    // search: one match, with what was stored
    let out = ok(&vigil(
        d.path(),
        &["bookmark", "list", "--search", "van", "--json"],
        None,
    ));
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{out}");
    let b = &lines[0];
    assert_eq!(b["id"].to_string(), id);
    assert_eq!(b["camera"], "demo-1");
    assert_eq!(b["atMs"], at);
    assert_eq!(
        (b["fromMs"].as_i64(), b["toMs"].as_i64()),
        (Some(from), Some(to))
    );
    assert_eq!(
        ok(&vigil(d.path(), &["bookmark", "list", "--json"], None))
            .lines()
            .count(),
        2
    );

    // the clip: the range, first and last frame by their VTC1 time
    let dir = d.path().join("clips");
    let clip: Value = serde_json::from_str(
        ok(&vigil(
            d.path(),
            &["bookmark", "clip", &id, "--dir", dir.to_str().unwrap()],
            None,
        ))
        .trim(),
    )
    .unwrap();
    let path = Path::new(clip["path"].as_str().unwrap()).to_path_buf();
    assert!(path.starts_with(&dir), "{}", path.display());
    assert_eq!(clip["fromMs"], from);
    assert_eq!(clip["toMs"], to);
    let p = probe_clip(&path).unwrap();
    let first = p.frames[0].vtc1.expect("VTC1 on the first frame");
    let last = p
        .frames
        .last()
        .unwrap()
        .vtc1
        .expect("VTC1 on the last frame");
    let frame = 1000 / 15 + 1;
    assert!(
        (first - from).abs() <= frame,
        "first frame {first}, range from {from}"
    );
    assert!(
        (last - to).abs() <= frame,
        "last frame {last}, range to {to}"
    );
    assert!(p.frames.len() >= 40, "{} frames for 3 s", p.frames.len());
    let note: Value =
        serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap()).unwrap();
    assert_eq!(note["bookmark"].to_string(), id);
    assert_eq!(note["method"], "encode");
    assert_eq!(
        clip["annotationPath"],
        path.with_extension("json").display().to_string()
    );
}
