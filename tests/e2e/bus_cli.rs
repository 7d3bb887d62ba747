//! The case bus's operations CLI with a real RabbitMQ (`vigil bus password`,
//! `vigil bus dead-letters`) and the ignored `vigil bench bus` figures run.
use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;
use vigil_engine::bus::cms_double::CmsDouble;
use vigil_engine::bus::{publish_raw, BusTarget, DEFAULT_EXCHANGE};
use vigil_tests::bus::Rabbit;
use vigil_tests::bus_harness::*;

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

/// `vigil bus site-publish`: the per-site switch, off by default, shown for
/// every site (the demo site and a stored folder site), turned on and off
/// for one; the library the console uses reads what the CLI wrote; an
/// unknown site and a switch without a site are refused. No broker needed.
#[test]
fn bus_cli_shows_and_sets_the_per_site_publish_switch() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let t = now_ms();
    write_folder(&d.path().join("export"), t - 20_000, t - 10_000);
    let (folder, _) = add_folder_site(&data, &d.path().join("export"));
    let lines = |out: String| -> Vec<Value> {
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let all = lines(ok(&vigil(&data, &["bus", "site-publish"], "")));
    let sites: BTreeSet<String> = all
        .iter()
        .map(|v| v["site"].as_str().unwrap().to_string())
        .collect();
    assert!(sites.contains("demo") && sites.contains(&folder), "{all:?}");
    assert!(all.iter().all(|v| v["publishToBus"] == false), "{all:?}");

    let on = lines(ok(&vigil(
        &data,
        &["bus", "site-publish", &folder, "--on"],
        "",
    )));
    assert_eq!(
        on,
        [serde_json::json!({"site": folder, "publishToBus": true})]
    );
    let shown = lines(ok(&vigil(&data, &["bus", "site-publish", &folder], "")));
    assert_eq!(shown, on);
    let store = vigil_engine::store::Store::open(&data.join("vigil.sqlite3")).unwrap();
    assert!(vigil_engine::bus::setting::publish_to_bus(&store, &folder).unwrap());
    assert!(!vigil_engine::bus::setting::publish_to_bus(&store, "demo").unwrap());
    drop(store);
    let all = lines(ok(&vigil(&data, &["bus", "site-publish"], "")));
    for v in &all {
        assert_eq!(v["publishToBus"], v["site"] == folder.as_str(), "{all:?}");
    }
    let off = lines(ok(&vigil(
        &data,
        &["bus", "site-publish", &folder, "--off"],
        "",
    )));
    assert_eq!(off[0]["publishToBus"], false);

    for args in [
        &["bus", "site-publish", "no-such-site", "--on"][..],
        &["bus", "site-publish", "--on"][..],
        &["bus", "site-publish", "demo", "--on", "--off"][..],
    ] {
        let o = vigil(&data, args, "");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
    }
    let o = vigil(&data, &["bus", "site-publish", "no-such-site"], "");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no site no-such-site"),
        "{o:?}"
    );
}
