//! Equipment that is not a camera (doors, sensors, ...) and the editable,
//! persisted nearest-camera list of any equipment (asset or camera).
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::CaseError;
use crate::store::{now_ms, q, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Equipment {
    pub id: String,
    pub name: String,
    /// `door`, `sensor`, ... (cameras are equipment by their camera id).
    pub kind: String,
    /// The site's equipment tag (e.g. `DOOR-B2-07`).
    pub tag: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewEquipment {
    pub id: String,
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub tag: String,
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

impl Store {
    /// Adds or renames an asset.
    pub fn upsert_equipment(&self, e: &NewEquipment) -> Result<Equipment, CaseError> {
        let (id, name, kind) = (e.id.trim(), e.name.trim(), e.kind.trim().to_lowercase());
        if !valid_id(id) {
            return Err(CaseError::Invalid(format!(
                "equipment id {id:?}: 1-64 letters, digits, - _ . :"
            )));
        }
        if name.is_empty() || kind.is_empty() || kind == "camera" {
            return Err(CaseError::Invalid(
                "equipment needs a name and a kind other than camera (cameras come from sites)"
                    .into(),
            ));
        }
        self.conn()
            .execute(
                "INSERT INTO equipment (id, name, kind, tag, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, tag = excluded.tag",
                params![id, name, kind, e.tag.trim(), now_ms()],
            )
            .map_err(q("upsert equipment"))?;
        Ok(Equipment {
            id: id.into(),
            name: name.into(),
            kind,
            tag: e.tag.trim().into(),
        })
    }

    pub fn equipment(&self, id: &str) -> Result<Option<Equipment>, CaseError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, name, kind, tag FROM equipment WHERE id = ?1",
                [id],
                |r| {
                    Ok(Equipment {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        kind: r.get(2)?,
                        tag: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(q("read equipment"))?)
    }

    pub fn list_equipment(&self) -> Result<Vec<Equipment>, CaseError> {
        let conn = self.conn();
        let mut st = conn
            .prepare("SELECT id, name, kind, tag FROM equipment ORDER BY name, id")
            .map_err(q("list equipment"))?;
        let rows = st
            .query_map([], |r| {
                Ok(Equipment {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    kind: r.get(2)?,
                    tag: r.get(3)?,
                })
            })
            .map_err(q("list equipment"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(q("list equipment"))?;
        Ok(rows)
    }

    pub fn delete_equipment(&self, id: &str) -> Result<(), CaseError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q("begin"))?;
        tx.execute("DELETE FROM nearest_cameras WHERE equipment_id = ?1", [id])
            .map_err(q("delete nearest"))?;
        tx.execute("DELETE FROM equipment WHERE id = ?1", [id])
            .map_err(q("delete equipment"))?;
        tx.commit().map_err(q("commit"))?;
        Ok(())
    }

    /// The equipment's nearest cameras, in the order the operator set.
    pub fn nearest_cameras(&self, equipment_id: &str) -> Result<Vec<String>, CaseError> {
        let conn = self.conn();
        let mut st = conn
            .prepare(
                "SELECT camera_id FROM nearest_cameras WHERE equipment_id = ?1 ORDER BY position",
            )
            .map_err(q("nearest cameras"))?;
        let rows = st
            .query_map([equipment_id], |r| r.get(0))
            .map_err(q("nearest cameras"))?
            .collect::<Result<Vec<String>, _>>()
            .map_err(q("nearest cameras"))?;
        Ok(rows)
    }

    /// Replaces the nearest-camera list (duplicates and the equipment itself dropped).
    pub fn set_nearest_cameras(
        &self,
        equipment_id: &str,
        cameras: &[String],
    ) -> Result<Vec<String>, CaseError> {
        let list = dedup(
            cameras
                .iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty() && c != equipment_id),
        );
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(q("begin"))?;
        tx.execute(
            "DELETE FROM nearest_cameras WHERE equipment_id = ?1",
            [equipment_id],
        )
        .map_err(q("clear nearest"))?;
        for (i, c) in list.iter().enumerate() {
            tx.execute(
                "INSERT INTO nearest_cameras (equipment_id, camera_id, position) VALUES (?1, ?2, ?3)",
                params![equipment_id, c, i as i64],
            )
            .map_err(q("insert nearest"))?;
        }
        tx.commit().map_err(q("commit"))?;
        Ok(list)
    }
}

/// Keeps the first occurrence of each item, in order.
pub(crate) fn dedup(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|c| seen.insert(c.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_lists_persist_without_duplicates() {
        let s = Store::open_in_memory().unwrap();
        s.upsert_equipment(&NewEquipment {
            id: "door-7".into(),
            name: "Door 7".into(),
            kind: "Door".into(),
            tag: "D-B2-07".into(),
        })
        .unwrap();
        let l = s
            .set_nearest_cameras(
                "door-7",
                &["demo-2".into(), "demo-1".into(), "demo-2".into()],
            )
            .unwrap();
        assert_eq!(l, ["demo-2", "demo-1"]);
        assert_eq!(s.nearest_cameras("door-7").unwrap(), ["demo-2", "demo-1"]);
        assert_eq!(s.equipment("door-7").unwrap().unwrap().kind, "door");
        assert!(s
            .upsert_equipment(&NewEquipment {
                id: "bad id".into(),
                name: "x".into(),
                kind: "door".into(),
                tag: String::new()
            })
            .is_err());
    }
}
