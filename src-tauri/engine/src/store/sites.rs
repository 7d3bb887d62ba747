//! Sites and the cameras their VMS listed (the cache the camera list is
//! served from). No secrets: a site's password is in the OS keyring under
//! `site/<id>`.
use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::{now_ms, q, Store, StoreError};
use crate::vms::site::{camera_id, CameraRecord, SiteCamera, SiteInfo};

const SITE_COLS: &str =
    "id, kind, name, address, time_zone, username, tls_pin, settings_json, created_at_ms";
const CAM_COLS: &str =
    "id, site_id, vms_ref, name, ptz, streams_json, capabilities_json, extra_json";

fn corrupt(what: &'static str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{what}: {e}").into(),
    )
}

fn site_row(r: &Row<'_>) -> rusqlite::Result<SiteInfo> {
    let settings: String = r.get(7)?;
    let options: BTreeMap<String, String> =
        serde_json::from_str(&settings).map_err(|e| corrupt("site settings", e))?;
    Ok(SiteInfo {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        address: r.get(3)?,
        time_zone: r.get(4)?,
        user: r.get(5)?,
        tls_pin: r.get(6)?,
        options,
        created_ms: r.get(8)?,
    })
}

fn cam_row(r: &Row<'_>) -> rusqlite::Result<SiteCamera> {
    let json = |i: usize, what: &'static str| -> rusqlite::Result<serde_json::Value> {
        let s: String = r.get(i)?;
        serde_json::from_str(&s).map_err(|e| corrupt(what, e))
    };
    let streams = serde_json::from_value(json(5, "camera streams")?)
        .map_err(|e| corrupt("camera streams", e))?;
    let capabilities = serde_json::from_value(json(6, "camera capabilities")?)
        .map_err(|e| corrupt("camera capabilities", e))?;
    Ok(SiteCamera {
        id: r.get(0)?,
        site_id: r.get(1)?,
        record: CameraRecord {
            vms_ref: r.get(2)?,
            name: r.get(3)?,
            ptz: r.get(4)?,
            streams,
            capabilities,
            extra: json(7, "camera data")?,
        },
    })
}

/// Writes a site row (insert or replace by id) inside a transaction.
pub(crate) fn put_site(tx: &Transaction<'_>, s: &SiteInfo) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO sites (id, kind, name, address, time_zone, username, tls_pin, settings_json, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name = excluded.name,
           address = excluded.address, time_zone = excluded.time_zone, username = excluded.username,
           tls_pin = excluded.tls_pin, settings_json = excluded.settings_json",
        params![
            s.id,
            s.kind,
            s.name,
            s.address,
            s.time_zone,
            s.user,
            s.tls_pin,
            serde_json::to_string(&s.options).expect("options serialize"),
            s.created_ms
        ],
    )?;
    Ok(())
}

