//! Consoles on the case bus with a real RabbitMQ: a console on the app's
//! code path (bus::console) hears cases published by `vigil case publish`
//! and by another console whose site publishes to the bus, and both cases'
//! media as they land (each file linked once, VTC1 checked); the console,
//! whose database is not the workers', lists both cases with their media.
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use vigil_engine::bus::cms_double::CmsDouble;
use vigil_engine::bus::{BusEvent, DEFAULT_EXCHANGE};
use vigil_tests::bus::Rabbit;
use vigil_tests::bus_harness::*;

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
    // console A has its own database; the workers' media root is shared
    a.cases().set_media_root(&media.to_string_lossy()).unwrap();
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

    // console A does not share the workers' database, yet lists both cases
    // with their media: its link recorded them from the events
    let listed = a.cases().list(&Default::default()).unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    for (id, at, title) in [
        (&id_b, at_b, "Forced door (console B)"),
        (&"77001".to_string(), at_cli, "CASE-77001"),
    ] {
        let r = ready_of(&heard, id).unwrap();
        let c = listed
            .iter()
            .find(|c| c.id == r.case_id)
            .unwrap_or_else(|| panic!("case {id}: the event names A's case: {listed:?}"));
        assert_eq!((c.event_ms, c.title.as_str()), (at, title));
        let d = a.cases().detail(&c.id).unwrap();
        assert_eq!(d.jobs.len(), 8, "case {id}: {:?}", d.jobs);
        for j in &d.jobs {
            assert_eq!(j.status, vigil_engine::footage::JobStatus::Done);
            let (path, _) = a.cases().media_file(j.id).unwrap();
            assert!(path.starts_with(&media) && path.is_file(), "{path:?}");
            let m = j.media.as_ref().unwrap();
            assert!(
                r.files.iter().any(|f| f.sha256 == m.sha256
                    && path.ends_with(&f.file_name)
                    && f.camera_id == j.camera_id),
                "{path:?} is a file of the event"
            );
        }
        assert_eq!(d.case.cameras.len(), 4);
    }
    // hearing it all again changes nothing
    for e in heard.iter_mut() {
        console::record_event(a.cases().store(), e).unwrap();
    }
    assert_eq!(a.cases().list(&Default::default()).unwrap().len(), 2);
    assert!(listed
        .iter()
        .all(|c| a.cases().detail(&c.id).unwrap().jobs.len() == 8));
    worker.stop();
    let _ = vigil_engine::secrets::SecretStore::new(service)
        .delete(&console::keyring_account(&rabbit.url()).unwrap());
}
