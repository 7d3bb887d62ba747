//! Bookmarks: the operator marks the moment shown on a tile (live or
//! playback) with a note and an optional range. Stored in SQLite (table
//! `bookmarks`), listed and searched for the timeline and the bookmark list,
//! and a bookmark's range exported as a lossless clip (`engine_api`).
pub mod engine_api;

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, HasKind};
use crate::store::{q, Store, StoreError};

/// Longest note kept.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Longest bookmark range (a day, like a clip).
pub const MAX_RANGE_MS: i64 = 24 * 3600 * 1000;
/// Most bookmarks one listing returns.
pub const MAX_LIST: u32 = 1_000;

/// A stored bookmark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename_all = "camelCase")]
pub struct Bookmark {
    #[ts(type = "number")]
    pub id: i64,
    pub camera: String,
    /// The moment marked (the frame shown), UTC ms.
    #[ts(type = "number")]
    pub at_ms: i64,
    #[ts(type = "number | null")]
    pub from_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub to_ms: Option<i64>,
    pub note: String,
    #[ts(type = "number")]
    pub created_ms: i64,
}

/// A bookmark to add, as the UI's dialog and the CLI send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename_all = "camelCase")]
pub struct NewBookmark {
    pub camera: String,
    #[ts(type = "number")]
    pub at_ms: i64,
    #[serde(default)]
    #[ts(type = "number | null")]
    pub from_ms: Option<i64>,
    #[serde(default)]
    #[ts(type = "number | null")]
    pub to_ms: Option<i64>,
    #[serde(default)]
    pub note: String,
}

/// Which bookmarks to list: all by default, newest moment first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(rename_all = "camelCase")]
pub struct BookmarkFilter {
    /// Words the note or the camera id must contain (case-insensitive).
    pub text: Option<String>,
    /// Only these cameras (empty: every camera).
    pub cameras: Vec<String>,
    /// Moments at or after this time (a ranged bookmark overlapping counts).
    #[ts(type = "number | null")]
    pub from_ms: Option<i64>,
    /// Moments before this time.
    #[ts(type = "number | null")]
    pub to_ms: Option<i64>,
    pub limit: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum BookmarkError {
    #[error("bookmark: {0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HasKind for BookmarkError {
    fn kind(&self) -> ErrorKind {
        match self {
            BookmarkError::Invalid(_) => ErrorKind::InvalidInput,
            BookmarkError::Store(e) => e.kind(),
        }
    }
}

impl NewBookmark {
    /// Checks the request: a camera, a range of both ends in order and at
    /// most a day long, a note of bounded length (trimmed).
    pub fn validated(&self) -> Result<NewBookmark, BookmarkError> {
        let camera = self.camera.trim();
        if camera.is_empty() {
            return Err(BookmarkError::Invalid("no camera".into()));
        }
        let note = self.note.trim();
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(BookmarkError::Invalid(format!(
                "the note is longer than {MAX_NOTE_CHARS} characters"
            )));
        }
        match (self.from_ms, self.to_ms) {
            (None, None) => {}
            (Some(a), Some(b)) if a < b && b - a <= MAX_RANGE_MS => {}
            (Some(a), Some(b)) if a >= b => {
                return Err(BookmarkError::Invalid(
                    "the range's end must be after its start".into(),
                ))
            }
            (Some(_), Some(_)) => {
                return Err(BookmarkError::Invalid("a range is at most 24 hours".into()))
            }
            _ => {
                return Err(BookmarkError::Invalid(
                    "a range needs both a start and an end".into(),
                ))
            }
        }
        Ok(NewBookmark {
            camera: camera.to_string(),
            at_ms: self.at_ms,
            from_ms: self.from_ms,
            to_ms: self.to_ms,
            note: note.to_string(),
        })
    }
}

fn row(r: &Row<'_>) -> rusqlite::Result<Bookmark> {
    Ok(Bookmark {
        id: r.get(0)?,
        camera: r.get(1)?,
        at_ms: r.get(2)?,
        from_ms: r.get(3)?,
        to_ms: r.get(4)?,
        note: r.get(5)?,
        created_ms: r.get(6)?,
    })
}

const COLS: &str = "id, camera, at_ms, from_ms, to_ms, note, created_at_ms";

