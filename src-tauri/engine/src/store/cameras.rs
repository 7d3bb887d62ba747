//! Camera rows of configured (non-demo) sites.
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use super::{now_ms, q, Store, StoreError};
use crate::media::rtsp_input::Transport;

/// A stored camera. URLs carry no credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraRow {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub main_url: String,
    pub sub_url: Option<String>,
    pub username: Option<String>,
    pub transport: Transport,
    pub ptz: bool,
}

/// What adding a camera needs (the password goes to the keyring, not here).
#[derive(Debug, Clone)]
pub struct NewCamera {
    pub site_id: String,
    pub site_kind: String,
    pub time_zone: String,
    pub name: String,
    pub main_url: String,
    pub sub_url: Option<String>,
    pub username: Option<String>,
    pub transport: Transport,
}

fn row(r: &Row<'_>) -> rusqlite::Result<CameraRow> {
    let transport: String = r.get(6)?;
    Ok(CameraRow {
        id: r.get(0)?,
        site_id: r.get(1)?,
        name: r.get(2)?,
        main_url: r.get(3)?,
        sub_url: r.get(4)?,
        username: r.get(5)?,
        transport: if transport == "udp" {
            Transport::Udp
        } else {
            Transport::Tcp
        },
        ptz: r.get(7)?,
    })
}

const COLS: &str = "id, site_id, name, main_url, sub_url, username, transport, ptz";

impl Store {
    /// Inserts a camera (and its site if new) and returns its id.
    pub fn insert_camera(&self, cam: &NewCamera) -> Result<CameraRow, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q("begin"))?;
        tx.execute(
            "INSERT OR IGNORE INTO sites (id, name, kind, time_zone, created_at_ms) VALUES (?1, ?1, ?2, ?3, ?4)",
            params![cam.site_id, cam.site_kind, cam.time_zone, now_ms()],
        )
        .map_err(q("insert site"))?;
        let n: i64 = tx
            .query_row("SELECT COALESCE(MAX(CAST(substr(id, 5) AS INTEGER)), 0) FROM cameras WHERE id LIKE 'cam-%'", [], |r| r.get(0))
            .map_err(q("next camera id"))?;
        let id = format!("cam-{}", n + 1);
        tx.execute(
            "INSERT INTO cameras (id, site_id, name, main_url, sub_url, username, transport, ptz, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
            params![id, cam.site_id, cam.name, cam.main_url, cam.sub_url, cam.username, cam.transport.as_str(), now_ms()],
        )
        .map_err(q("insert camera"))?;
        let out = tx
            .query_row(
                &format!("SELECT {COLS} FROM cameras WHERE id = ?1"),
                [&id],
                row,
            )
            .map_err(q("read camera"))?;
        tx.commit().map_err(q("commit"))?;
        Ok(out)
    }

    pub fn cameras(&self) -> Result<Vec<CameraRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLS} FROM cameras ORDER BY created_at_ms, id"
            ))
            .map_err(q("list cameras"))?;
        let rows = stmt.query_map([], row).map_err(q("list cameras"))?;
        rows.collect::<Result<_, _>>().map_err(q("list cameras"))
    }

    pub fn camera(&self, id: &str) -> Result<Option<CameraRow>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {COLS} FROM cameras WHERE id = ?1"),
                [id],
                row,
            )
            .optional()
            .map_err(q("read camera"))
    }

    pub fn delete_camera(&self, id: &str) -> Result<(), StoreError> {
        let n = self
            .conn()
            .execute("DELETE FROM cameras WHERE id = ?1", [id])
            .map_err(q("delete camera"))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "camera",
                id: id.to_string(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_cam(name: &str) -> NewCamera {
        NewCamera {
            site_id: "rtsp".into(),
            site_kind: "rtsp".into(),
            time_zone: "UTC".into(),
            name: name.into(),
            main_url: "rtsp://10.1.1.1/main".into(),
            sub_url: Some("rtsp://10.1.1.1/sub".into()),
            username: Some("admin".into()),
            transport: Transport::Udp,
        }
    }

    #[test]
    fn cameras_round_trip_and_delete() {
        let s = Store::open_in_memory().unwrap();
        let a = s.insert_camera(&new_cam("Gate")).unwrap();
        let b = s.insert_camera(&new_cam("Dock")).unwrap();
        assert_ne!(a.id, b.id);
        assert_eq!(s.cameras().unwrap(), vec![a.clone(), b.clone()]);
        assert_eq!(s.camera(&a.id).unwrap().unwrap().transport, Transport::Udp);
        s.delete_camera(&a.id).unwrap();
        assert!(matches!(
            s.delete_camera(&a.id),
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(s.cameras().unwrap(), vec![b]);
    }

    #[test]
    fn file_database_persists_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/vigil.db");
        let id = Store::open(&path)
            .unwrap()
            .insert_camera(&new_cam("Gate"))
            .unwrap()
            .id;
        let again = Store::open(&path).unwrap();
        assert_eq!(again.camera(&id).unwrap().unwrap().name, "Gate");
        let mode: String = again
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
