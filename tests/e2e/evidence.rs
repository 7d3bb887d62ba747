//! Evidence out, end to end through the `vigil` binary: sub-clips (VTC1 at
//! the in and out points, a stream copy: same codec parameters, every packet
//! the source's), snapshots (VTC1 and caption), signed case packages (verify,
//! `sha256sum -c`, the README's own commands) and each tampering named with
//! its exit code; package commands run with networking off (`unshare -rn`).
//! Run inside the keyring session: `bash /work/notes/kr.sh cargo test -p
//! vigil-tests --test evidence` (the binary first: `cargo build -p
//! vigil-engine --bin vigil`).
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sha2::{Digest, Sha256};
use vigil_engine::cases::{parse_rfc3339, rfc3339_ms};
use vigil_engine::evidence::package::readme::commands;
use vigil_engine::evidence::package::sums::write_sums;
use vigil_engine::footage::probe::probe_clip;
use vigil_engine::media::file_writer::Container;
use vigil_engine::media::vtc1;
use vigil_engine::playback::demo_archive::DemoArchive;
use vigil_engine::playback::demo_segments::{write_segment, SegmentSpec};
use vigil_engine::playback::Recording;
use vigil_tests::cli::{ok, vigil, vigil_bin};

const FPS: u32 = 10;
const FRAME: i64 = 1000 / FPS as i64;

fn spec() -> SegmentSpec {
    SegmentSpec {
        camera_index: 3,
        width: 320,
        height: 180,
        fps: FPS,
        // keyframes every 2.5 s: in points fall mid-GOP
        gop: 25,
        container: Container::Mp4FastStart,
    }
}

/// `camera1/camera1_20250829_1430{10,15,20}.mp4` (15 s) and a truncated
/// `camera1_20250829_143100.mp4`; returns the first segment's start.
fn seed_folder(root: &Path) -> i64 {
    let cam = root.join("camera1");
    std::fs::create_dir_all(&cam).unwrap();
    let t0 = parse_rfc3339("2025-08-29T14:30:10Z").unwrap();
    for (i, name) in ["143010", "143015", "143020"].iter().enumerate() {
        write_segment(
            &cam.join(format!("camera1_20250829_{name}.mp4")),
            &spec(),
            t0 + i as i64 * 5000,
            5000,
        )
        .unwrap();
    }
    let bad = cam.join("camera1_20250829_143100.mp4");
    write_segment(&bad, &spec(), t0 + 50_000, 5000).unwrap();
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 3]).unwrap();
    t0
}

/// Runs `vigil` with networking off when this machine can (a new network
/// namespace with only a down loopback), else as is (said on stderr).
fn vigil_offline(data: &Path, dir: &Path, args: &[&str]) -> Output {
    let offline = Command::new("unshare")
        .args(["-rn", "true"])
        .status()
        .is_ok_and(|s| s.success());
    let mut c = if offline {
        let mut c = Command::new("unshare");
        c.arg("-rn").arg(vigil_bin());
        c
    } else {
        eprintln!("unshare -rn is not available here: running with the network up");
        Command::new(vigil_bin())
    };
    c.args(args)
        .current_dir(dir)
        .env("VIGIL_DATA_DIR", data)
        .output()
        .unwrap()
}

