//! Stored RTSP cameras with the password in the real OS keyring: the camera
//! plays with digest auth, the database never holds the secret, and removal
//! deletes the keyring entry. Run inside a keyring session (tests/run).
use std::time::Duration;

use vigil_engine::engine::{AddRtspCamera, Engine, EngineConfig};
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::hub::client::TileClient;
use vigil_engine::media::rtsp_input::Transport;
use vigil_engine::secrets::SecretStore;
use vigil_engine::vms::site::site_account;
use vigil_tests::*;

const SECRET: &str = "Kx9-unique-s3cret";

fn file_contains(path: &std::path::Path, needle: &str) -> bool {
    std::fs::read(path)
        .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_camera_plays_with_keyring_password_and_db_has_no_secret() {
    let server = RtspServer::start(free_port(), &["--user", "operator", "--password", SECRET]);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vigil.sqlite3");
    let service = format!("vigil-e2e-{}", std::process::id());
    let engine = Engine::start(EngineConfig {
        database: Some(db.clone()),
        keyring_service: service.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    // credentials typed into the URL are split off too
    let url = server
        .url("/cam1")
        .replace("rtsp://", &format!("rtsp://operator:{SECRET}@"));
    let cam = engine
        .add_rtsp_camera(AddRtspCamera {
            name: "Gate".into(),
            main_url: url,
            sub_url: Some(server.url("/cam1/sub")),
            username: None,
            password: None,
            transport: Transport::Tcp,
        })
        .await
        .unwrap();
    assert_eq!(cam.streams.len(), 2);
    let keyring = SecretStore::new(service);
    assert_eq!(
        keyring.get(&site_account(&cam.site)).unwrap().as_deref(),
        Some(SECRET)
    );
    let mut tile = TileClient::connect(&engine.hub_info(), &cam.id, 480, 270, "")
        .await
        .unwrap();
    let mut st = Vec::new();
    let got = frames(&mut tile, 5, Duration::from_secs(20), &mut st).await;
    assert_eq!(got.len(), 5, "{st:?}");
    assert!(
        st.iter().any(|(_, s)| s.as_deref() == Some("sub")),
        "{st:?}"
    );
    assert_increasing_timecodes(&got);
    drop(tile);
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let p = entry.unwrap().path();
        assert!(
            !file_contains(&p, SECRET),
            "secret found in {}",
            p.display()
        );
    }
    assert!(
        file_contains(&db, "operator")
            || file_contains(&dir.path().join("vigil.sqlite3-wal"), "operator")
    );
    engine.remove_camera(&cam.id).await.unwrap();
    assert_eq!(
        keyring.get(&site_account(&cam.site)).unwrap(),
        None,
        "keyring entry removed"
    );
    assert_eq!(
        engine.camera(&cam.id).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_camera_input_is_rejected_with_a_clear_error() {
    let engine = engine().await;
    let base = AddRtspCamera {
        name: "x".into(),
        main_url: "rtsp://10.0.0.1/a".into(),
        sub_url: None,
        username: None,
        password: None,
        transport: Transport::Tcp,
    };
    let e = engine
        .add_rtsp_camera(AddRtspCamera {
            name: " ".into(),
            ..base.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = engine
        .add_rtsp_camera(AddRtspCamera {
            main_url: "ftp://u:pw123@h/x".into(),
            ..base.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = engine
        .add_rtsp_camera(AddRtspCamera {
            main_url: "not a url at all".into(),
            ..base.clone()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let ui = engine
        .add_rtsp_camera(AddRtspCamera {
            main_url: "ftp://u:pw123@h/x".into(),
            ..base
        })
        .await
        .unwrap_err()
        .to_ui();
    assert!(!ui.message.contains("pw123"), "{}", ui.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn layouts_persist_across_engine_restarts() {
    use vigil_engine::store::Layout;
    let dir = tempfile::tempdir().unwrap();
    let cfg = EngineConfig {
        database: Some(dir.path().join("v.db")),
        ..Default::default()
    };
    let first = Engine::start(cfg.clone()).await.unwrap();
    let default = first.current_layout().unwrap();
    assert_eq!(default.grid, 4);
    assert_eq!(
        default.tiles,
        ["demo-1", "demo-2", "demo-3", "demo-4"].map(|s| Some(s.to_string()))
    );
    let l = Layout {
        grid: 9,
        tiles: vec![Some("demo-2".into())],
    };
    first.save_current_layout(l).unwrap();
    first
        .save_named_layout(
            "Night shift",
            Layout {
                grid: 1,
                tiles: vec![Some("demo-3".into())],
            },
        )
        .unwrap();
    drop(first);
    let second = Engine::start(cfg).await.unwrap();
    let cur = second.current_layout().unwrap();
    assert_eq!(
        (cur.grid, cur.tiles.len(), cur.tiles[0].as_deref()),
        (9, 9, Some("demo-2"))
    );
    assert_eq!(second.named_layouts().unwrap()[0].name, "Night shift");
    assert!(second
        .save_current_layout(Layout {
            grid: 3,
            tiles: vec![]
        })
        .is_err());
}