/// `%text%` for LIKE with `\` escaping the pattern characters.
fn like_pattern(text: &str) -> String {
    let mut s = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

impl Store {
    /// Adds a bookmark (checked) and returns it with its id.
    pub fn add_bookmark(&self, b: &NewBookmark, now_ms: i64) -> Result<Bookmark, BookmarkError> {
        let b = b.validated()?;
        let conn = self.conn();
        conn.execute(
            "INSERT INTO bookmarks (camera, at_ms, from_ms, to_ms, note, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![b.camera, b.at_ms, b.from_ms, b.to_ms, b.note, now_ms],
        )
        .map_err(q("add bookmark"))?;
        Ok(Bookmark {
            id: conn.last_insert_rowid(),
            camera: b.camera,
            at_ms: b.at_ms,
            from_ms: b.from_ms,
            to_ms: b.to_ms,
            note: b.note,
            created_ms: now_ms,
        })
    }

    /// One bookmark by id.
    pub fn bookmark(&self, id: i64) -> Result<Bookmark, BookmarkError> {
        self.conn()
            .query_row(
                &format!("SELECT {COLS} FROM bookmarks WHERE id = ?1"),
                [id],
                row,
            )
            .optional()
            .map_err(q("read bookmark"))?
            .ok_or_else(|| {
                StoreError::NotFound {
                    what: "bookmark",
                    id: id.to_string(),
                }
                .into()
            })
    }

    /// Bookmarks matching `f`, latest moment first.
    pub fn bookmarks(&self, f: &BookmarkFilter) -> Result<Vec<Bookmark>, BookmarkError> {
        let mut sql = format!("SELECT {COLS} FROM bookmarks WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            for word in t.split_whitespace() {
                args.push(like_pattern(word).into());
                let n = args.len();
                sql.push_str(&format!(
                    " AND (lower(note) LIKE ?{n} ESCAPE '\\' OR lower(camera) LIKE ?{n} ESCAPE '\\')"
                ));
            }
        }
        if !f.cameras.is_empty() {
            let mut marks = Vec::new();
            for c in &f.cameras {
                args.push(c.clone().into());
                marks.push(format!("?{}", args.len()));
            }
            sql.push_str(&format!(" AND camera IN ({})", marks.join(", ")));
        }
        if let Some(from) = f.from_ms {
            args.push(from.into());
            sql.push_str(&format!(" AND coalesce(to_ms, at_ms) >= ?{}", args.len()));
        }
        if let Some(to) = f.to_ms {
            args.push(to.into());
            sql.push_str(&format!(" AND coalesce(from_ms, at_ms) < ?{}", args.len()));
        }
        let limit = f.limit.unwrap_or(MAX_LIST).min(MAX_LIST);
        sql.push_str(&format!(" ORDER BY at_ms DESC, id DESC LIMIT {limit}"));
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql).map_err(q("list bookmarks"))?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(args), row)
            .map_err(q("list bookmarks"))?;
        let list = rows
            .collect::<Result<Vec<_>, _>>()
            .map_err(q("list bookmarks"))?;
        Ok(list)
    }

    /// Deletes a bookmark; `false` when there was none with that id.
    pub fn delete_bookmark(&self, id: i64) -> Result<bool, BookmarkError> {
        let n = self
            .conn()
            .execute("DELETE FROM bookmarks WHERE id = ?1", [id])
            .map_err(q("delete bookmark"))?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nb(camera: &str, at: i64, range: Option<(i64, i64)>, note: &str) -> NewBookmark {
        NewBookmark {
            camera: camera.into(),
            at_ms: at,
            from_ms: range.map(|r| r.0),
            to_ms: range.map(|r| r.1),
            note: note.into(),
        }
    }

    #[test]
    fn add_list_search_delete() {
        let s = Store::open_in_memory().unwrap();
        let a = s
            .add_bookmark(&nb("demo-1", 1_000, None, " Door forced "), 5)
            .unwrap();
        assert_eq!(a.note, "Door forced");
        let b = s
            .add_bookmark(
                &nb("demo-2", 9_000, Some((8_000, 12_000)), "Van 100% parked"),
                6,
            )
            .unwrap();
        let all = s.bookmarks(&BookmarkFilter::default()).unwrap();
        assert_eq!(
            all.iter().map(|x| x.id).collect::<Vec<_>>(),
            vec![b.id, a.id]
        );
        let door = s
            .bookmarks(&BookmarkFilter {
                text: Some("door".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(door, vec![a.clone()]);
        // LIKE characters are literal
        let pct = s
            .bookmarks(&BookmarkFilter {
                text: Some("100%".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(pct.len(), 1);
        let none = s
            .bookmarks(&BookmarkFilter {
                text: Some("_".into()),
                ..Default::default()
            })
            .unwrap();
        assert!(none.is_empty());
        let cam = s
            .bookmarks(&BookmarkFilter {
                cameras: vec!["demo-2".into()],
                ..Default::default()
            })
            .unwrap();
        assert_eq!(cam, vec![b.clone()]);
        // a range overlapping the window counts
        let win = s
            .bookmarks(&BookmarkFilter {
                from_ms: Some(11_000),
                to_ms: Some(20_000),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(win, vec![b.clone()]);
        assert_eq!(s.bookmark(b.id).unwrap(), b);
        assert!(s.delete_bookmark(a.id).unwrap());
        assert!(!s.delete_bookmark(a.id).unwrap());
        assert!(matches!(
            s.bookmark(a.id),
            Err(BookmarkError::Store(StoreError::NotFound { .. }))
        ));
    }

    #[test]
    fn bad_requests_are_refused() {
        let s = Store::open_in_memory().unwrap();
        for bad in [
            nb(" ", 1, None, ""),
            nb("c", 1, Some((5, 5)), ""),
            nb("c", 1, Some((0, MAX_RANGE_MS + 1)), ""),
            NewBookmark {
                to_ms: None,
                ..nb("c", 1, Some((0, 2)), "")
            },
            nb("c", 1, None, &"x".repeat(MAX_NOTE_CHARS + 1)),
        ] {
            let e = s.add_bookmark(&bad, 0).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}: {e}");
        }
        assert!(s.bookmarks(&BookmarkFilter::default()).unwrap().is_empty());
    }
}
