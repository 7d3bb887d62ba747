//! Milestone XProtect's second login step (error 34) end to end, against
//! the Mobile Server simulator started with `--require-second-step`: a wrong
//! PIN is a clear error and the right one lists the cameras (in the engine
//! and from the CLI's stdin, for `sites add` and the other commands), the
//! PIN is never printed or logged, and a tile waiting for the PIN reads
//! `pin_required` and goes live by itself once it is given. The CLI tests
//! need a keyring session (`bash .ci/with-keyring`, as CI).
use std::time::{Duration, Instant};

use serde_json::Value;
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::media::source::now_ms;
use vigil_tests::milestone::*;
use vigil_tests::*;

/// The PIN the simulator's second step wants.
const PIN: &str = "424242";

#[tokio::test(flavor = "multi_thread")]
async fn second_step_pin_wrong_is_clear_and_right_lists_cameras() {
    use vigil_engine::error::EngineError;
    use vigil_engine::vms::milestone::second_step::submit_pin;
    use vigil_engine::vms::VmsError;
    let engine = engine().await;
    let sim = Sim::start(&["--require-second-step", PIN]);
    let address = sim.address();
    let e = engine
        .add_transient_site("milestone", req(&address, PASSWORD))
        .await
        .unwrap_err();
    assert!(
        matches!(e, EngineError::Vms(VmsError::PinRequired { .. })),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::AuthFailed);
    assert_eq!(sim.ok_count("RequestSecondStepAuthenticationPin"), 1);
    // asking again before the PIN is submitted sends no second PIN
    let again = engine
        .add_transient_site("milestone", req(&address, PASSWORD))
        .await
        .unwrap_err();
    assert!(matches!(
        again,
        EngineError::Vms(VmsError::PinRequired { .. })
    ));
    assert_eq!(sim.commands("RequestSecondStepAuthenticationPin").len(), 1);

    submit_pin(&address, USER, "000000").unwrap();
    let wrong = engine
        .add_transient_site("milestone", req(&address, PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::AuthFailed, "{wrong}");
    assert!(wrong.to_string().contains("PIN is wrong"), "{wrong}");

    // the same login takes the right PIN
    submit_pin(&address, USER, PIN).unwrap();
    let probe = engine
        .add_transient_site("milestone", req(&address, PASSWORD))
        .await
        .expect("the right PIN logs in");
    let names: Vec<_> = probe.cameras.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, ["Camera 1", "Camera 2", "Camera 3"]);
    // serving the site reuses the verified login: live frames, no new PIN
    let (_tile, statuses) = live_tile(&engine, &probe.cameras[0].id).await;
    assert_eq!(sim.commands("RequestSecondStepAuthenticationPin").len(), 1);
    assert_eq!(sim.ok_count("VerifySecondStepAuthenticationPin"), 1);
    assert!(
        submit_pin(&address, USER, PIN).is_err(),
        "nothing waits now"
    );
    let log = std::fs::read_to_string(&sim.log).unwrap();
    assert!(!log.contains(PIN), "the PIN reached the simulator's log");
    assert_clean(&[e.to_string(), wrong.to_string(), format!("{statuses:?}")]);
    for t in [e.to_string(), wrong.to_string(), format!("{statuses:?}")] {
        assert!(!t.contains(PIN) && !t.contains("000000"), "{t}");
    }
}

/// `vigil sites add milestone` for `address` with the password, then the
/// PIN, from stdin (`--pin-stdin` last).
fn add_args(address: &str) -> [&str; 9] {
    [
        "sites",
        "add",
        "milestone",
        "--address",
        address,
        "--user",
        USER,
        "--password-stdin",
        "--pin-stdin",
    ]
}

