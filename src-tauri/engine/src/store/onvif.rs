//! ONVIF devices and the cameras made of their profiles. No secrets: the
//! device password lives in the OS keyring under `camera/<device id>`.
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{now_ms, q, Store, StoreError};

/// A stored ONVIF device (also a site of kind `onvif`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnvifDeviceRow {
    pub id: String,
    pub name: String,
    /// `http://host:port`, no credentials.
    pub address: String,
    pub username: Option<String>,
    pub manufacturer: String,
    pub model: String,
}

/// One stream of an ONVIF camera: its profile and what it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnvifStream {
    pub profile: String,
    pub width: u32,
    pub height: u32,
    pub codec: String,
    /// The last stream URI the device gave (no credentials), a fallback
    /// when GetStreamUri cannot be asked at open time.
    pub uri: Option<String>,
}

/// A camera: one video source of a device, with a main and maybe a sub profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OnvifCameraRow {
    pub id: String,
    pub device_id: String,
    pub name: String,
    pub video_source: String,
    pub main: OnvifStream,
    pub sub: Option<OnvifStream>,
    pub ptz: bool,
}

const DEV_COLS: &str = "id, name, address, username, manufacturer, model";
const CAM_COLS: &str = "id, device_id, name, video_source, main_profile, main_width, main_height, main_codec, main_uri, sub_profile, sub_width, sub_height, sub_codec, sub_uri, ptz";

fn dev_row(r: &Row<'_>) -> rusqlite::Result<OnvifDeviceRow> {
    Ok(OnvifDeviceRow {
        id: r.get(0)?,
        name: r.get(1)?,
        address: r.get(2)?,
        username: r.get(3)?,
        manufacturer: r.get(4)?,
        model: r.get(5)?,
    })
}

fn cam_row(r: &Row<'_>) -> rusqlite::Result<OnvifCameraRow> {
    let sub_profile: Option<String> = r.get(9)?;
    Ok(OnvifCameraRow {
        id: r.get(0)?,
        device_id: r.get(1)?,
        name: r.get(2)?,
        video_source: r.get(3)?,
        main: OnvifStream {
            profile: r.get(4)?,
            width: r.get(5)?,
            height: r.get(6)?,
            codec: r.get(7)?,
            uri: r.get(8)?,
        },
        sub: match sub_profile {
            Some(profile) => Some(OnvifStream {
                profile,
                width: r.get(10)?,
                height: r.get(11)?,
                codec: r.get(12)?,
                uri: r.get(13)?,
            }),
            None => None,
        },
        ptz: r.get(14)?,
    })
}

