//! The live grid's current layout and named saved layouts.
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{now_ms, q, Store, StoreError};

/// A grid: 1, 4, 9 or 16 tiles, each showing a camera id or nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Layout {
    pub grid: u8,
    pub tiles: Vec<Option<String>>,
}

impl Layout {
    /// Checks the grid size and makes `tiles` exactly that long.
    pub fn normalized(mut self) -> Result<Self, String> {
        if ![1u8, 4, 9, 16].contains(&self.grid) {
            return Err(format!("grid must be 1, 4, 9 or 16, not {}", self.grid));
        }
        self.tiles.resize(self.grid as usize, None);
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct NamedLayout {
    pub name: String,
    pub layout: Layout,
}

const CURRENT: &str = "layout.current";

impl Store {
    pub fn current_layout(&self) -> Result<Option<Layout>, StoreError> {
        self.setting(CURRENT)?.map(|s| parse(&s)).transpose()
    }

    pub fn set_current_layout(&self, layout: &Layout) -> Result<(), StoreError> {
        self.set_setting(
            CURRENT,
            &serde_json::to_string(layout).expect("layout serializes"),
        )
    }

    pub fn named_layouts(&self) -> Result<Vec<NamedLayout>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT name, layout_json FROM layouts ORDER BY name COLLATE NOCASE")
            .map_err(q("list layouts"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(q("list layouts"))?;
        let mut out = Vec::new();
        for r in rows {
            let (name, json) = r.map_err(q("list layouts"))?;
            out.push(NamedLayout {
                name,
                layout: parse(&json)?,
            });
        }
        Ok(out)
    }

    pub fn save_named_layout(&self, name: &str, layout: &Layout) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO layouts (name, layout_json, updated_at_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT(name) DO UPDATE SET layout_json = excluded.layout_json, updated_at_ms = excluded.updated_at_ms",
                params![name, serde_json::to_string(layout).expect("layout serializes"), now_ms()],
            )
            .map_err(q("save layout"))?;
        Ok(())
    }

    pub fn delete_named_layout(&self, name: &str) -> Result<(), StoreError> {
        let n = self
            .conn()
            .execute("DELETE FROM layouts WHERE name = ?1", [name])
            .map_err(q("delete layout"))?;
        if n == 0 {
            return Err(StoreError::NotFound {
                what: "layout",
                id: name.to_string(),
            });
        }
        Ok(())
    }
}

fn parse(json: &str) -> Result<Layout, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        what: "layout",
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_persist() {
        let s = Store::open_in_memory().unwrap();
        assert_eq!(s.current_layout().unwrap(), None);
        let l = Layout {
            grid: 4,
            tiles: vec![Some("demo-1".into()), None, None, Some("cam-2".into())],
        };
        s.set_current_layout(&l).unwrap();
        assert_eq!(s.current_layout().unwrap(), Some(l.clone()));
        s.save_named_layout("Night", &l).unwrap();
        s.save_named_layout(
            "day",
            &Layout {
                grid: 1,
                tiles: vec![None],
            },
        )
        .unwrap();
        let names: Vec<_> = s
            .named_layouts()
            .unwrap()
            .into_iter()
            .map(|n| n.name)
            .collect();
        assert_eq!(names, ["day", "Night"]);
        s.delete_named_layout("Night").unwrap();
        assert!(s.delete_named_layout("Night").is_err());
        assert!(Layout {
            grid: 5,
            tiles: vec![]
        }
        .normalized()
        .is_err());
        assert_eq!(
            Layout {
                grid: 4,
                tiles: vec![]
            }
            .normalized()
            .unwrap()
            .tiles
            .len(),
            4
        );
    }

    #[test]
    fn corrupt_layout_is_an_error_not_a_panic() {
        let s = Store::open_in_memory().unwrap();
        s.set_setting(CURRENT, "{not json").unwrap();
        assert!(matches!(
            s.current_layout(),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
