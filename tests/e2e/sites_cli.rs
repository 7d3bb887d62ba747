//! `vigil sites` end to end, as an operator or a script runs it: the real
//! `vigil` binary, each test with its own data directory (VIGIL_DATA_DIR),
//! JSON parsed. An ONVIF site over HTTPS against the ONVIF simulator serving
//! a self-signed certificate with Python's own TLS stack: refused until the
//! operator pins it (exit 6, the fingerprint printed), accepted with
//! `--tls-pin`, a wrong pin and a later certificate change name both
//! fingerprints; wrong password (3) and unreachable (4) store nothing; the
//! password lives in the keyring (`vigil`, `site/<id>`), never in the
//! database; remove. An RTSP token never printed, site time zones, the old
//! aliases, and onvif-zeep (an independent client) over the same HTTPS.
//! Fingerprints are computed here from the certificate's DER with sha2.
//! Needs a keyring session (as .ci/test runs it) and the onvif-zeep venv.
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};
use vigil_engine::secrets::SecretStore;
use vigil_engine::vms::site::site_account;
use vigil_tests::free_port;
use vigil_tests::onvif::{venv_python, vigil_bin, OnvifSim, SimTls};

const USER: &str = "operator";
const SECRET: &str = "Sites-cli-s3cret-4471";
const TOKEN: &str = "SeCrEt123";

/// A self-signed certificate for 127.0.0.1 (rcgen), its key and its
/// fingerprint computed here.
struct Cert {
    pem: String,
    key_pem: String,
    fingerprint: String,
}

fn self_signed() -> Cert {
    let c = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let hex: String = Sha256::digest(c.cert.der())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Cert {
        pem: c.cert.pem(),
        key_pem: c.signing_key.serialize_pem(),
        fingerprint: format!("sha256:{hex}"),
    }
}

fn https_sim(cert: &Cert, extra: &[&str]) -> OnvifSim {
    let args = [&["--user", USER, "--password", SECRET][..], extra].concat();
    OnvifSim::start_https(
        SimTls {
            cert_pem: &cert.pem,
            key_pem: &cert.key_pem,
        },
        &args,
    )
}

/// What one `vigil` run gave.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {self:?}"))
    }

    fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// The `vigil` CLI on its own data directory (never the user's database).
struct Vigil {
    data: tempfile::TempDir,
}

impl Vigil {
    fn new() -> Self {
        Self {
            data: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, None)
    }