impl Store {
    /// Stores a device and its cameras in one transaction; ids are assigned
    /// here (`onvif-N`, `onvif-N-K`) and returned in the rows.
    pub fn insert_onvif_device(
        &self,
        dev: &OnvifDeviceRow,
        cams: &[OnvifCameraRow],
    ) -> Result<(OnvifDeviceRow, Vec<OnvifCameraRow>), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q("begin"))?;
        let n: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(CAST(substr(id, 7) AS INTEGER)), 0) FROM onvif_devices",
                [],
                |r| r.get(0),
            )
            .map_err(q("next device id"))?;
        let id = format!("onvif-{}", n + 1);
        let now = now_ms();
        tx.execute(
            "INSERT INTO sites (id, name, kind, time_zone, created_at_ms) VALUES (?1, ?2, 'onvif', 'UTC', ?3)",
            params![id, dev.name, now],
        )
        .map_err(q("insert site"))?;
        tx.execute(
            "INSERT INTO onvif_devices (id, name, address, username, manufacturer, model, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, dev.name, dev.address, dev.username, dev.manufacturer, dev.model, now],
        )
        .map_err(q("insert onvif device"))?;
        let mut out = Vec::new();
        for (k, c) in cams.iter().enumerate() {
            let cid = format!("{id}-{}", k + 1);
            let s = c.sub.as_ref();
            tx.execute(
                &format!("INSERT INTO onvif_cameras ({CAM_COLS}, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
                params![
                    cid, id, c.name, c.video_source,
                    c.main.profile, c.main.width, c.main.height, c.main.codec, c.main.uri,
                    s.map(|s| &s.profile), s.map(|s| s.width), s.map(|s| s.height), s.map(|s| &s.codec), s.and_then(|s| s.uri.as_ref()),
                    c.ptz, now
                ],
            )
            .map_err(q("insert onvif camera"))?;
            out.push(OnvifCameraRow {
                id: cid,
                device_id: id.clone(),
                ..c.clone()
            });
        }
        tx.commit().map_err(q("commit"))?;
        Ok((OnvifDeviceRow { id, ..dev.clone() }, out))
    }

    pub fn onvif_devices(&self) -> Result<Vec<OnvifDeviceRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {DEV_COLS} FROM onvif_devices ORDER BY created_at_ms, id"
            ))
            .map_err(q("list onvif devices"))?;
        let rows = stmt
            .query_map([], dev_row)
            .map_err(q("list onvif devices"))?;
        rows.collect::<Result<_, _>>()
            .map_err(q("list onvif devices"))
    }

    pub fn onvif_device(&self, id: &str) -> Result<Option<OnvifDeviceRow>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {DEV_COLS} FROM onvif_devices WHERE id = ?1"),
                [id],
                dev_row,
            )
            .optional()
            .map_err(q("read onvif device"))
    }

    pub fn onvif_cameras(&self) -> Result<Vec<OnvifCameraRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {CAM_COLS} FROM onvif_cameras ORDER BY created_at_ms, id"
            ))
            .map_err(q("list onvif cameras"))?;
        let rows = stmt
            .query_map([], cam_row)
            .map_err(q("list onvif cameras"))?;
        rows.collect::<Result<_, _>>()
            .map_err(q("list onvif cameras"))
    }

    pub fn onvif_camera(&self, id: &str) -> Result<Option<OnvifCameraRow>, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {CAM_COLS} FROM onvif_cameras WHERE id = ?1"),
                [id],
                cam_row,
            )
            .optional()
            .map_err(q("read onvif camera"))
    }

    /// Deletes a camera; returns whether its device has no cameras left.
    pub fn delete_onvif_camera(&self, id: &str) -> Result<bool, StoreError> {
        let conn = self.conn();
        let device: Option<String> = conn
            .query_row(
                "SELECT device_id FROM onvif_cameras WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(q("read onvif camera"))?;
        let device = device.ok_or_else(|| StoreError::NotFound {
            what: "camera",
            id: id.to_string(),
        })?;
        conn.execute("DELETE FROM onvif_cameras WHERE id = ?1", [id])
            .map_err(q("delete onvif camera"))?;
        let left: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM onvif_cameras WHERE device_id = ?1",
                [&device],
                |r| r.get(0),
            )
            .map_err(q("count onvif cameras"))?;
        Ok(left == 0)
    }

    /// Deletes a device, its cameras and its site row.
    pub fn delete_onvif_device(&self, id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q("begin"))?;
        let n = tx
            .execute("DELETE FROM onvif_devices WHERE id = ?1", [id])
            .map_err(q("delete onvif device"))?;
        tx.execute("DELETE FROM sites WHERE id = ?1", [id])
            .map_err(q("delete site"))?;
        tx.commit().map_err(q("commit"))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "ONVIF device",
                id: id.to_string(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(p: &str) -> OnvifStream {
        OnvifStream {
            profile: p.into(),
            width: 640,
            height: 360,
            codec: "H264".into(),
            uri: Some(format!("rtsp://h/{p}")),
        }
    }

    #[test]
    fn devices_and_cameras_round_trip_and_cascade() {
        let s = Store::open_in_memory().unwrap();
        let dev = OnvifDeviceRow {
            id: String::new(),
            name: "Yard".into(),
            address: "http://127.0.0.1:8080".into(),
            username: Some("admin".into()),
            manufacturer: "M".into(),
            model: "X".into(),
        };
        let cam = OnvifCameraRow {
            id: String::new(),
            device_id: String::new(),
            name: "Yard".into(),
            video_source: "vs0".into(),
            main: stream("main"),
            sub: Some(stream("sub")),
            ptz: true,
        };
        let (d, cams) = s
            .insert_onvif_device(&dev, &[cam.clone(), OnvifCameraRow { sub: None, ..cam }])
            .unwrap();
        assert_eq!(d.id, "onvif-1");
        assert_eq!(cams[1].id, "onvif-1-2");
        assert_eq!(s.onvif_cameras().unwrap(), cams);
        assert_eq!(s.onvif_camera("onvif-1-2").unwrap().unwrap().sub, None);
        assert!(!s.delete_onvif_camera("onvif-1-1").unwrap());
        assert!(s.delete_onvif_camera("onvif-1-2").unwrap());
        assert!(s.delete_onvif_camera("onvif-1-2").is_err());
        let (d2, _) = s.insert_onvif_device(&dev, &[]).unwrap();
        assert_eq!(d2.id, "onvif-2");
        s.delete_onvif_device("onvif-1").unwrap();
        assert_eq!(s.onvif_devices().unwrap().len(), 1);
        assert!(s.delete_onvif_device("onvif-1").is_err());
    }
}