fn sha256(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Codec id, size and extradata of the video stream, and the SHA-256 of every packet.
fn stream_facts(path: &Path) -> ((String, u32, u32, Vec<u8>), Vec<String>) {
    ffmpeg_next::init().unwrap();
    let mut ictx = ffmpeg_next::format::input(path).unwrap();
    let ist = ictx
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .unwrap();
    let idx = ist.index();
    let par = ist.parameters();
    // SAFETY: reading plain fields of valid codec parameters.
    let (w, h, extra) = unsafe {
        let p = &*par.as_ptr();
        let extra = if p.extradata.is_null() {
            Vec::new()
        } else {
            std::slice::from_raw_parts(p.extradata, p.extradata_size as usize).to_vec()
        };
        (p.width as u32, p.height as u32, extra)
    };
    let id = format!("{:?}", par.id());
    let mut packets = Vec::new();
    for (s, p) in ictx.packets() {
        if s.index() == idx {
            packets.push(sha256(p.data().unwrap_or_default()));
        }
    }
    ((id, w, h, extra), packets)
}

#[test]
fn sub_clip_reads_its_in_and_out_points_and_is_a_stream_copy() {
    let d = tempfile::tempdir().unwrap();
    let t0 = seed_folder(d.path());
    let (from, to) = (t0 + 3_250, t0 + 11_550);
    let out = d.path().join("out/clip.mp4");
    let src = format!("folder:{}#camera1", d.path().display());
    let o = vigil(
        d.path(),
        &[
            "clip",
            "--source",
            &src,
            "--tz",
            "UTC",
            "--from",
            &rfc3339_ms(from),
            "--to",
            &rfc3339_ms(to),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    let line: Value = serde_json::from_str(ok(&o).trim()).unwrap();
    assert_eq!(line["method"], "stream_copy");
    assert!(String::from_utf8_lossy(&o.stderr).contains("\"progress\":1.00"));
    // VTC1: the clip plays from the in point to the out point
    let p = probe_clip(&out).unwrap();
    let first = p.frames[0].vtc1.expect("VTC1 on the first frame");
    let last = p
        .frames
        .last()
        .unwrap()
        .vtc1
        .expect("VTC1 on the last frame");
    assert!((first - from).abs() <= FRAME, "first {first} vs in {from}");
    assert!((last - to).abs() <= FRAME, "last {last} vs out {to}");
    assert!(p.fast_start);
    // stream copy: same codec parameters, every packet one of the source's
    let sources: Vec<PathBuf> = ["143010", "143015", "143020"]
        .iter()
        .map(|n| d.path().join(format!("camera1/camera1_20250829_{n}.mp4")))
        .collect();
    let (src_params, mut src_packets) = stream_facts(&sources[0]);
    for s in &sources[1..] {
        src_packets.extend(stream_facts(s).1);
    }
    let (clip_params, clip_packets) = stream_facts(&out);
    assert_eq!(clip_params, src_params, "codec parameters differ");
    let known: HashSet<String> = src_packets.into_iter().collect();
    assert!(clip_packets.len() as i64 >= (to - from) / FRAME);
    for (i, pk) in clip_packets.iter().enumerate() {
        assert!(
            known.contains(pk),
            "packet {i} is not the source's (re-encoded?)"
        );
    }
    // the annotation names the three source files with their hashes
    let a: Value =
        serde_json::from_slice(&std::fs::read(out.with_extension("json")).unwrap()).unwrap();
    assert_eq!(a["format"], "vigil-clip-annotation/1");
    assert_eq!(a["method"], "stream_copy");
    let used = a["source_clips"].as_array().unwrap();
    assert_eq!(used.len(), 3, "{a}");
    for (u, s) in used.iter().zip(&sources) {
        assert_eq!(u["sha256"], sha256(&std::fs::read(s).unwrap()));
    }
    assert_eq!(a["clip"]["sha256"], sha256(&std::fs::read(&out).unwrap()));
    assert!((a["actual_start_ms"].as_i64().unwrap() - from).abs() <= FRAME);

    // one file as the source (start from its name): same in/out accuracy
    let out2 = d.path().join("out/one.mp4");
    let (f2, t2) = (t0 + 5_000 + 1_130, t0 + 5_000 + 3_870);
    ok(&vigil(
        d.path(),
        &[
            "clip",
            "--source",
            sources[1].to_str().unwrap(),
            "--tz",
            "UTC",
            "--from",
            &rfc3339_ms(f2),
            "--to",
            &rfc3339_ms(t2),
            "--out",
            out2.to_str().unwrap(),
        ],
        None,
    ));
    let p = probe_clip(&out2).unwrap();
    assert!((p.frames[0].vtc1.unwrap() - f2).abs() <= FRAME);
    assert!((p.frames.last().unwrap().vtc1.unwrap() - t2).abs() <= FRAME);
}

#[test]
fn a_truncated_source_is_a_clear_error_and_the_others_still_clip() {
    let d = tempfile::tempdir().unwrap();
    let t0 = seed_folder(d.path());
    let bad = d.path().join("camera1/camera1_20250829_143100.mp4");
    let out = d.path().join("bad.mp4");
    let o = vigil(
        d.path(),
        &[
            "clip",
            "--source",
            bad.to_str().unwrap(),
            "--tz",
            "UTC",
            "--from",
            &rfc3339_ms(t0 + 50_500),
            "--to",
            &rfc3339_ms(t0 + 54_500),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("camera1_20250829_143100.mp4") && err.contains("truncated"),
        "{err}"
    );
    assert!(!out.exists());
    // the same range through the folder: the damaged file is named too
    let src = format!("folder:{}#camera1", d.path().display());
    let o = vigil(
        d.path(),
        &[
            "clip",
            "--source",
            &src,
            "--tz",
            "UTC",
            "--from",
            &rfc3339_ms(t0 + 50_500),
            "--to",
            &rfc3339_ms(t0 + 54_500),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("143100.mp4"), "{err}");
    // an intact range of the same folder still clips
    ok(&vigil(
        d.path(),
        &[
            "clip",
            "--source",
            &src,
            "--tz",
            "UTC",
            "--from",
            &rfc3339_ms(t0 + 1_000),
            "--to",
            &rfc3339_ms(t0 + 2_000),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    ));
}

#[test]
fn snapshot_reads_the_time_with_a_caption_below_the_picture() {
    let d = tempfile::tempdir().unwrap();
    let t0 = seed_folder(d.path());
    let src = format!("folder:{}#camera1", d.path().display());
    let at = t0 + 7_777;
    for (name, caption) in [("s.png", true), ("s.jpg", false)] {
        let out = d.path().join(name);
        let mut args = vec![
            "snapshot".to_string(),
            "--source".into(),
            src.clone(),
            "--tz".into(),
            "UTC".into(),
            "--at".into(),
            rfc3339_ms(at),
            "--out".into(),
            out.display().to_string(),
        ];
        if caption {
            args.push("--caption".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let line: Value = serde_json::from_str(ok(&vigil(d.path(), &args, None)).trim()).unwrap();
        let img = image::load_from_memory(&std::fs::read(&out).unwrap())
            .unwrap()
            .to_rgb8();
        let (w, h) = (img.width() as usize, img.height() as usize);
        let tc = vtc1::read_rgb(img.as_raw(), w, h).expect("VTC1") as i64;
        // the frame on screen at `at`: at or before it, within one frame
        assert!(tc <= at && at - tc < FRAME, "snapshot {tc} vs {at}");
        assert_eq!(line["frameMs"].as_i64(), Some(tc));
        // the caption: a black band with white text at the bottom
        let bottom = &img.as_raw()[(h - 6) * w * 3..(h - 5) * w * 3];
        let white = bottom
            .chunks(3)
            .filter(|p| p.iter().all(|c| *c > 200))
            .count();
        let black = bottom
            .chunks(3)
            .filter(|p| p.iter().all(|c| *c < 40))
            .count();
        if caption {
            assert!(white > 0 && black > w / 2, "white {white} black {black}");
        }
    }
}

/// Demo camera 1..4 whose archive covers `[from, to)` without a hole.
fn covered_camera(from: i64, to: i64) -> String {
    (1..=4)
        .find(|i| {
            let a = DemoArchive {
                camera_index: *i,
                name: String::new(),
                width: 64,
                height: 64,
            };
            a.spans(from, to).unwrap() == vec![vigil_engine::playback::Span::new(from, to)]
        })
        .map(|i| format!("demo:{i}"))
        .expect("a demo camera without a hole around now")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn verify(data: &Path, pkg: &Path, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["package", "verify", pkg.to_str().unwrap()];
    args.extend(extra);
    let human = vigil_offline(data, data, &args);
    args.push("--json");
    let o = vigil_offline(data, data, &args);
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(human.status.code(), o.status.code());
    (
        o.status.code().unwrap(),
        v,
        String::from_utf8_lossy(&human.stdout).into_owned(),
    )
}

fn problems(v: &Value) -> Vec<(String, String)> {
    v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn sh(dir: &Path, cmd: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn a_case_package_verifies_and_every_tampering_is_named() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    let event = vigil_engine::media::source::now_ms() - 30_000;
    let cam = covered_camera(event - 6_000, event + 6_000);
    let at = rfc3339_ms(event);
    let id = ok(&vigil(
        data,
        &[
            "case", "create", "--camera", &cam, "--at", &at, "--title", "Evidence",
        ],
        None,
    ))
    .trim()
    .to_string();
    ok(&vigil(data, &["footage", "run", "--until-idle"], None));
    let pkg = data.join("pkg");
    let made: Value = serde_json::from_str(
        ok(&vigil_offline(
            data,
            data,
            &[
                "package", "create", "--case", &id, "--out", "pkg", "--by", "ann@desk",
            ],
        ))
        .trim(),
    )
    .unwrap();
    let fp = made["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(made["notReady"], 0);

    // intact: verified by this install's key
    let (code, v, human) = verify(data, &pkg, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["status"], "verified");
    assert_eq!(v["keyTrust"], "thisInstall");
    assert_eq!(v["case"]["id"], id.as_str());
    assert!(
        human.starts_with(&format!("verified by key {fp}")),
        "{human}"
    );
    let m: Value =
        serde_json::from_slice(&std::fs::read(pkg.join("manifest.json")).unwrap()).unwrap();
    let files = m["files"].as_array().unwrap();
    let kinds: Vec<&str> = files.iter().map(|f| f["kind"].as_str().unwrap()).collect();
    for k in ["case", "clip", "annotation", "snapshot", "readme", "key"] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    let clip = files.iter().find(|f| f["kind"] == "clip").unwrap();
    assert_eq!(clip["camera"]["id"], format!("demo-{}", &cam[5..]));
    assert_eq!(clip["source"]["vms"], "demo");
    assert!(clip["start"].as_str().unwrap().ends_with('Z'));
    assert_eq!(m["exportedBy"], "ann@desk");
    assert_eq!(m["vigilVersion"], env!("CARGO_PKG_VERSION"));

    // without Vigil: sha256sum -c, then every command the README documents
    let o = sh(&pkg, "sha256sum -c SHA256SUMS");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let readme = std::fs::read_to_string(pkg.join("README.txt")).unwrap();
    assert!(readme.contains(&fp));
    let cmds = commands(&readme);
    assert_eq!(cmds.len(), 5, "{cmds:?}");
    let has_cryptography = sh(&pkg, "python3 -c 'import cryptography'")
        .status
        .success();
    for c in &cmds {
        if c.contains("cryptography") && !has_cryptography {
            eprintln!("python3 has no cryptography package here: skipping {c}");
            continue;
        }
        let o = sh(&pkg, c);
        assert!(
            o.status.success(),
            "README command failed: {c}\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        if c.contains("tail -c 32") {
            assert!(String::from_utf8_lossy(&o.stdout).starts_with(&fp));
        }
    }
    let openssl_verify = cmds.iter().find(|c| c.contains("pkeyutl")).unwrap().clone();

    // a zip of the same case verifies too
    let (zcode, zv, _) = {
        ok(&vigil_offline(
            data,
            data,
            &["package", "create", "--case", &id, "--out", "pkg.zip"],
        ));
        verify(data, &data.join("pkg.zip"), &[])
    };
    assert_eq!((zcode, zv["status"].as_str()), (0, Some("verified")));
    // a flipped byte inside a zipped clip is that clip changed
    let clip_in_dir = std::fs::read(
        pkg.join(
            m["files"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["kind"] == "clip")
                .unwrap()["path"]
                .as_str()
                .unwrap(),
        ),
    )
    .unwrap();
    let probe = &clip_in_dir[clip_in_dir.len() / 2..clip_in_dir.len() / 2 + 64];
    let mut zbytes = std::fs::read(data.join("pkg.zip")).unwrap();
    let at = zbytes
        .windows(64)
        .position(|w| w == probe)
        .expect("the clip stored in the zip");
    zbytes[at + 10] ^= 0x01;
    std::fs::write(data.join("tampered.zip"), &zbytes).unwrap();
    let (zcode, zv, _) = verify(data, &data.join("tampered.zip"), &[]);
    assert_eq!(zcode, 1, "{zv}");
    assert_eq!(problems(&zv).len(), 1, "{zv}");
    assert_eq!(problems(&zv)[0].1, "changed");

    let clip_path = clip["path"].as_str().unwrap().to_string();
    let snap = files.iter().find(|f| f["kind"] == "snapshot").unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    let fresh = |name: &str| {
        let p = data.join(name);
        copy_dir(&pkg, &p);
        p
    };

    // a flipped byte
    let t = fresh("flipped");
    let f = t.join(&clip_path);
    let mut b = std::fs::read(&f).unwrap();
    let mid = b.len() / 2;
    b[mid] ^= 0x01;
    std::fs::write(&f, b).unwrap();
    let (code, v, human) = verify(data, &t, &[]);
    assert_eq!(code, 1);
    assert_eq!(problems(&v), vec![(clip_path.clone(), "changed".into())]);
    assert!(
        human.contains("TAMPERED") && human.contains(&clip_path),
        "{human}"
    );
    assert!(!sh(&t, "sha256sum -c SHA256SUMS").status.success());

    // a removed file
    let t = fresh("removed");
    std::fs::remove_file(t.join(&snap)).unwrap();
    let (code, v, _) = verify(data, &t, &[]);
    assert_eq!(code, 1);
    assert_eq!(problems(&v), vec![(snap.clone(), "missing".into())]);

    // an added file
    let t = fresh("added");
    std::fs::write(t.join("clips/planted.mp4"), b"not evidence").unwrap();
    let (code, v, _) = verify(data, &t, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        problems(&v),
        vec![("clips/planted.mp4".into(), "extra".into())]
    );

    // an edited manifest (not re-signed)
    let t = fresh("edited");
    let text = std::fs::read_to_string(t.join("manifest.json")).unwrap();
    std::fs::write(
        t.join("manifest.json"),
        text.replace("ann@desk", "bob@desk"),
    )
    .unwrap();
    let (code, v, _) = verify(data, &t, &[]);
    assert_eq!(code, 1);
    let pr = problems(&v);
    assert!(
        pr.contains(&("manifest.json".into(), "manifestEdited".into())),
        "{pr:?}"
    );
    assert!(
        !sh(&t, &openssl_verify).status.success(),
        "openssl accepted an edited manifest"
    );

    // unsigned
    let t = fresh("unsigned");
    std::fs::remove_file(t.join("manifest.json.sig")).unwrap();
    let (code, v, human) = verify(data, &t, &[]);
    assert_eq!((code, v["status"].as_str()), (2, Some("unsigned")));
    assert!(human.starts_with("unsigned"), "{human}");

    // a changed clip with the manifest re-signed by another key (openssl)
    let t = fresh("resigned");
    let f = t.join(&clip_path);
    let mut b = std::fs::read(&f).unwrap();
    b[mid] ^= 0x01;
    std::fs::write(&f, &b).unwrap();
    let o = sh(
        &t,
        "openssl genpkey -algorithm ed25519 -out ../other.pem && \
         openssl pkey -in ../other.pem -pubout -out public_key.pem && \
         openssl pkey -pubin -in public_key.pem -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \\n'",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let other_hex = String::from_utf8(o.stdout).unwrap();
    let other_raw: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&other_hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let other_fp = sha256(&other_raw);
    let mut m2 = m.clone();
    let pem = std::fs::read(t.join("public_key.pem")).unwrap();
    for f in m2["files"].as_array_mut().unwrap() {
        if f["path"] == clip_path.as_str() {
            f["sha256"] = sha256(&b).into();
        }
        if f["path"] == "public_key.pem" {
            f["sha256"] = sha256(&pem).into();
            f["bytes"] = pem.len().into();
        }
    }
    m2["signingKey"]["publicKey"] = other_hex.clone().into();
    m2["signingKey"]["fingerprint"] = other_fp.clone().into();
    let mbytes = serde_json::to_vec_pretty(&m2).unwrap();
    std::fs::write(t.join("manifest.json"), &mbytes).unwrap();
    let pairs: Vec<(String, String)> = m2["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap().to_string(),
            )
        })
        .chain([("manifest.json".to_string(), sha256(&mbytes))])
        .collect();
    std::fs::write(
        t.join("SHA256SUMS"),
        write_sums(pairs.iter().map(|(p, h)| (p.as_str(), h.as_str()))),
    )
    .unwrap();
    let o = sh(
        &t,
        "openssl pkeyutl -sign -inkey ../other.pem -rawin -in manifest.json -out manifest.json.sig",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, v, human) = verify(data, &t, &[]);
    assert_eq!((code, v["status"].as_str()), (2, Some("unknownKey")), "{v}");
    assert_eq!(v["fingerprint"], other_fp.as_str());
    assert!(
        human.contains(&format!("unknown key {other_fp}")),
        "{human}"
    );
    // the forgery is self-consistent: only the key's fingerprint gives it away
    assert!(sh(&t, "sha256sum -c SHA256SUMS").status.success());
    assert!(sh(&t, &openssl_verify).status.success());
    assert_ne!(other_fp, fp);
    // trusting that key by fingerprint accepts it (spaces and case do not matter)
    let spaced = other_fp.to_uppercase();
    let (code, v, _) = verify(data, &t, &["--trust", &spaced]);
    assert_eq!((code, v["keyTrust"].as_str()), (0, Some("trusted")));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_signing_key_lives_in_the_keyring_made_once_and_never_in_a_package() {
    use vigil_engine::engine::{Engine, EngineConfig};
    use vigil_engine::evidence::key::{install_public_key, install_signing_key, KEY_ACCOUNT};
    use vigil_engine::secrets::SecretStore;
    let service = format!("vigil-test-evidence-{}", std::process::id());
    let store = SecretStore::new(&service);
    assert_eq!(
        install_public_key(&store).unwrap(),
        None,
        "no key before first use"
    );
    let engine = Engine::start(EngineConfig {
        database: None,
        keyring_service: service.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    // Settings: public half and fingerprint; the same key every time
    let k1 = engine.evidence_key().unwrap();
    let k2 = engine.evidence_key().unwrap();
    assert_eq!(k1, k2);
    assert!(k1.public_key_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    let signing = install_signing_key(&store).unwrap();
    let vk = install_public_key(&store).unwrap().unwrap();
    assert_eq!(vk, signing.verifying_key());
    assert_eq!(k1.fingerprint, sha256(vk.as_bytes()));
    let seed = store.get(KEY_ACCOUNT).unwrap().unwrap();
    assert_eq!(seed.len(), 64);
    // a package of a file range made with that key holds no private half
    let d = tempfile::tempdir().unwrap();
    let t0 = seed_folder(d.path());
    let (footage, camera, source) = {
        let f = vigil_engine::evidence::source::open_file(
            d.path()
                .join("camera1/camera1_20250829_143010.mp4")
                .to_str()
                .unwrap(),
            "UTC",
        )
        .unwrap();
        (
            vigil_engine::evidence::source::Footage::File(f),
            vigil_engine::evidence::package::CameraRef {
                id: "camera1".into(),
                name: "Camera 1".into(),
            },
            vigil_engine::evidence::package::SourceRef::default(),
        )
    };
    let out = d.path().join("pkg.zip");
    let mut seen = Vec::new();
    let made = engine
        .export_range_package(
            "Range",
            &[vigil_engine::evidence::MarkedRange {
                footage,
                camera,
                source,
                from_ms: t0 + 500,
                to_ms: t0 + 2_500,
            }],
            &out,
            "tester",
            &mut |p| seen.push(p),
            Default::default(),
        )
        .unwrap();
    assert_eq!(made.created.fingerprint, k1.fingerprint);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]) && seen.last() == Some(&1.0));
    let bytes = std::fs::read(&out).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(&seed) && !text.contains(&seed.to_uppercase()));
    let trust = vigil_engine::evidence::key::TrustedKeys {
        own: Some(k1.fingerprint.clone()),
        trusted: Vec::new(),
    };
    let r = vigil_engine::evidence::verify_package_with(&out, &trust).unwrap();
    assert_eq!(r.exit_code(), 0, "{r:?}");
    // the engine's own check (the open banner) knows its install's key
    let r = engine.verify_evidence_package(&out).unwrap();
    assert_eq!(
        r.summary(),
        format!("verified by key {} (this computer's key)", k1.fingerprint)
    );
    store.delete(KEY_ACCOUNT).unwrap();
}
