//! The case bus end to end with a real RabbitMQ (Debian's rabbitmq-server,
//! one node per test on loopback), the `vigil worker` and `vigil case
//! publish` processes, a recording CMS double and the demo site's archive:
//! several workers share one queue, one worker is killed with SIGKILL while
//! it holds cases, the broker is restarted once mid-run; every clip and
//! snapshot exists exactly once, is linked exactly once and shows the
//! right time (VTC1); poison messages are dead-lettered with their reason;
//! a console subscribed to the bus hears every case and, after the
//! restart, a new case's media as they land.
//!
//! Size: `VIGIL_BUS_CASES` (default 10) cases x 4 cameras on
//! `VIGIL_BUS_WORKERS` (default 3) workers; the issue's full run is
//! `VIGIL_BUS_CASES=100`. Needs the `vigil` binary (cargo build, or VIGIL_BIN).
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_engine::bus::cms_double::CmsDouble;
use vigil_engine::bus::{
    publish_case_created, publish_raw, subscribe_case_events, take_dead_letters, BusEvent,
    BusTarget, CaseCreated, DEFAULT_EXCHANGE,
};
use vigil_engine::footage::probe::probe_clip;
use vigil_engine::media::vtc1;
use vigil_tests::bus::Rabbit;

const FRAME: f64 = 1000.0 / 15.0;

fn vigil_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("VIGIL_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().unwrap();
    let p = exe.parent().unwrap().parent().unwrap().join("vigil");
    assert!(
        p.exists(),
        "build the vigil binary first ({}), or set VIGIL_BIN",
        p.display()
    );
    p
}

