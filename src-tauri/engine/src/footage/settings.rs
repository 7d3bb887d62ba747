//! Per-site footage settings (window, clock offset, recording lag) and the
//! media root, persisted in the store; the window and due time of a case.
use std::path::PathBuf;

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::store::{q, Store, StoreError};

const MEDIA_ROOT_KEY: &str = "footage.media_root";

/// How a site's footage is cut. All in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteFootage {
    /// Window start relative to the event (negative = before).
    pub start_offset_ms: i64,
    /// Window end relative to the event.
    pub end_offset_ms: i64,
    /// The recorder's clock minus ours (the seed's FootageOffsetSeconds):
    /// recorder time = event time + offset.
    pub clock_offset_ms: i64,
    /// How long after a moment the recorder has it on record.
    pub recording_lag_ms: i64,
}

impl Default for SiteFootage {
    fn default() -> Self {
        Self {
            start_offset_ms: -5_000,
            end_offset_ms: 5_000,
            clock_offset_ms: 0,
            recording_lag_ms: 2_000,
        }
    }
}

/// A job's times: event and window on the recorder's clock, due on ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub event_ms: i64,
    pub start_ms: i64,
    pub end_ms: i64,
    pub due_at_ms: i64,
}

impl SiteFootage {
    pub fn validate(&self) -> Result<(), String> {
        if self.start_offset_ms > 0 || self.end_offset_ms < 0 {
            return Err("the window must contain the event (start <= 0 <= end)".into());
        }
        if self.end_offset_ms - self.start_offset_ms > 10 * 60_000 {
            return Err("a footage window is at most 10 minutes".into());
        }
        if self.end_offset_ms == self.start_offset_ms {
            return Err("the footage window is empty".into());
        }
        if !(0..=3_600_000).contains(&self.recording_lag_ms)
            || self.clock_offset_ms.abs() > 24 * 3_600_000
        {
            return Err("recording lag is 0..1 h and clock offset within a day".into());
        }
        Ok(())
    }

    /// The window for an event at `event_ms` (our UTC clock).
    pub fn window(&self, event_ms: i64) -> Window {
        let ev = event_ms + self.clock_offset_ms;
        let end = ev + self.end_offset_ms;
        Window {
            event_ms: ev,
            start_ms: ev + self.start_offset_ms,
            end_ms: end,
            due_at_ms: end - self.clock_offset_ms + self.recording_lag_ms,
        }
    }
}

impl Store {
    /// A site's footage settings (defaults when none are stored).
    pub fn footage_site(&self, site_id: &str) -> Result<SiteFootage, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT start_offset_ms, end_offset_ms, clock_offset_ms, recording_lag_ms
                 FROM footage_site_settings WHERE site_id = ?1",
                [site_id],
                |r| {
                    Ok(SiteFootage {
                        start_offset_ms: r.get(0)?,
                        end_offset_ms: r.get(1)?,
                        clock_offset_ms: r.get(2)?,
                        recording_lag_ms: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(q("read footage settings"))?
            .unwrap_or_default())
    }

    pub fn set_footage_site(&self, site_id: &str, s: &SiteFootage) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO footage_site_settings (site_id, start_offset_ms, end_offset_ms, clock_offset_ms, recording_lag_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(site_id) DO UPDATE SET start_offset_ms = excluded.start_offset_ms,
                   end_offset_ms = excluded.end_offset_ms, clock_offset_ms = excluded.clock_offset_ms,
                   recording_lag_ms = excluded.recording_lag_ms",
                params![site_id, s.start_offset_ms, s.end_offset_ms, s.clock_offset_ms, s.recording_lag_ms],
            )
            .map_err(q("write footage settings"))?;
        Ok(())
    }

    /// The media root: the stored setting, else `<data dir>/media`.
    pub fn media_root(&self) -> Result<Option<PathBuf>, StoreError> {
        Ok(match self.setting(MEDIA_ROOT_KEY)? {
            Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
            _ => crate::config::data_dir().map(|d| d.join("media")),
        })
    }

    pub fn set_media_root(&self, root: &std::path::Path) -> Result<(), StoreError> {
        self.set_setting(MEDIA_ROOT_KEY, &root.to_string_lossy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_applies_offsets_and_lag() {
        let s = SiteFootage {
            clock_offset_ms: 1_000,
            ..Default::default()
        };
        let w = s.window(100_000);
        assert_eq!(
            (w.event_ms, w.start_ms, w.end_ms),
            (101_000, 96_000, 106_000)
        );
        assert_eq!(w.due_at_ms, 105_000 + 2_000);
        let st = Store::open_in_memory().unwrap();
        assert_eq!(st.footage_site("demo").unwrap(), SiteFootage::default());
        st.set_footage_site("demo", &s).unwrap();
        assert_eq!(st.footage_site("demo").unwrap(), s);
        assert!(SiteFootage {
            start_offset_ms: 1,
            ..s
        }
        .validate()
        .is_err());
    }
}