#[test]
fn cli_reads_the_second_step_pin_from_stdin() {
    let sim = Sim::start(&["--require-second-step", PIN]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let address = sim.address();
    let args = add_args(&address);
    // the same command without its last flag, `--pin-stdin`
    let no_pin = vigil(
        data,
        &args[..args.len() - 1],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(no_pin.status.code(), Some(3), "{}", text(&no_pin));
    assert!(
        text(&no_pin).contains("second login step"),
        "{}",
        text(&no_pin)
    );

    let wrong = vigil(data, &args, Some(&format!("{PASSWORD}\n000000\n")));
    assert_eq!(wrong.status.code(), Some(3), "{}", text(&wrong));
    assert!(text(&wrong).contains("PIN is wrong"), "{}", text(&wrong));

    let right = vigil(data, &args, Some(&format!("{PASSWORD}\n{PIN}\n")));
    let v: Value = serde_json::from_str(ok(&right).trim()).unwrap();
    assert_eq!(v["cameras"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(sim.ok_count("VerifySecondStepAuthenticationPin"), 1);
    let outputs = [text(&no_pin), text(&wrong), text(&right)];
    assert_clean(&outputs);
    for t in &outputs {
        assert!(
            !t.contains(PIN) && !t.contains("000000"),
            "the PIN was printed: {t}"
        );
    }
}

/// Every CLI command is a new process with its own login: `--pin-stdin`
/// (a global flag) gives a 2FA site's other commands their PIN too, here
/// `recordings` on a camera of a site added with its PIN; without it the
/// command fails with the second-step error.
#[test]
fn other_cli_commands_read_the_second_step_pin_from_stdin() {
    let sim = Sim::start(&["--require-second-step", PIN]);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let address = sim.address();
    let added = vigil(
        data,
        &add_args(&address),
        Some(&format!("{PASSWORD}\n{PIN}\n")),
    );
    let v: Value = serde_json::from_str(ok(&added).trim()).unwrap();
    let cam = v["cameras"][0]["id"].as_str().unwrap().to_string();
    let day = vigil_engine::cases::rfc3339_ms(now_ms())[..10].to_string();
    let args = ["recordings", "--source", &cam, "--day", &day, "--tz", "UTC"];
    let no_pin = vigil(data, &args, None);
    assert_eq!(no_pin.status.code(), Some(3), "{}", text(&no_pin));
    assert!(
        text(&no_pin).contains("second login step"),
        "{}",
        text(&no_pin)
    );
    let with_pin: Vec<&str> = args.iter().copied().chain(["--pin-stdin"]).collect();
    let right = vigil(data, &with_pin, Some(&format!("{PIN}\n")));
    let spans = ok(&right);
    assert!(
        spans.lines().count() > 0
            && spans
                .lines()
                .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "{spans}"
    );
    // one Verify for the add, one for this command
    assert_eq!(sim.ok_count("VerifySecondStepAuthenticationPin"), 2);
    let outputs = [text(&added), text(&no_pin), text(&right)];
    assert_clean(&outputs);
    assert!(outputs.iter().all(|t| !t.contains(PIN)), "{outputs:?}");
}

/// A tile of a site whose login waits for a second-step PIN (the server
/// restarted and forgot the verified login) reads the hub state
/// `pin_required` with the reason, not a wrong password; the PIN, then a
/// refresh of the site (what the tile's "Enter PIN" prompt does), bring the
/// tile back live by itself: the refresh wakes its parked stream.
#[tokio::test(flavor = "multi_thread")]
async fn a_tile_waiting_for_the_pin_goes_live_after_it() {
    use vigil_engine::hub::client::HubEvent;
    use vigil_engine::hub::protocol::ServerMessage;
    use vigil_engine::vms::milestone::second_step::submit_pin;
    let engine = engine().await;
    let mut sim = Sim::start(&["--require-second-step", PIN]);
    let (port, address) = (sim.port, sim.address());
    assert!(engine
        .add_transient_site("milestone", req(&address, PASSWORD))
        .await
        .is_err());
    submit_pin(&address, USER, PIN).unwrap();
    let probe = add(&engine, &sim).await;
    let (mut tile, mut statuses) = live_tile(&engine, &probe.cameras[0].id).await;
    sim.stop();
    let sim = Sim::start_on(port, &["--require-second-step", PIN]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let reason = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, tile.next()).await {
            Ok(Some(Ok(HubEvent::Status(ServerMessage::Status { state, reason, .. })))) => {
                statuses.push(format!("{state} {reason:?}"));
                assert_ne!(state, "auth_failed", "{statuses:?}");
                if state == "pin_required" {
                    break reason.unwrap_or_default();
                }
            }
            Ok(Some(Ok(_))) => {}
            other => panic!("no pin_required status: {other:?}; statuses: {statuses:?}"),
        }
    };
    assert!(reason.contains("second login step"), "{reason}");
    assert_eq!(sim.commands("RequestSecondStepAuthenticationPin").len(), 1);
    submit_pin(&address, USER, PIN).unwrap();
    let st = engine.refresh_site(&probe.site.id).await.unwrap();
    assert_eq!(st.health.state, vigil_engine::vms::site::SiteState::Online);
    let after = now_ms();
    assert!(
        frame_after(&mut tile, after, Duration::from_secs(45), &mut statuses)
            .await
            .is_some(),
        "the tile came back after the PIN: {statuses:?}"
    );
    assert_eq!(sim.ok_count("VerifySecondStepAuthenticationPin"), 1);
    assert_clean(&statuses);
}
