//! Sites as data against real peers: two sites where one goes down (the
//! other's cameras still list and play, the down one shows why and keeps
//! its cached cameras), camera ids stable across a restart and a re-listing,
//! each site with its own time zone, a wrong password refused with nothing
//! stored, and edits that keep the stored password.
use std::collections::BTreeMap;
use std::time::Duration;

use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::hub::client::TileClient;
use vigil_engine::secrets::SecretStore;
use vigil_engine::vms::site::{site_account, SiteRequest, SiteState};
use vigil_tests::onvif::OnvifSim;
use vigil_tests::*;

const USER: &str = "operator";
const SECRET: &str = "Sites-s3cret-4471";

async fn start(db: &std::path::Path, service: &str) -> Engine {
    Engine::start(EngineConfig {
        database: Some(db.to_path_buf()),
        keyring_service: service.to_string(),
        onvif_timeout: Duration::from_secs(3),
        ..Default::default()
    })
    .await
    .unwrap()
}

fn onvif(address: &str, password: &str, tz: &str) -> SiteRequest {
    SiteRequest {
        kind: "onvif".into(),
        name: Some("Depot".into()),
        address: address.into(),
        user: Some(USER.into()),
        password: Some(password.into()),
        time_zone: Some(tz.into()),
        ..Default::default()
    }
}

fn rtsp(url: &str, sub: &str) -> SiteRequest {
    SiteRequest {
        kind: "rtsp".into(),
        name: Some("Gate".into()),
        address: url.into(),
        time_zone: Some("America/New_York".into()),
        options: BTreeMap::from([("sub_url".to_string(), sub.to_string())]),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_that_is_down_never_hides_the_others() {
    let rtsp_server = RtspServer::start(free_port(), &[]);
    let sim = OnvifSim::start(&[
        "--user",
        USER,
        "--password",
        SECRET,
        "--rtsp-main",
        &rtsp_server.url("/cam2"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vigil.sqlite3");
    let service = format!("vigil-sites-e2e-{}", std::process::id());
    let engine = start(&db, &service).await;

    // a wrong password: refused as auth failed, nothing stored
    let e = engine
        .add_site(onvif(&sim.address(), "wrong-one", "Asia/Tokyo"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::AuthFailed, "{e}");
    assert!(engine.sites().iter().all(|s| s.site.kind != "onvif"));

    let dev = engine
        .add_site(onvif(&sim.address(), SECRET, "Asia/Tokyo"))
        .await
        .unwrap();
    let gate = engine
        .add_site(rtsp(
            &rtsp_server.url("/cam1"),
            &rtsp_server.url("/cam1/sub"),
        ))
        .await
        .unwrap();
    assert_eq!(dev.site.time_zone, "Asia/Tokyo");
    assert_eq!(gate.site.time_zone, "America/New_York");
    let onvif_cam = dev.cameras[0].id.clone();
    let gate_cam = gate.cameras[0].id.clone();
    assert!(
        onvif_cam.starts_with(&format!("{}-", dev.site.id)),
        "{onvif_cam}"
    );
    assert_eq!(gate_cam, format!("{}-1", gate.site.id));
    // each site's own zone: the playback day of a camera follows its site
    let tokyo = engine.playback_day_of(&onvif_cam, "2026-03-29").unwrap();
    let new_york = engine.playback_day_of(&gate_cam, "2026-03-08").unwrap();
    assert_eq!(tokyo.hours, 24.0);
    assert_eq!(new_york.hours, 23.0, "New York's spring-forward day");
    // the password is in the keyring under site/<id>
    let keyring = SecretStore::new(service.clone());
    assert_eq!(
        keyring.get(&site_account(&dev.site.id)).unwrap().as_deref(),
        Some(SECRET)
    );

    // the ONVIF device goes down
    drop(sim);
    let st = engine.refresh_site(&dev.site.id).await.unwrap();
    assert_eq!(st.health.state, SiteState::Unreachable, "{st:?}");
    assert!(st
        .health
        .message
        .as_deref()
        .unwrap_or("")
        .contains("127.0.0.1"));
    assert!(st.health.last_seen_ms.is_some(), "it was seen before");
    assert_eq!(st.camera_count, 1, "cached cameras stay");
    // both sites' cameras still list; the RTSP one plays
    let ids: Vec<String> = engine
        .cameras()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(
        ids.contains(&onvif_cam) && ids.contains(&gate_cam),
        "{ids:?}"
    );
    let mut tile = TileClient::connect(&engine.hub_info(), &gate_cam, 480, 270, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let got = frames(&mut tile, 5, Duration::from_secs(20), &mut st).await;
    assert_eq!(got.len(), 5, "{st:?}");
    assert_increasing_timecodes(&got);
    drop(tile);

    // a restart: the same ids from the stored listing before any refresh,
    // then the down site shows why and keeps its cameras
    drop(engine);
    let engine = start(&db, &service).await;
    let again: Vec<String> = engine
        .cameras()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(
        again.contains(&onvif_cam) && again.contains(&gate_cam),
        "{again:?}"
    );
    let st = engine.refresh_site(&dev.site.id).await.unwrap();
    assert_eq!(st.health.state, SiteState::Unreachable);
    assert!(engine.camera(&onvif_cam).is_ok());
    let gate_st = engine.refresh_site(&gate.site.id).await.unwrap();
    assert_eq!(gate_st.health.state, SiteState::Online);

    // the device comes back (a new port): an edit without a password keeps
    // the stored one, re-lists, and the camera id is unchanged
    let sim = OnvifSim::start(&[
        "--user",
        USER,
        "--password",
        SECRET,
        "--rtsp-main",
        &rtsp_server.url("/cam2"),
    ]);
    let mut edit = onvif(&sim.address(), "", "Asia/Tokyo");
    edit.password = None;
    let edited = engine.update_site(&dev.site.id, edit).await.unwrap();
    assert_eq!(edited.cameras[0].id, onvif_cam);
    assert_eq!(
        engine
            .sites()
            .iter()
            .find(|s| s.site.id == dev.site.id)
            .unwrap()
            .health
            .state,
        SiteState::Online
    );
    // the database holds no password
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        let bytes = std::fs::read(&p).unwrap_or_default();
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "secret in {}",
            p.display()
        );
    }
    // removing a site removes its cameras and keyring entry
    engine.remove_site(&dev.site.id).await.unwrap();
    assert!(engine.camera(&onvif_cam).is_err());
    assert_eq!(keyring.get(&site_account(&dev.site.id)).unwrap(), None);
    engine.remove_site(&gate.site.id).await.unwrap();
    assert_eq!(
        engine.remove_site("demo").await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}
