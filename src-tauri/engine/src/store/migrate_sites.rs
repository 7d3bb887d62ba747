//! The move to sites as data (schema 5): every RTSP camera becomes an `rtsp`
//! site of its own, every ONVIF device an `onvif` site; their cameras get
//! derived ids, and every place that held an old id (layouts, nearest-camera
//! lists, cases, footage jobs and media) is rewritten in the same
//! transaction. Keyring entries cannot move inside SQLite: the migration
//! records them in `keyring_moves`, and the engine moves them at start.
use std::collections::HashMap;

use rusqlite::{params, Transaction};
use rusqlite_migration::{HookError, HookResult};

use super::sites::{put_cameras, put_site};
use crate::vms::site::{camera_id, site_account, CameraRecord, SiteInfo};

pub const SQL: &str = r#"
ALTER TABLE sites ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN username TEXT;
ALTER TABLE sites ADD COLUMN tls_pin TEXT;
ALTER TABLE sites ADD COLUMN settings_json TEXT NOT NULL DEFAULT '{}';
-- The cameras each site's VMS listed (the cache the camera list is served
-- from). id = <site id>-<vms_ref> (or a hash of a long ref): stable.
CREATE TABLE site_cameras (
    id                TEXT PRIMARY KEY,
    site_id           TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    vms_ref           TEXT NOT NULL,
    name              TEXT NOT NULL,
    ptz               INTEGER NOT NULL DEFAULT 0,
    streams_json      TEXT NOT NULL,
    capabilities_json TEXT NOT NULL,
    extra_json        TEXT NOT NULL DEFAULT 'null',
    position          INTEGER NOT NULL DEFAULT 0,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    UNIQUE (site_id, vms_ref)
);
CREATE INDEX site_cameras_site ON site_cameras(site_id);
-- Old camera id -> new camera id, kept for audits and old exports.
CREATE TABLE camera_id_moves (
    old_id TEXT PRIMARY KEY,
    new_id TEXT NOT NULL
);
-- Keyring entries to move at the next start (done, the row goes).
CREATE TABLE keyring_moves (
    old_account TEXT PRIMARY KEY,
    new_account TEXT NOT NULL
);
"#;

fn hook_err(what: &str, e: impl std::fmt::Display) -> HookError {
    HookError::Hook(format!("moving to sites ({what}): {e}"))
}