    /// Runs `vigil args`, `stdin` piped in (a password) or none.
    fn run_with(&self, args: &[&str], stdin: Option<&str>) -> Out {
        let mut child = Command::new(vigil_bin())
            .args(args)
            .env("VIGIL_DATA_DIR", self.data.path())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run vigil");
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `vigil sites add onvif` with the password on stdin.
    fn add_onvif(&self, address: &str, password: &str, pin: Option<&str>) -> Out {
        let mut args = vec![
            "sites",
            "add",
            "onvif",
            "--address",
            address,
            "--user",
            USER,
            "--password-stdin",
        ];
        if let Some(p) = pin {
            args.extend(["--tls-pin", p]);
        }
        self.run_with(&args, Some(password))
    }

    /// `vigil sites list`, parsed.
    fn sites(&self) -> Vec<Value> {
        let out = self.run(&["sites", "list"]);
        assert_eq!(out.code, 0, "{out:?}");
        out.lines()
    }

    /// The sites an operator added (not the built-in ones).
    fn stored_sites(&self) -> Vec<Value> {
        self.sites()
            .into_iter()
            .filter(|s| !matches!(s["site"]["kind"].as_str(), Some("demo" | "recorded")))
            .collect()
    }

    /// The ids `vigil sites cameras ID` lists.
    fn camera_ids(&self, site: &str) -> Vec<String> {
        let out = self.run(&["sites", "cameras", site]);
        assert_eq!(out.code, 0, "{out:?}");
        out.lines()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// Every file of the data directory (the database and its WAL), as bytes.
    fn data_files(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        collect(self.data.path(), &mut out);
        out
    }
}

fn collect(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(k: &[&'a str]) -> BTreeSet<&'a str> {
    k.iter().copied().collect()
}

/// The calls the simulator logged, once at least `n` of `op` are there
/// (the simulator writes its log from the connection's thread).
fn wait_logged(sim: &OnvifSim, op: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let calls = sim.calls();
        if calls.iter().filter(|c| c["op"] == op).count() >= n || Instant::now() > deadline {
            return calls;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kinds_lists_every_kind_with_its_fields() {
    let out = Vigil::new().run(&["sites", "kinds"]);
    assert_eq!(out.code, 0, "{out:?}");
    let kinds = out.lines();
    let field_keys = |kind: &str| -> Vec<String> {
        let k = kinds
            .iter()
            .find(|k| k["kind"] == kind)
            .unwrap_or_else(|| panic!("kind {kind} listed: {}", out.stdout));
        k["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                assert!(
                    keys(f).is_superset(&set(&["key", "label", "input", "required", "secret"])),
                    "{f}"
                );
                f["key"].as_str().unwrap().to_string()
            })
            .collect()
    };
    for kind in ["demo", "rtsp", "onvif", "mediamtx", "folder"] {
        field_keys(kind);
    }
    assert!(field_keys("demo").is_empty());
    for kind in ["rtsp", "onvif", "mediamtx"] {
        let f = field_keys(kind);
        for key in ["name", "address", "user", "password", "time_zone"] {
            assert!(f.contains(&key.to_string()), "{kind} has {key}: {f:?}");
        }
    }
    assert!(field_keys("onvif").contains(&"tls_pin".to_string()));
    // MediaMTX clips are read by FFmpeg, which cannot take a pin yet: no field
    assert!(!field_keys("mediamtx").contains(&"tls_pin".to_string()));
    assert_eq!(field_keys("folder"), ["name", "address", "time_zone"]);
    assert!(field_keys("mediamtx").contains(&"paths".to_string()));
    let onvif = kinds.iter().find(|k| k["kind"] == "onvif").unwrap();
    let field = |key: &str| {
        onvif["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(field("password")["secret"], true);
    assert_eq!(field("address")["required"], true);
    assert_eq!(field("tls_pin")["input"], "tls_pin");
    assert_eq!(
        kinds.iter().find(|k| k["kind"] == "demo").unwrap()["addable"],
        false
    );
}

#[test]
fn an_https_onvif_site_is_stored_only_once_its_certificate_is_pinned() {
    let (cert, other) = (self_signed(), self_signed());
    let sim = https_sim(&cert, &[]);
    let vigil = Vigil::new();
    let address = sim.https_address();

    // unknown certificate: refused with its fingerprint, nothing sent, nothing stored
    let out = vigil.add_onvif(&address, SECRET, None);
    assert_eq!(out.code, 6, "{out:?}");
    assert!(out.stderr.contains(&cert.fingerprint), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    wait_logged(&sim, "TLS", 1);
    assert!(vigil.stored_sites().is_empty());
    let calls = sim.calls();
    assert!(
        calls.iter().all(|c| c["op"] == "TLS"),
        "no request went over the untrusted connection: {calls:?}"
    );
    assert_eq!(
        calls.len(),
        1,
        "one handshake: an untrusted certificate stops the add at once: {calls:?}"
    );

    // a wrong pin names both fingerprints
    let out = vigil.add_onvif(&address, SECRET, Some(&other.fingerprint));
    assert_eq!(out.code, 6, "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "expected {}, got {}",
            other.fingerprint, cert.fingerprint
        )),
        "{out:?}"
    );
    assert!(vigil.stored_sites().is_empty());

    // wrong password: exit 3, nothing stored
    let out = vigil.add_onvif(&address, "not-the-password", Some(&cert.fingerprint));
    assert_eq!(out.code, 3, "{out:?}");
    assert!(vigil.stored_sites().is_empty());
    // unreachable: exit 4, nothing stored
    let closed = format!("https://127.0.0.1:{}", free_port());
    let out = vigil.add_onvif(&closed, SECRET, Some(&cert.fingerprint));
    assert_eq!(out.code, 4, "{out:?}");
    assert!(vigil.stored_sites().is_empty());
    assert!(!sim.calls().iter().any(|c| c["op"] == "GetProfiles"));

    // pinned: stored, printed in the documented shape
    let out = vigil.add_onvif(&address, SECRET, Some(&cert.fingerprint.to_uppercase()));
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(keys(&v), set(&["site", "cameras"]), "{v}");
    let site = &v["site"];
    assert_eq!(
        keys(site),
        set(&["id", "kind", "name", "address", "time_zone"]),
        "{v}"
    );
    let id = site["id"].as_str().unwrap().to_string();
    assert_eq!(site["kind"], "onvif");
    assert_eq!(site["address"], address.as_str());
    assert_eq!(site["name"], "Vigil ONVIF Simulator", "from the device");
    assert!(!site["time_zone"].as_str().unwrap().is_empty());
    let cams = v["cameras"].as_array().unwrap();
    assert_eq!(cams.len(), 1, "one video source: {v}");
    for c in cams {
        assert_eq!(
            keys(c),
            set(&["id", "name", "ptz", "streams", "capabilities"]),
            "{c}"
        );
        assert!(c["id"].as_str().unwrap().starts_with(&format!("{id}-")));
        assert_eq!(c["ptz"], true);
        assert!(c["capabilities"].is_object(), "{c}");
        let streams = c["streams"].as_array().unwrap();
        for s in streams {
            assert_eq!(keys(s), set(&["kind", "width", "height", "codec"]), "{s}");
        }
        let sizes: Vec<_> = streams
            .iter()
            .map(|s| {
                (
                    s["kind"].as_str().unwrap(),
                    s["width"].as_u64().unwrap(),
                    s["height"].as_u64().unwrap(),
                    s["codec"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            sizes,
            [("main", 1920, 1080, "H264"), ("sub", 640, 360, "H264")]
        );
    }
    let ids: Vec<String> = cams
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!out.stdout.contains(SECRET) && !out.stderr.contains(SECRET));

    // listed online (a new process asks the device again), pin and user kept
    let stored = vigil.stored_sites();
    assert_eq!(stored.len(), 1, "{stored:?}");
    let s = &stored[0];
    assert_eq!(s["site"]["id"], id.as_str());
    assert_eq!(s["health"]["state"], "online", "{s}");
    assert_eq!(s["camera_count"], ids.len());
    assert_eq!(s["site"]["tls_pin"], cert.fingerprint.as_str());
    assert_eq!(s["site"]["user"], USER);
    // the same camera ids from the stored listing, after that re-listing
    assert_eq!(vigil.camera_ids(&id), ids);
    // and from another process's camera list
    let all = vigil.run(&["cameras", "list"]);
    assert_eq!(all.code, 0, "{all:?}");
    let listed: Vec<String> = all
        .lines()
        .iter()
        .filter(|c| c["site"] == id.as_str())
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, ids);

    // the password: in the keyring under vigil / site/<id>, not in the database
    let keyring = SecretStore::new("vigil");
    assert_eq!(
        keyring.get(&site_account(&id)).unwrap().as_deref(),
        Some(SECRET)
    );
    let files = vigil.data_files();
    assert!(
        files.iter().any(|(_, b)| contains(b, &cert.fingerprint)),
        "the pin is stored in {:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (name, bytes) in &files {
        assert!(!contains(bytes, SECRET), "the password is in {name}");
    }

    // the device turns up with another certificate: untrusted, both named,
    // its cameras still listed
    let port = sim.port;
    drop(sim);
    let turned = https_sim(&other, &["--port", &port.to_string()]);
    let stored = vigil.stored_sites();
    let h = &stored[0]["health"];
    assert_eq!(h["state"], "untrusted", "{h}");
    let msg = h["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!(
            "expected {}, got {}",
            cert.fingerprint, other.fingerprint
        )),
        "{msg}"
    );
    assert_eq!(stored[0]["camera_count"], ids.len());
    assert_eq!(vigil.camera_ids(&id), ids);
    assert!(
        turned.calls().iter().all(|c| c["op"] == "TLS"),
        "nothing sent to the changed device"
    );

    // remove: gone from the list and from the keyring
    let out = vigil.run(&["sites", "remove", &id]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(vigil.stored_sites().is_empty());
    assert_eq!(keyring.get(&site_account(&id)).unwrap(), None);
    let out = vigil.run(&["sites", "cameras", &id]);
    assert_eq!(out.code, 2, "an unknown site: {out:?}");
}

#[test]
fn an_rtsp_token_is_never_printed_and_the_site_zone_is_kept() {
    let vigil = Vigil::new();
    let url = format!("rtsp://127.0.0.1:{}/cam1?token={TOKEN}", free_port());
    let out = vigil.run(&[
        "sites",
        "add",
        "rtsp",
        "--address",
        &url,
        "--name",
        "Gate",
        "--tz",
        "Europe/Berlin",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN),
        "{out:?}"
    );
    let v = out.json();
    let id = v["site"]["id"].as_str().unwrap().to_string();
    assert_eq!(v["site"]["kind"], "rtsp");
    assert_eq!(v["site"]["name"], "Gate");
    assert_eq!(v["site"]["time_zone"], "Europe/Berlin");
    let address = v["site"]["address"].as_str().unwrap();
    assert!(
        address.starts_with("rtsp://127.0.0.1:") && address.contains("/cam1?token="),
        "redacted, still recognisable: {address}"
    );
    assert_eq!(v["cameras"][0]["name"], "Gate");

    let out = vigil.run(&["sites", "list"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        !out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN),
        "{out:?}"
    );
    let site = out
        .lines()
        .into_iter()
        .find(|s| s["site"]["id"] == id.as_str())
        .unwrap();
    assert_eq!(site["site"]["time_zone"], "Europe/Berlin", "kept: {site}");
    let out = vigil.run(&["sites", "cameras", &id]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN));

    // a zone that does not exist: a usage error naming it, nothing stored
    let out = vigil.run(&[
        "sites",
        "add",
        "rtsp",
        "--address",
        "rtsp://127.0.0.1:554/cam2",
        "--name",
        "Yard",
        "--tz",
        "Mars/Olympus_Mons",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("time zone") && out.stderr.contains("Mars/Olympus_Mons"),
        "{out:?}"
    );
    assert_eq!(vigil.stored_sites().len(), 1);
}

#[test]
fn the_old_commands_stay_as_aliases() {
    let vigil = Vigil::new();
    let sim = OnvifSim::start(&["--user", USER, "--password", SECRET]);
    let out = vigil.run_with(
        &[
            "onvif",
            "probe",
            "--address",
            &sim.address(),
            "--user",
            USER,
            "--password-stdin",
        ],
        Some(SECRET),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v = out.json();
    assert_eq!(v["device"]["manufacturer"], "Vigil", "{v}");
    assert_eq!(v["profiles"].as_array().unwrap().len(), 2, "{v}");
    assert!(vigil.stored_sites().is_empty(), "a probe stores nothing");

    let out = vigil.run(&[
        "cameras",
        "add-rtsp",
        "--name",
        "Dock",
        "--url",
        &format!("rtsp://127.0.0.1:{}/dock", free_port()),
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let cam = out.json();
    let stored = vigil.stored_sites();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["site"]["kind"], "rtsp");
    assert_eq!(stored[0]["site"]["name"], "Dock");
    let site = stored[0]["site"]["id"].as_str().unwrap();
    assert_eq!(vigil.camera_ids(site), [cam["id"].as_str().unwrap()]);
}

#[test]
fn onvif_zeep_speaks_https_to_the_simulator() {
    let cert = self_signed();
    let sim = https_sim(&cert, &[]);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &cert.pem).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/onvif_sim/zeep_check.py");
    let out = Command::new(venv_python("venv-onvif-zeep"))
        .arg(script)
        .args(["127.0.0.1", &sim.port.to_string(), USER, SECRET])
        .arg(&ca)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zeep_check over https failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["manufacturer"], "Vigil");
    assert_eq!(v["profiles"][0]["width"], 1920);
    assert_eq!(v["found"], serde_json::json!([["rec0", "vs0"]]));
    let xaddrs = v["xaddrs"].as_array().unwrap();
    assert_eq!(xaddrs.len(), 5, "{v}");
    let https = format!("{}/onvif/", sim.https_address());
    assert!(
        xaddrs
            .iter()
            .all(|x| x.as_str().unwrap().starts_with(&https)),
        "{xaddrs:?}"
    );
    assert!(sim
        .calls()
        .iter()
        .any(|c| c["op"] == "GetRecordingSummary" && c["auth"] == "token"));

    // trusting only the system roots, zeep refuses the same server
    let out = Command::new(venv_python("venv-onvif-zeep"))
        .arg(script)
        .args(["127.0.0.1", &sim.port.to_string(), USER, SECRET])
        .arg("/etc/ssl/certs/ca-certificates.crt")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("CERTIFICATE_VERIFY_FAILED"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The camera ids `vigil sites add` prints work in the other commands: they
/// run on the stored sites (the database and keyring), not on an empty
/// in-memory engine.
#[test]
fn stored_camera_ids_work_in_live_recordings_and_playback() {
    let server = vigil_tests::RtspServer::start(free_port(), &[]);
    let v = Vigil::new();
    let url = server.url("/cam1");
    let added = v.run(&["sites", "add", "rtsp", "--name", "Gate", "--address", &url]);
    assert_eq!(added.code, 0, "{added:?}");
    let camera = added.json()["cameras"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live");
    let live = v.run(&[
        "live",
        "--source",
        &camera,
        "--out",
        out.to_str().unwrap(),
        "--frames",
        "3",
    ]);
    assert_eq!(live.code, 0, "{live:?}");
    let index = std::fs::read_to_string(out.join("frames.jsonl")).unwrap();
    assert_eq!(index.lines().count(), 3, "{index}");
    // an RTSP camera has no recordings: a clear answer about the camera,
    // not "unknown camera"
    let today = "2026-01-01";
    for args in [
        vec!["recordings", "--source", &camera, "--day", today],
        vec![
            "playback",
            "--source",
            &camera,
            "--from",
            "2026-01-01T00:00:00Z",
            "--out",
            out.to_str().unwrap(),
        ],
    ] {
        let r = v.run(&args);
        assert_ne!(r.code, 0, "{r:?}");
        assert!(!r.stderr.contains("unknown camera"), "{args:?}: {r:?}");
    }
    // an id that is not stored is still an unknown camera
    let r = v.run(&["recordings", "--source", "rtsp-99-1", "--day", today]);
    assert!(r.stderr.contains("unknown camera rtsp-99-1"), "{r:?}");
}