fn vigil(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut c = Command::new(vigil_bin())
        .args(args)
        .env("VIGIL_DATA_DIR", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    c.wait_with_output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn env_n(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now_ms() -> i64 {
    vigil_engine::media::source::now_ms()
}

/// A `vigil worker` process and the JSON lines it printed.
struct Worker {
    child: Child,
    lines: Arc<Mutex<Vec<Value>>>,
}

impl Worker {
    fn start(
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

    fn events(&self, name: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|v| v["event"] == name)
            .cloned()
            .collect()
    }

    fn stop(&mut self) {
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

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(
            t0.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
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

fn http_get(port: u16) -> Value {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).unwrap();
    let body = r.split("\r\n\r\n").nth(1).unwrap();
    serde_json::from_str(body).unwrap()
}

/// A door whose nearest cameras are the four demo cameras.
fn setup_site(data: &Path) {
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

/// Event times in the demo archive's recorded past (it has no hole in the last hour).
fn event_at(i: usize) -> i64 {
    (now_ms() / 1000 - 40 - i as i64 * 11) * 1000 + 250
}

fn msg(id: String, at: i64, tag: &str) -> CaseCreated {
    CaseCreated {
        case_no: format!("CASE-{id}"),
        id,
        timestamp: vigil_engine::cases::rfc3339_ms(at),
        equipment_tag: tag.into(),
        device_data: r#"{"zone":"B2"}"#.into(),
    }
}

/// Snapshots show the event time, clips start at the window (VTC1).
fn check_pixels(media: &Path, events: &HashMap<String, i64>) {
    let mut clips_probed = BTreeSet::new();
    for f in files_under(media) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        // C-000007_demo-1_20231114T221320.123Z.jpg: the label and the event time in the name
        let Some(label) = name.split('_').next() else {
            continue;
        };
        let Some(&ev) = events.get(label) else {
            continue;
        };
        if name.ends_with(".jpg") {
            let img = image::load_from_memory(&std::fs::read(&f).unwrap())
                .unwrap()
                .to_rgb8();
            let tc = vtc1::read_rgb(img.as_raw(), img.width() as usize, img.height() as usize)
                .unwrap() as i64;
            assert!(
                ((tc - ev).abs() as f64) <= FRAME,
                "{name}: snapshot {tc} vs event {ev}"
            );
        } else if name.ends_with(".mp4") && clips_probed.insert(label.to_string()) {
            let p = probe_clip(&f).unwrap();
            let first = p.frames[0].vtc1.unwrap();
            let last = p.frames.last().unwrap().vtc1.unwrap();
            assert!(
                first <= ev && last >= ev && last - first >= 8_000,
                "{name}: clip {first}..{last} around event {ev}"
            );
        }
    }
    assert_eq!(clips_probed.len(), events.len(), "a clip probed per case");
}

#[test]
fn workers_share_cases_survive_a_kill_and_a_broker_restart() {
    let n = env_n("VIGIL_BUS_CASES", 10).max(2);
    let n_workers = env_n("VIGIL_BUS_WORKERS", 3).max(2);
    let t_test = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let media = d.path().join("media");
    std::fs::create_dir_all(&data).unwrap();
    setup_site(&data);
    let mut rabbit = Rabbit::start();
    let cms = CmsDouble::start().unwrap();
    let target = BusTarget::parse(&rabbit.url(), "guest").unwrap();
    let mut console = rt
        .block_on(subscribe_case_events(
            target.clone(),
            DEFAULT_EXCHANGE.into(),
        ))
        .unwrap();
    let health_port = vigil_tests::free_port();
    let mut workers: Vec<Worker> = (0..n_workers)
        .map(|i| {
            Worker::start(
                &data,
                &rabbit,
                &cms,
                &media,
                (i == 1).then_some(health_port),
            )
        })
        .collect();
    wait_until("every worker connected", Duration::from_secs(60), || {
        workers.iter().all(|w| !w.events("connected").is_empty())
    });
    // poison first (dead-lettered before the kill and the restart, so a
    // lost ack cannot dead-letter one twice):  not JSON, an unknown tag, a time in the future
    let key = "acme.cms.case.created";
    rt.block_on(publish_raw(
        &target,
        DEFAULT_EXCHANGE,
        key,
        b"{\"Id\": 1, oops",
    ))
    .unwrap();
    let unknown = msg("91001".into(), event_at(1), "NO-SUCH-TAG");
    rt.block_on(publish_case_created(
        &target,
        DEFAULT_EXCHANGE,
        "acme",
        &unknown,
    ))
    .unwrap();
    let future = msg("91002".into(), now_ms() + 3_600_000, "DOOR-B2-07");
    rt.block_on(publish_case_created(
        &target,
        DEFAULT_EXCHANGE,
        "acme",
        &future,
    ))
    .unwrap();
    // one case through the CLI, the rest through the library
    let mut events_by_id = HashMap::new();
    let at0 = event_at(0);
    let out = ok(&vigil(
        &data,
        &[
            "case",
            "publish",
            "--amqp",
            &rabbit.url(),
            "--password-stdin",
            "--equipment-tag",
            "door-b2-07",
            "--at",
            &vigil_engine::cases::rfc3339_ms(at0),
            "--case-no",
            "CASE-90000",
            "--id",
            "90000",
            "--tenant",
            "acme",
        ],
        "guest",
    ));
    let sent: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(sent["Id"], 90000);
    assert_eq!(sent["EquipmentTag"], "door-b2-07");
    events_by_id.insert("90000".to_string(), at0);
    for i in 1..n {
        let m = msg(format!("{}", 90000 + i), event_at(i), "DOOR-B2-07");
        events_by_id.insert(m.id.clone(), event_at(i));
        rt.block_on(publish_case_created(&target, DEFAULT_EXCHANGE, "acme", &m))
            .unwrap();
    }

    let count = |ws: &[Worker], e: &str| ws.iter().map(|w| w.events(e).len()).sum::<usize>();
    wait_until("the poison dead-lettered", Duration::from_secs(120), || {
        count(&workers, "dead_lettered") >= 3
    });
    // SIGKILL worker 0 while it holds a case, if it can be caught, while a
    // clip is being written
    let holds = |w: &Worker| w.events("case").len() > w.events("acked").len();
    let t0 = Instant::now();
    while !holds(&workers[0]) && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let held = holds(&workers[0]);
    let t0 = Instant::now();
    let mut writing = false;
    while t0.elapsed() < Duration::from_secs(30) && holds(&workers[0]) {
        writing = files_under(&media.join("Footage"))
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".partial"));
        if writing {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    workers[0].child.kill().unwrap();
    workers[0].child.wait().unwrap();
    eprintln!("killed worker 0 (holding a case: {held}, a clip being written: {writing})");

    // restart the broker once, mid-run
    wait_until("a case acked", Duration::from_secs(180), || {
        count(&workers, "acked") >= 1
    });
    let links_before = cms.links().len();
    rabbit.restart();
    eprintln!(
        "broker restarted with {links_before} of {} links made",
        n * 8
    );
    assert!(links_before < n * 8, "the restart came after the work");

    // everything finishes
    wait_until(
        "every file linked",
        Duration::from_secs(120 + 30 * n as u64),
        || cms.counts().len() >= n * 8,
    );
    wait_until("every case acked", Duration::from_secs(120), || {
        let done: BTreeSet<String> = workers
            .iter()
            .flat_map(|w| w.events("acked"))
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect();
        events_by_id.keys().all(|k| done.contains(k))
    });
    let t_done = t_test.elapsed();

    // each file linked exactly once, 4 clips + 4 snapshots per case
    let counts = cms.counts();
    let dup: Vec<_> = counts.iter().filter(|(_, c)| **c != 1).collect();
    assert!(dup.is_empty(), "linked more than once: {dup:?}");
    assert_eq!(counts.len(), n * 8);
    for id in events_by_id.keys() {
        let names: Vec<&String> = counts
            .keys()
            .filter(|(c, _)| c == id)
            .map(|(_, f)| f)
            .collect();
        assert_eq!(
            names.iter().filter(|f| f.ends_with(".mp4")).count(),
            4,
            "case {id}"
        );
        assert_eq!(
            names.iter().filter(|f| f.ends_with(".jpg")).count(),
            4,
            "case {id}"
        );
    }
    for l in cms.links() {
        let dir = if l.file_name.ends_with(".mp4") {
            "footage"
        } else {
            "snapshot"
        };
        assert!(
            l.pointer_url.contains(&format!("/{dir}/{}", l.file_name)),
            "{}",
            l.pointer_url
        );
    }
    // each file exists exactly once on disk; nothing half-written is left
    let files = files_under(&media);
    let media_files: Vec<&PathBuf> = files
        .iter()
        .filter(|p| !p.starts_with(media.join(".bus")))
        .collect();
    let count_ext = |ext: &str| {
        media_files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .count()
    };
    assert_eq!(count_ext("mp4"), n * 4, "{media_files:?}");
    assert_eq!(count_ext("jpg"), n * 4);
    assert_eq!(count_ext("json"), n * 4, "a sidecar per clip");
    assert_eq!(
        media_files.len(),
        n * 12,
        "no partial or stray file: {media_files:?}"
    );
    let on_disk: BTreeSet<String> = media_files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for (_, f) in counts.keys() {
        assert!(on_disk.contains(f), "linked but missing: {f}");
    }
    // one local case per bus case
    let list = ok(&vigil(&data, &["case", "list", "--json"], ""));
    let cases: Vec<Value> = list
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(cases.len(), n, "{list}");
    let mut by_label = HashMap::new();
    for c in &cases {
        assert_eq!(c["equipmentId"], "door-1");
        assert_eq!(c["cameras"].as_array().unwrap().len(), 4);
        by_label.insert(
            c["label"].as_str().unwrap().to_string(),
            c["eventMs"].as_i64().unwrap(),
        );
    }
    let mut evs: Vec<i64> = by_label.values().copied().collect();
    let mut want: Vec<i64> = events_by_id.values().copied().collect();
    evs.sort();
    want.sort();
    assert_eq!(evs, want);
    check_pixels(&media, &by_label);

    // poison went to the dead-letter queue with its reason, once each
    let dead = rt
        .block_on(take_dead_letters(&target, "vigil.footage.dead", 100))
        .unwrap();
    let codes: Vec<String> = dead.iter().filter_map(|d| d.code.clone()).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["bad_message", "future_time", "unknown_equipment"],
        "{dead:?}"
    );
    assert!(dead
        .iter()
        .all(|d| d.reason.as_deref().is_some_and(|r| !r.is_empty())));
    assert!(dead.iter().any(|d| d.body.contains("NO-SUCH-TAG")));

    // health and events
    let h = http_get(health_port);
    for k in [
        "connected",
        "inFlight",
        "done",
        "deadLettered",
        "failed",
        "lastError",
    ] {
        assert!(h.get(k).is_some(), "{h}");
    }
    assert_eq!(h["connected"], true, "{h}");
    assert!(
        workers[1..]
            .iter()
            .all(|w| !w.events("disconnected").is_empty()),
        "the restart was seen"
    );
    let redelivered = workers[1..]
        .iter()
        .flat_map(|w| w.events("received"))
        .filter(|v| v["redelivered"] == true)
        .count();
    assert!(
        !held || redelivered >= 1,
        "the killed worker's cases were redelivered"
    );

    // the console heard every case created before the restart ...
    let mut heard_created = BTreeSet::new();
    let mut unreadable = 0;
    let mut reconnected = false;
    let mut saw_disconnect = false;
    let drain = |console: &mut vigil_engine::bus::Subscription,
                 heard: &mut BTreeSet<String>,
                 unreadable: &mut usize,
                 saw_disconnect: &mut bool,
                 reconnected: &mut bool,
                 ready: &mut Vec<vigil_engine::bus::MediaReady>| {
        while let Ok(e) = console.events.try_recv() {
            match e {
                BusEvent::CaseCreated { case, .. } => {
                    heard.insert(case.id);
                }
                BusEvent::Unreadable { .. } => *unreadable += 1,
                BusEvent::Disconnected { .. } => *saw_disconnect = true,
                BusEvent::Connected if *saw_disconnect => *reconnected = true,
                BusEvent::MediaReady { ready: r, .. } => ready.push(r),
                _ => {}
            }
        }
    };
    let mut ready = Vec::new();
    wait_until(
        "the console back after the restart",
        Duration::from_secs(60),
        || {
            drain(
                &mut console,
                &mut heard_created,
                &mut unreadable,
                &mut saw_disconnect,
                &mut reconnected,
                &mut ready,
            );
            reconnected
        },
    );
    for id in events_by_id
        .keys()
        .chain(["91001".to_string(), "91002".to_string()].iter())
    {
        assert!(heard_created.contains(id), "console missed case {id}");
    }
    assert_eq!(unreadable, 1, "the bad JSON, seen as unreadable");
    // ... and a new case's media as they land, through a CMS outage (the
    // next 3 requests answer 503: the case is requeued and retried)
    let retries_before = count(&workers, "retry");
    cms.fail_next(3);
    let late = msg("95000".into(), event_at(n + 1), "DOOR-B2-07");
    rt.block_on(publish_case_created(
        &target,
        DEFAULT_EXCHANGE,
        "acme",
        &late,
    ))
    .unwrap();
    wait_until(
        "the console hearing the late case's media",
        Duration::from_secs(180),
        || {
            drain(
                &mut console,
                &mut heard_created,
                &mut unreadable,
                &mut saw_disconnect,
                &mut reconnected,
                &mut ready,
            );
            ready.iter().any(|r| r.id == "95000")
        },
    );
    assert!(heard_created.contains("95000"));
    let r = ready.iter().find(|r| r.id == "95000").unwrap();
    assert_eq!(r.files.len(), 8, "{r:?}");
    assert!(r.failed.is_empty(), "{r:?}");
    assert_eq!(cms.counts().keys().filter(|(c, _)| c == "95000").count(), 8);
    assert!(
        cms.counts().values().all(|c| *c == 1),
        "a retried case linked twice"
    );
    assert!(
        count(&workers, "retry") > retries_before,
        "the CMS outage was retried"
    );
    let last_retry = workers[1].events("retry").last().cloned();
    if last_retry.is_some_and(|r| r["error"].as_str().is_some_and(|e| e.starts_with("CMS"))) {
        let h = http_get(health_port);
        assert!(
            h["lastError"]
                .as_str()
                .is_some_and(|e| e.starts_with("CMS")),
            "{h}"
        );
    }

    for w in workers.iter_mut().skip(1) {
        w.stop();
        wait_until("the stopped line", Duration::from_secs(10), || {
            !w.events("stopped").is_empty()
        });
    }
    eprintln!(
        "bus e2e: {n} cases x 4 cameras on {n_workers} workers: all linked in {:.1} s (test {:.1} s)",
        t_done.as_secs_f64(),
        t_test.elapsed().as_secs_f64()
    );
}

/// Waits for bus events on a console's link until `done` says so.
fn hear(
    rt: &tokio::runtime::Runtime,
    link: &mut vigil_engine::bus::console::ConsoleLink,
    heard: &mut Vec<BusEvent>,
    limit: Duration,
    what: &str,
    done: impl Fn(&[BusEvent]) -> bool,
) {
    let t0 = Instant::now();
    while !done(heard) {
        assert!(
            t0.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}: heard {heard:?}"
        );
        let next = rt.block_on(async {
            tokio::time::timeout(Duration::from_millis(500), link.events.recv()).await
        });
        if let Ok(Some(ev)) = next {
            heard.push(ev);
        }
    }
}

fn created_ids(heard: &[BusEvent]) -> BTreeSet<String> {
    heard
        .iter()
        .filter_map(|e| match e {
            BusEvent::CaseCreated { case, .. } => Some(case.id.clone()),
            _ => None,
        })
        .collect()
}

fn ready_of<'a>(heard: &'a [BusEvent], id: &str) -> Option<&'a vigil_engine::bus::MediaReady> {
    heard.iter().find_map(|e| match e {
        BusEvent::MediaReady { ready, .. } if ready.id == id => Some(ready),
        _ => None,
    })
}

/// The app's code path (`bus::console`, what `bus_commands.rs` calls): a
/// console whose bus settings are stored (URL without password, the
/// password in the keyring) hears every case published by `vigil case
/// publish` and by another console (whose site publishes to the bus instead
/// of cutting locally), and both cases' media ready from a worker.
#[test]
fn a_console_hears_cases_from_the_cli_and_another_console_and_their_media() {
    use vigil_engine::bus::console::{self, ConsoleBus, Created};
    use vigil_engine::cases::{NewCase, NewEquipment};
    use vigil_engine::engine::{Engine, EngineConfig};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let media = d.path().join("media");
    std::fs::create_dir_all(&data).unwrap();
    setup_site(&data);
    let rabbit = Rabbit::start();
    let cms = CmsDouble::start().unwrap();
    let mut worker = Worker::start(&data, &rabbit, &cms, &media, None);
    let service = format!("vigil-test-bus-console-{}", std::process::id());
    let engine = |name: &str| {
        rt.block_on(Engine::start(EngineConfig {
            database: Some(d.path().join(format!("{name}.db"))),
            keyring_service: service.clone(),
            ..EngineConfig::default()
        }))
        .unwrap()
    };
    let a = engine("console-a");
    let b = engine("console-b");
    let settings = ConsoleBus {
        url: rabbit.url(),
        exchange: DEFAULT_EXCHANGE.into(),
        tenant: "consoles".into(),
        enabled: true,
    };
    // console A: the password once, to the keyring; console B finds it there
    console::save_of(&a, &settings, Some("guest")).unwrap();
    console::save_of(&b, &settings, None).unwrap();
    assert!(console::view_of(&b).unwrap().has_password);
    let mut link = rt
        .block_on(async { console::link(&a) })
        .unwrap()
        .expect("the bus is on");
    let mut heard = Vec::new();
    hear(
        &rt,
        &mut link,
        &mut heard,
        Duration::from_secs(60),
        "connected",
        |h| h.iter().any(|e| matches!(e, BusEvent::Connected)),
    );
    wait_until("the worker connected", Duration::from_secs(60), || {
        !worker.events("connected").is_empty()
    });

    // console B: the door and its cameras; off: cut locally; on: published
    let cams: Vec<String> = b.cameras().unwrap().into_iter().map(|c| c.id).collect();
    let site = b.camera(&cams[0]).unwrap().site;
    b.cases()
        .save_equipment(&NewEquipment {
            id: "door-1".into(),
            name: "Door 1".into(),
            kind: "door".into(),
            tag: "DOOR-B2-07".into(),
        })
        .unwrap();
    b.cases().set_nearest("door-1", &cams).unwrap();
    let at_b = event_at(0);
    let req = NewCase {
        title: "Forced door (console B)".into(),
        event_ms: at_b,
        equipment_id: "door-1".into(),
        extra_cameras: vec![],
        notes: "seen on camera".into(),
    };
    let local = rt.block_on(console::create_case(&b, &req)).unwrap();
    assert!(
        matches!(local, Created::Local { .. }),
        "switch off: {local:?}"
    );
    vigil_engine::bus::setting::set_publish_to_bus(b.cases().store(), &site, true).unwrap();
    let Created::Published {
        bus_id: id_b,
        routing_key,
        ..
    } = rt.block_on(console::create_case(&b, &req)).unwrap()
    else {
        panic!("switch on: the case goes to the bus");
    };
    assert_eq!(routing_key, "consoles.cms.case.created");
    assert_eq!(
        b.cases().list(&Default::default()).unwrap().len(),
        1,
        "not cut locally"
    );

    // the CLI
    let at_cli = event_at(1);
    ok(&vigil(
        &data,
        &[
            "case",
            "publish",
            "--amqp",
            &rabbit.url(),
            "--password-stdin",
            "--equipment-tag",
            "DOOR-B2-07",
            "--at",
            &vigil_engine::cases::rfc3339_ms(at_cli),
            "--id",
            "77001",
            "--case-no",
            "CASE-77001",
        ],
        "guest",
    ));
    let ids: BTreeSet<String> = [id_b.clone(), "77001".to_string()].into();
    hear(
        &rt,
        &mut link,
        &mut heard,
        Duration::from_secs(30),
        "both cases created",
        |h| created_ids(h).is_superset(&ids),
    );
    hear(
        &rt,
        &mut link,
        &mut heard,
        Duration::from_secs(300),
        "both cases' media ready",
        |h| ids.iter().all(|id| ready_of(h, id).is_some()),
    );
    let mut events = HashMap::new();
    for (id, at) in [(&id_b, at_b), (&"77001".to_string(), at_cli)] {
        let r = ready_of(&heard, id).unwrap();
        assert_eq!(r.event_ms, at, "case {id}");
        assert_eq!(
            r.files.len(),
            8,
            "case {id}: 4 clips and 4 snapshots: {r:?}"
        );
        assert!(r.failed.is_empty(), "case {id}: {:?}", r.failed);
        for f in &r.files {
            assert!(
                files_under(&media)
                    .iter()
                    .any(|p| p.ends_with(&f.file_name)),
                "{} on disk",
                f.file_name
            );
        }
        events.insert(r.label.clone(), at);
    }
    let bus_b = heard
        .iter()
        .find_map(|e| match e {
            BusEvent::CaseCreated { case, routing_key } if case.id == id_b => {
                Some((case.clone(), routing_key.clone()))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(bus_b.1, "consoles.cms.case.created");
    assert_eq!(bus_b.0.case_no, "Forced door (console B)");
    assert_eq!(bus_b.0.equipment_tag, "door-1");
    assert_eq!(cms.links().len(), 16, "each file linked once");
    check_pixels(&media, &events);
    worker.stop();
    let _ = vigil_engine::secrets::SecretStore::new(service)
        .delete(&console::keyring_account(&rabbit.url()).unwrap());
}

/// Operations: `vigil bus password set` stores the broker password in the
/// keyring (stdin only), after which `vigil case publish` and `vigil bus
/// dead-letters` need no password; `dead-letters` lists the poison messages
/// with their reasons and leaves them, `--take` removes them.
#[test]
fn bus_cli_stores_the_password_and_lists_and_takes_dead_letters() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let media = d.path().join("media");
    std::fs::create_dir_all(&data).unwrap();
    setup_site(&data);
    let rabbit = Rabbit::start();
    let cms = CmsDouble::start().unwrap();
    let url = rabbit.url();
    // a password in the URL, or none on stdin: refused
    let bad = vigil(
        &data,
        &[
            "bus",
            "password",
            "set",
            "--amqp",
            "amqp://guest:guest@127.0.0.1:1/",
            "--password-stdin",
        ],
        "",
    );
    assert_eq!(bad.status.code(), Some(2));
    let empty = vigil(
        &data,
        &["bus", "password", "set", "--amqp", &url, "--password-stdin"],
        "",
    );
    assert_eq!(empty.status.code(), Some(2));
    // before the password is stored, the keyring has none: the broker refuses
    let refused = vigil(&data, &["bus", "dead-letters", "--amqp", &url], "");
    assert_eq!(
        refused.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let set = ok(&vigil(
        &data,
        &["bus", "password", "set", "--amqp", &url, "--password-stdin"],
        "guest\n",
    ));
    let v: Value = serde_json::from_str(set.trim()).unwrap();
    assert_eq!(v["stored"], true);
    assert!(v["account"]
        .as_str()
        .unwrap()
        .starts_with("bus:guest@127.0.0.1:"));

    let mut worker = Worker::start(&data, &rabbit, &cms, &media, None);
    wait_until("the worker connected", Duration::from_secs(60), || {
        !worker.events("connected").is_empty()
    });
    // through the keyring: no --password-stdin
    ok(&vigil(
        &data,
        &[
            "case",
            "publish",
            "--amqp",
            &url,
            "--equipment-tag",
            "NO-SUCH-TAG",
            "--at",
            &vigil_engine::cases::rfc3339_ms(event_at(0)),
            "--id",
            "66001",
        ],
        "",
    ));
    let target = BusTarget::parse(&url, "guest").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(publish_raw(
        &target,
        DEFAULT_EXCHANGE,
        "acme.cms.case.created",
        b"not json",
    ))
    .unwrap();
    wait_until("two dead letters", Duration::from_secs(60), || {
        worker.events("dead_lettered").len() >= 2
    });
    let lines = |out: &str| -> Vec<Value> {
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let codes = |v: &[Value]| -> BTreeSet<String> {
        v.iter()
            .map(|x| x["code"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let want: BTreeSet<String> =
        ["bad_message".to_string(), "unknown_equipment".to_string()].into();
    let listed = lines(&ok(&vigil(
        &data,
        &["bus", "dead-letters", "--amqp", &url],
        "",
    )));
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(codes(&listed), want);
    let unknown = listed
        .iter()
        .find(|x| x["code"] == "unknown_equipment")
        .unwrap();
    assert!(unknown["reason"].as_str().unwrap().contains("NO-SUCH-TAG"));
    assert_eq!(unknown["routingKey"], "vigil.cms.case.created");
    assert!(unknown["body"].as_str().unwrap().contains("66001"));
    // listing left them there; --take removes them
    let again = lines(&ok(&vigil(
        &data,
        &["bus", "dead-letters", "--amqp", &url, "--take"],
        "",
    )));
    assert_eq!(codes(&again), want);
    let after = ok(&vigil(&data, &["bus", "dead-letters", "--amqp", &url], ""));
    assert_eq!(after.trim(), "", "taken");
    // removed from the keyring: refused again
    ok(&vigil(
        &data,
        &["bus", "password", "delete", "--amqp", &url],
        "",
    ));
    let gone = vigil(&data, &["bus", "dead-letters", "--amqp", &url], "");
    assert_eq!(gone.status.code(), Some(4));
    worker.stop();
}

/// The figures of docs/bus.md: `vigil bench bus` against a broker of its
/// own. Ignored (minutes of CPU); run with `cargo test -p vigil-tests --test
/// bus bench_bus_figures -- --ignored --nocapture`, sizes from
/// `VIGIL_BUS_BENCH_WORKERS` (1,2,3) and `VIGIL_BUS_BENCH_CASES` (100).
#[test]
#[ignore]
fn bench_bus_figures() {
    let rabbit = Rabbit::start();
    let d = tempfile::tempdir().unwrap();
    let workers = std::env::var("VIGIL_BUS_BENCH_WORKERS").unwrap_or_else(|_| "1,2,3".into());
    let cases = env_n("VIGIL_BUS_BENCH_CASES", 100).to_string();
    let out = ok(&vigil(
        d.path(),
        &[
            "bench",
            "bus",
            "--amqp",
            &rabbit.url(),
            "--password-stdin",
            "--workers",
            &workers,
            "--cases",
            &cases,
            "--timeout-s",
            "1800",
        ],
        "guest",
    ));
    println!("{out}");
}