/// Replaces a site's cameras with `cams` (ids derived, so unchanged cameras
/// keep theirs) inside a transaction; returns them in the VMS's order.
pub(crate) fn put_cameras(
    tx: &Transaction<'_>,
    site_id: &str,
    cams: &[CameraRecord],
) -> rusqlite::Result<Vec<SiteCamera>> {
    let now = now_ms();
    let mut out = Vec::with_capacity(cams.len());
    let mut seen = std::collections::HashSet::new();
    for (pos, c) in cams.iter().enumerate() {
        if !seen.insert(c.vms_ref.clone()) {
            continue; // a VMS listing one camera twice
        }
        let id = camera_id(site_id, &c.vms_ref);
        tx.execute(
            "INSERT INTO site_cameras (id, site_id, vms_ref, name, ptz, streams_json, capabilities_json, extra_json, position, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, ptz = excluded.ptz,
               streams_json = excluded.streams_json, capabilities_json = excluded.capabilities_json,
               extra_json = excluded.extra_json, position = excluded.position, updated_at_ms = excluded.updated_at_ms",
            params![
                id,
                site_id,
                c.vms_ref,
                c.name,
                c.ptz,
                serde_json::to_string(&c.streams).expect("streams serialize"),
                serde_json::to_string(&c.capabilities).expect("capabilities serialize"),
                serde_json::to_string(&c.extra).expect("extra serializes"),
                pos as i64,
                now
            ],
        )?;
        out.push(SiteCamera {
            id,
            site_id: site_id.to_string(),
            record: c.clone(),
        });
    }
    // cameras the VMS no longer lists leave the cache (their ids come back
    // unchanged if they reappear)
    let keep: Vec<String> = out.iter().map(|c| c.id.clone()).collect();
    let existing: Vec<String> = {
        let mut stmt = tx.prepare("SELECT id FROM site_cameras WHERE site_id = ?1")?;
        let rows = stmt.query_map([site_id], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for id in existing.into_iter().filter(|id| !keep.contains(id)) {
        tx.execute("DELETE FROM site_cameras WHERE id = ?1", [&id])?;
    }
    Ok(out)
}

impl Store {
    /// A new site id `<kind>-<n>`; `n` never repeats, even after removals.
    pub fn next_site_id(&self, kind: &str) -> Result<String, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q("begin"))?;
        let n: i64 = tx
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'site_seq'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(q("site sequence"))?
            .unwrap_or(0);
        let mut n = n + 1;
        // never collide with a site that exists (e.g. moved by a migration)
        while tx
            .query_row(
                "SELECT 1 FROM sites WHERE id = ?1",
                [format!("{kind}-{n}")],
                |_| Ok(()),
            )
            .optional()
            .map_err(q("site id"))?
            .is_some()
        {
            n += 1;
        }
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('site_seq', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [n.to_string()],
        )
        .map_err(q("site sequence"))?;
        tx.commit().map_err(q("commit"))?;
        Ok(format!("{kind}-{n}"))
    }

    /// Stores a site and its cameras in one transaction.
    pub fn save_site(
        &self,
        site: &SiteInfo,
        cams: &[CameraRecord],
    ) -> Result<Vec<SiteCamera>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q("begin"))?;
        put_site(&tx, site).map_err(q("save site"))?;
        let out = put_cameras(&tx, &site.id, cams).map_err(q("save site cameras"))?;
        tx.commit().map_err(q("commit"))?;
        Ok(out)
    }

    /// Updates a site's row only.
    pub fn update_site(&self, site: &SiteInfo) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q("begin"))?;
        put_site(&tx, site).map_err(q("update site"))?;
        tx.commit().map_err(q("commit"))
    }

    /// Replaces the cached camera list of a stored site.
    pub fn save_site_cameras(
        &self,
        site_id: &str,
        cams: &[CameraRecord],
    ) -> Result<Vec<SiteCamera>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q("begin"))?;
        let out = put_cameras(&tx, site_id, cams).map_err(q("save site cameras"))?;
        tx.commit().map_err(q("commit"))?;
        Ok(out)
    }

    pub fn sites(&self) -> Result<Vec<SiteInfo>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {SITE_COLS} FROM sites ORDER BY created_at_ms, id"
            ))
            .map_err(q("list sites"))?;
        let rows = stmt.query_map([], site_row).map_err(q("list sites"))?;
        rows.collect::<Result<_, _>>().map_err(q("list sites"))
    }

    pub fn site(&self, id: &str) -> Result<Option<SiteInfo>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {SITE_COLS} FROM sites WHERE id = ?1"),
                [id],
                site_row,
            )
            .optional()
            .map_err(q("read site"))
    }

    /// Every stored camera, by site then the VMS's order.
    pub fn site_cameras(&self, site_id: Option<&str>) -> Result<Vec<SiteCamera>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {CAM_COLS} FROM site_cameras WHERE ?1 IS NULL OR site_id = ?1
                 ORDER BY (SELECT created_at_ms FROM sites WHERE sites.id = site_id), site_id, position"
            ))
            .map_err(q("list site cameras"))?;
        let rows = stmt
            .query_map([site_id], cam_row)
            .map_err(q("list site cameras"))?;
        rows.collect::<Result<_, _>>()
            .map_err(q("list site cameras"))
    }

    /// Removes a site and its cameras.
    pub fn delete_site(&self, id: &str) -> Result<(), StoreError> {
        let n = self
            .conn()
            .execute("DELETE FROM sites WHERE id = ?1", [id])
            .map_err(q("delete site"))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "site",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// Keyring entries a migration asked to move (old account, new account).
    pub fn keyring_moves(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT old_account, new_account FROM keyring_moves ORDER BY old_account")
            .map_err(q("keyring moves"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(q("keyring moves"))?;
        rows.collect::<Result<_, _>>().map_err(q("keyring moves"))
    }

    pub fn keyring_move_done(&self, old_account: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "DELETE FROM keyring_moves WHERE old_account = ?1",
                [old_account],
            )
            .map_err(q("keyring move done"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vms::{Capabilities, StreamInfo, StreamKind};

    fn site(id: &str) -> SiteInfo {
        SiteInfo {
            id: id.into(),
            kind: "rtsp".into(),
            name: "Gate".into(),
            address: "rtsp://10.0.0.1/main".into(),
            time_zone: "Europe/Berlin".into(),
            user: Some("admin".into()),
            tls_pin: None,
            options: [("transport".to_string(), "udp".to_string())].into(),
            created_ms: 1,
        }
    }

    fn cam(r: &str, name: &str) -> CameraRecord {
        CameraRecord {
            vms_ref: r.into(),
            name: name.into(),
            ptz: false,
            streams: vec![StreamInfo {
                kind: StreamKind::Main,
                width: 1920,
                height: 1080,
                codec: "h264".into(),
            }],
            capabilities: Capabilities::live_only(),
            extra: serde_json::json!({"url": "rtsp://10.0.0.1/main"}),
        }
    }

    #[test]
    fn sites_and_cameras_round_trip_and_relisting_keeps_ids() {
        let s = Store::open_in_memory().unwrap();
        let id = s.next_site_id("rtsp").unwrap();
        assert_eq!(id, "rtsp-1");
        let cams = s
            .save_site(&site(&id), &[cam("1", "A"), cam("2", "B")])
            .unwrap();
        assert_eq!(cams[0].id, "rtsp-1-1");
        assert_eq!(s.sites().unwrap(), vec![site(&id)]);
        assert_eq!(s.site_cameras(None).unwrap(), cams);
        // re-listed: B renamed, A gone, C new; B keeps its id
        let again = s
            .save_site_cameras(&id, &[cam("2", "B2"), cam("3", "C")])
            .unwrap();
        assert_eq!(again[0].id, cams[1].id);
        let stored = s.site_cameras(Some(&id)).unwrap();
        assert_eq!(
            stored
                .iter()
                .map(|c| c.record.name.as_str())
                .collect::<Vec<_>>(),
            ["B2", "C"]
        );
        s.delete_site(&id).unwrap();
        assert!(s.site_cameras(None).unwrap().is_empty(), "cascade");
        // ids never repeat after a removal
        assert_eq!(s.next_site_id("rtsp").unwrap(), "rtsp-2");
    }
}