/// The time zone migrated sites get: the one global setting they used.
fn global_zone(tx: &Transaction<'_>) -> rusqlite::Result<String> {
    use rusqlite::OptionalExtension;
    Ok(tx
        .query_row(
            "SELECT value FROM settings WHERE key = 'site_time_zone'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .unwrap_or_else(crate::playback::day::system_time_zone))
}

struct OldRtsp {
    id: String,
    name: String,
    main_url: String,
    sub_url: Option<String>,
    username: Option<String>,
    transport: String,
    created: i64,
}

fn old_rtsp(tx: &Transaction<'_>) -> rusqlite::Result<Vec<OldRtsp>> {
    let mut stmt = tx.prepare(
        "SELECT id, name, main_url, sub_url, username, transport, created_at_ms FROM cameras ORDER BY created_at_ms, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(OldRtsp {
            id: r.get(0)?,
            name: r.get(1)?,
            main_url: r.get(2)?,
            sub_url: r.get(3)?,
            username: r.get(4)?,
            transport: r.get(5)?,
            created: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// An ONVIF device row: id, name, address, user, manufacturer, model, created.
type OldDevice = (String, String, String, Option<String>, String, String, i64);

/// Runs inside the migration's transaction.
pub fn move_to_sites(tx: &Transaction<'_>) -> HookResult {
    let zone = global_zone(tx)?;
    let mut moved: HashMap<String, String> = HashMap::new();
    let mut site_of: HashMap<String, String> = HashMap::new();
    let mut keyring: Vec<(String, String)> = Vec::new();

    // RTSP cameras: one site each
    for (k, c) in old_rtsp(tx)?.into_iter().enumerate() {
        let n =
            c.id.strip_prefix("cam-")
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_string)
                .unwrap_or_else(|| format!("m{}", k + 1));
        let site_id = format!("rtsp-{n}");
        let transport = if c.transport == "udp" { "udp" } else { "tcp" };
        let site = crate::vms::rtsp::site_info(
            &site_id,
            &c.name,
            &c.main_url,
            c.sub_url.as_deref(),
            c.username.clone(),
            transport,
            &zone,
            c.created,
        );
        let record = crate::vms::rtsp::camera_record(&site);
        put_site(tx, &site)?;
        let cams = put_cameras(tx, &site_id, std::slice::from_ref(&record))?;
        moved.insert(c.id.clone(), cams[0].id.clone());
        site_of.insert(c.id.clone(), site_id.clone());
        keyring.push((format!("camera/{}", c.id), site_account(&site_id)));
    }

    // ONVIF devices: the device id stays the site id
    let devices: Vec<OldDevice> = {
        let mut stmt = tx.prepare(
            "SELECT id, name, address, username, manufacturer, model, created_at_ms FROM onvif_devices ORDER BY created_at_ms, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    for (id, name, address, username, manufacturer, model, created) in devices {
        let site = SiteInfo {
            id: id.clone(),
            kind: "onvif".into(),
            name,
            address,
            time_zone: zone.clone(),
            user: username,
            tls_pin: None,
            options: [
                ("manufacturer".to_string(), manufacturer),
                ("model".to_string(), model),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect(),
            created_ms: created,
        };
        put_site(tx, &site)?;
        let old_cams: Vec<(String, CameraRecord)> = {
            let mut stmt = tx.prepare(
                "SELECT id, name, video_source, main_profile, main_width, main_height, main_codec, main_uri,
                        sub_profile, sub_width, sub_height, sub_codec, sub_uri, ptz
                 FROM onvif_cameras WHERE device_id = ?1 ORDER BY created_at_ms, id",
            )?;
            let rows = stmt.query_map([&id], |r| {
                let stream = |p: String, w: u32, h: u32, c: String, u: Option<String>| {
                    crate::vms::onvif::stored::OnvifStream {
                        profile: p,
                        width: w,
                        height: h,
                        codec: c,
                        uri: u,
                    }
                };
                let sub_profile: Option<String> = r.get(8)?;
                let cam = crate::vms::onvif::stored::OnvifCamera {
                    name: r.get(1)?,
                    video_source: r.get(2)?,
                    main: stream(r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
                    sub: match sub_profile {
                        Some(p) => Some(stream(p, r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?)),
                        None => None,
                    },
                    ptz: r.get(13)?,
                };
                Ok((r.get::<_, String>(0)?, cam.record()))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        let records: Vec<CameraRecord> = old_cams.iter().map(|(_, r)| r.clone()).collect();
        put_cameras(tx, &id, &records)?;
        for (old, rec) in &old_cams {
            moved.insert(old.clone(), camera_id(&id, &rec.vms_ref));
            site_of.insert(old.clone(), id.clone());
        }
        keyring.push((format!("camera/{id}"), site_account(&id)));
    }

    rewrite_ids(tx, &moved, &site_of)?;
    for (old, new) in &keyring {
        tx.execute(
            "INSERT OR REPLACE INTO keyring_moves (old_account, new_account) VALUES (?1, ?2)",
            params![old, new],
        )?;
    }
    tx.execute_batch(
        "DROP TABLE cameras; DROP TABLE onvif_cameras; DROP TABLE onvif_devices;
         DELETE FROM sites WHERE id = 'rtsp' AND NOT EXISTS (SELECT 1 FROM site_cameras WHERE site_id = 'rtsp');",
    )?;
    Ok(())
}

/// Every column and JSON document that holds a camera id gets the new one.
fn rewrite_ids(
    tx: &Transaction<'_>,
    moved: &HashMap<String, String>,
    site_of: &HashMap<String, String>,
) -> HookResult {
    for (old, new) in moved {
        for sql in [
            "UPDATE nearest_cameras SET camera_id = ?2 WHERE camera_id = ?1",
            "UPDATE nearest_cameras SET equipment_id = ?2 WHERE equipment_id = ?1",
            "UPDATE cases SET equipment_id = ?2 WHERE equipment_id = ?1 AND equipment_kind = 'camera'",
            "UPDATE case_cameras SET camera_id = ?2 WHERE camera_id = ?1",
            "UPDATE footage_jobs SET camera_id = ?2 WHERE camera_id = ?1",
            "UPDATE case_media SET camera_id = ?2 WHERE camera_id = ?1",
            "INSERT OR REPLACE INTO camera_id_moves (old_id, new_id) VALUES (?1, ?2)",
        ] {
            tx.execute(sql, params![old, new])?;
        }
        // footage jobs name their site; RTSP cameras had one shared site
        tx.execute(
            "UPDATE footage_jobs SET site_id = ?2 WHERE camera_id = ?1",
            params![new, site_of[old]],
        )?;
    }
    // the shared RTSP site's footage window applies to each new RTSP site
    let rtsp_sites: std::collections::BTreeSet<&String> = site_of
        .values()
        .filter(|s| s.starts_with("rtsp-"))
        .collect();
    for s in rtsp_sites {
        tx.execute(
            "INSERT OR IGNORE INTO footage_site_settings (site_id, start_offset_ms, end_offset_ms, clock_offset_ms, recording_lag_ms)
             SELECT ?1, start_offset_ms, end_offset_ms, clock_offset_ms, recording_lag_ms FROM footage_site_settings WHERE site_id = 'rtsp'",
            [s],
        )?;
    }
    // layouts: the current one (a setting) and the named ones
    let map = |json: &str| -> Result<Option<String>, HookError> {
        let mut v: serde_json::Value =
            serde_json::from_str(json).map_err(|e| hook_err("layout", e))?;
        let mut changed = false;
        if let Some(tiles) = v.get_mut("tiles").and_then(|t| t.as_array_mut()) {
            for t in tiles {
                if let Some(new) = t.as_str().and_then(|id| moved.get(id)) {
                    *t = serde_json::Value::String(new.clone());
                    changed = true;
                }
            }
        }
        Ok(changed.then(|| v.to_string()))
    };
    let current: Option<String> = {
        use rusqlite::OptionalExtension;
        tx.query_row(
            "SELECT value FROM settings WHERE key = 'layout.current'",
            [],
            |r| r.get(0),
        )
        .optional()?
    };
    if let Some(new) = current.as_deref().map(map).transpose()?.flatten() {
        tx.execute(
            "UPDATE settings SET value = ?1 WHERE key = 'layout.current'",
            [new],
        )?;
    }
    let named: Vec<(String, String)> = {
        let mut stmt = tx.prepare("SELECT name, layout_json FROM layouts")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (name, json) in named {
        if let Some(new) = map(&json)? {
            tx.execute(
                "UPDATE layouts SET layout_json = ?2 WHERE name = ?1",
                params![name, new],
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    /// A database as the previous release left it: two RTSP cameras, an
    /// ONVIF device with two cameras, layouts, a nearest-camera list, a case
    /// with its cameras, a footage job and its media.
    fn old_database() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        super::super::migrations::migrations_up_to(4)
            .to_latest(&mut c)
            .unwrap();
        c.execute_batch(
            r#"
INSERT INTO settings (key, value) VALUES ('site_time_zone', 'Europe/Berlin');
INSERT INTO sites (id, name, kind, time_zone, created_at_ms) VALUES ('rtsp', 'rtsp', 'rtsp', 'UTC', 1);
INSERT INTO cameras (id, site_id, name, main_url, sub_url, username, transport, ptz, created_at_ms) VALUES
  ('cam-1', 'rtsp', 'Gate', 'rtsp://10.0.0.1/main', 'rtsp://10.0.0.1/sub', 'op', 'udp', 0, 2),
  ('cam-2', 'rtsp', 'Dock', 'rtsp://10.0.0.2/main', NULL, NULL, 'tcp', 0, 3);
INSERT INTO sites (id, name, kind, time_zone, created_at_ms) VALUES ('onvif-1', 'Axis Q', 'onvif', 'UTC', 4);
INSERT INTO onvif_devices (id, name, address, username, manufacturer, model, created_at_ms) VALUES
  ('onvif-1', 'Axis Q', 'http://10.0.0.9', 'admin', 'Axis', 'Q6075', 4);
INSERT INTO onvif_cameras (id, device_id, name, video_source, main_profile, main_width, main_height, main_codec, main_uri, sub_profile, sub_width, sub_height, sub_codec, sub_uri, ptz, created_at_ms) VALUES
  ('onvif-1-1', 'onvif-1', 'Axis Q 1', 'VideoSource_1', 'p1', 1920, 1080, 'H264', 'rtsp://10.0.0.9/1', 'p1s', 640, 360, 'H264', NULL, 1, 5),
  ('onvif-1-2', 'onvif-1', 'Axis Q 2', 'VideoSource_2', 'p2', 1280, 720, 'H265', NULL, NULL, NULL, NULL, NULL, NULL, 0, 6);
INSERT INTO layouts (name, layout_json, updated_at_ms) VALUES
  ('Night', '{"grid":4,"tiles":["onvif-1-2",null,"cam-1","demo-1"]}', 7);
INSERT INTO settings (key, value) VALUES ('layout.current', '{"grid":1,"tiles":["cam-2"]}');
INSERT INTO equipment (id, name, kind, tag, created_at_ms) VALUES ('door-1', 'Door', 'door', 'D1', 8);
INSERT INTO nearest_cameras (equipment_id, camera_id, position) VALUES
  ('door-1', 'cam-1', 0), ('door-1', 'onvif-1-1', 1), ('cam-2', 'cam-1', 0);
INSERT INTO footage_site_settings (site_id, start_offset_ms, end_offset_ms, clock_offset_ms, recording_lag_ms) VALUES ('rtsp', 5000, 6000, 0, 1000);
INSERT INTO cases (id, number, title, event_ms, equipment_id, equipment_kind, equipment_name, created_at_ms, updated_at_ms) VALUES
  ('case-1', 1, 'Door forced', 100, 'cam-2', 'camera', 'Dock', 9, 9);
INSERT INTO case_cameras (case_id, camera_id, camera_name, role, position) VALUES
  ('case-1', 'cam-2', 'Dock', 'equipment', 0), ('case-1', 'onvif-1-1', 'Axis Q 1', 'nearest', 1);
INSERT INTO footage_jobs (id, case_id, camera_id, kind, site_id, event_ms, window_start_ms, window_end_ms, status, due_at_ms, first_due_at_ms, created_at_ms, updated_at_ms) VALUES
  (1, 'case-1', 'cam-2', 'clip', 'rtsp', 100, 50, 150, 'done', 0, 0, 9, 9);
INSERT INTO case_media (job_id, case_id, camera_id, kind, path, sha256, bytes, method, source, created_at_ms) VALUES
  (1, 'case-1', 'cam-2', 'clip', '/m/a.mp4', 'ab', 10, 'stream_copy', 'x', 9);
"#,
        )
        .unwrap();
        c
    }

    fn col(c: &Connection, sql: &str) -> Vec<String> {
        let mut s = c.prepare(sql).unwrap();
        let rows = s.query_map([], |r| r.get::<_, String>(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn the_old_schema_moves_to_sites_with_nothing_lost() {
        let mut c = old_database();
        super::super::migrations::migrations()
            .to_latest(&mut c)
            .unwrap();
        assert_eq!(
            col(&c, "SELECT id || ' ' || kind || ' ' || name || ' ' || address || ' ' || time_zone FROM sites ORDER BY created_at_ms"),
            [
                "rtsp-1 rtsp Gate rtsp://10.0.0.1/main Europe/Berlin",
                "rtsp-2 rtsp Dock rtsp://10.0.0.2/main Europe/Berlin",
                "onvif-1 onvif Axis Q http://10.0.0.9 Europe/Berlin"
            ]
        );
        assert_eq!(
            col(&c, "SELECT settings_json FROM sites WHERE id = 'rtsp-1'"),
            [r#"{"sub_url":"rtsp://10.0.0.1/sub","transport":"udp"}"#]
        );
        assert_eq!(
            col(
                &c,
                "SELECT COALESCE(username, '-') FROM sites ORDER BY created_at_ms"
            ),
            ["op", "-", "admin"]
        );
        assert_eq!(
            col(&c, "SELECT id FROM site_cameras ORDER BY id"),
            [
                "onvif-1-VideoSource_1",
                "onvif-1-VideoSource_2",
                "rtsp-1-1",
                "rtsp-2-1"
            ]
        );
        // the ONVIF camera keeps its profiles, sizes, URIs and PTZ
        let extra = col(
            &c,
            "SELECT extra_json FROM site_cameras WHERE id = 'onvif-1-VideoSource_1'",
        );
        let v: serde_json::Value = serde_json::from_str(&extra[0]).unwrap();
        assert_eq!(v["main"]["uri"], "rtsp://10.0.0.9/1");
        assert_eq!(v["sub"]["width"], 640);
        assert_eq!(v["ptz"], true);
        // layouts, nearest cameras, cases, jobs and media use the new ids
        assert_eq!(
            col(&c, "SELECT layout_json FROM layouts"),
            [r#"{"grid":4,"tiles":["onvif-1-VideoSource_2",null,"rtsp-1-1","demo-1"]}"#]
        );
        assert_eq!(
            col(
                &c,
                "SELECT value FROM settings WHERE key = 'layout.current'"
            ),
            [r#"{"grid":1,"tiles":["rtsp-2-1"]}"#]
        );
        assert_eq!(
            col(&c, "SELECT equipment_id || '>' || camera_id FROM nearest_cameras ORDER BY equipment_id, position"),
            ["door-1>rtsp-1-1", "door-1>onvif-1-VideoSource_1", "rtsp-2-1>rtsp-1-1"]
        );
        assert_eq!(col(&c, "SELECT equipment_id FROM cases"), ["rtsp-2-1"]);
        assert_eq!(
            col(&c, "SELECT camera_id FROM case_cameras ORDER BY position"),
            ["rtsp-2-1", "onvif-1-VideoSource_1"]
        );
        assert_eq!(
            col(&c, "SELECT camera_id || ' ' || site_id FROM footage_jobs"),
            ["rtsp-2-1 rtsp-2"]
        );
        assert_eq!(col(&c, "SELECT camera_id FROM case_media"), ["rtsp-2-1"]);
        assert_eq!(
            col(
                &c,
                "SELECT site_id FROM footage_site_settings ORDER BY site_id"
            ),
            ["rtsp", "rtsp-1", "rtsp-2"]
        );
        // keyring entries to move at the next start
        assert_eq!(
            col(
                &c,
                "SELECT old_account || '>' || new_account FROM keyring_moves ORDER BY old_account"
            ),
            [
                "camera/cam-1>site/rtsp-1",
                "camera/cam-2>site/rtsp-2",
                "camera/onvif-1>site/onvif-1"
            ]
        );
        // the old tables are gone, and the store reads the result
        assert!(col(&c, "SELECT name FROM sqlite_master WHERE name IN ('cameras', 'onvif_cameras', 'onvif_devices')").is_empty());
    }

    #[test]
    fn the_store_serves_migrated_sites_and_new_ids_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        {
            let old = old_database();
            old.execute("VACUUM INTO ?1", [path.to_str().unwrap()])
                .unwrap();
        }
        let store = crate::store::Store::open(&path).unwrap();
        assert_eq!(store.sites().unwrap().len(), 3);
        let cams = store.site_cameras(Some("onvif-1")).unwrap();
        assert_eq!(cams.len(), 2);
        assert!(cams[0].record.ptz && cams[0].record.capabilities.ptz.continuous);
        assert_eq!(store.next_site_id("rtsp").unwrap(), "rtsp-3");
        assert_eq!(store.next_site_id("onvif").unwrap(), "onvif-4");
    }
}
