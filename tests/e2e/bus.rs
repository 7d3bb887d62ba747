//! The case bus end to end with a real RabbitMQ (Debian's rabbitmq-server,
//! one node per test on loopback), the `vigil worker` and `vigil case
//! publish` processes, a recording CMS double, the demo site's archive and
//! a segment folder site (each case: two demo cameras, two folder cameras):
//! several workers share one queue, one worker is killed with SIGKILL while
//! it holds cases, the broker is restarted once mid-run; every clip and
//! snapshot exists exactly once, is linked exactly once and shows the
//! right time (VTC1); poison messages are dead-lettered with their reason;
//! a console subscribed to the bus hears every case and, after the
//! restart, a new case's media as they land. Consoles in the app:
//! bus_console.rs; the operations CLI and the bench: bus_cli.rs.
//!
//! Size: `VIGIL_BUS_CASES` (default 10) cases x 4 cameras on
//! `VIGIL_BUS_WORKERS` (default 3) workers; the full run is
//! `VIGIL_BUS_CASES=100`. Needs the `vigil` binary (cargo build, or VIGIL_BIN).
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_engine::bus::cms_double::CmsDouble;
use vigil_engine::bus::{
    publish_case_created, publish_raw, subscribe_case_events, take_dead_letters, BusEvent,
    BusTarget, DEFAULT_EXCHANGE,
};
use vigil_tests::bus::Rabbit;
use vigil_tests::bus_harness::*;

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
    // two demo cameras (frames painted and encoded) and the two cameras of a
    // segment folder site (H.264 files, stream copy) per case
    let base = now_ms();
    let folder_site = setup_mixed_site(
        &data,
        &d.path().join("export"),
        event_from(base, n + 2) - 30_000,
        base + 10_000,
    );
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
    let unknown = msg("91001".into(), event_from(base, 1), "NO-SUCH-TAG");
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
    let at0 = event_from(base, 0);
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
        let m = msg(format!("{}", 90000 + i), event_from(base, i), "DOOR-B2-07");
        events_by_id.insert(m.id.clone(), event_from(base, i));
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
    let probed = check_pixels(&media, &by_label);
    assert_eq!(probed, n * 4, "every clip probed");
    let folder_files = media_files
        .iter()
        .filter(|p| p.to_string_lossy().contains(&folder_site))
        .count();
    assert_eq!(
        folder_files,
        n * 2 * 3,
        "the folder's clips, snapshots and sidecars"
    );

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
    let late = msg("95000".into(), event_from(base, n + 1), "DOOR-B2-07");
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
