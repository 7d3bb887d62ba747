//! A DSS channel's recordings: coverage from `SS/Record/QueryRecords`
//! (Unix seconds; adjacent records merged into spans) and frames from
//! `SS/Playback/StartPlaybackByTime`, whose RTSP URL (with its token) is
//! asked per opened run of records. The server sends in real time from the
//! requested start; the reader plays it through our RTSP client
//! ([`ReplayReader::open_recorder`]), so a frame's recording time is that
//! start plus its RTP offset from the first unit, and the session's first
//! keyframe is kept. At the end of a run the reader reports the gap and
//! asks the next run. For case clips,
//! [`Recording::segment_files`] copies the window's playback stream (one
//! StartPlaybackByTime per run of records) into local MPEG-TS files with
//! the shared [`crate::media::stream_copy`]: the clip is cut from them by
//! stream copy, the codec kept; those copies go through FFmpeg's RTSP
//! client and are asked [`LEAD_IN_S`] early (FFmpeg gives a session's first
//! packet no timestamp, so its first keyframe is lost).
use std::sync::Arc;

use serde_json::json;

use super::session::API;
use super::site::Inner;
use super::wire::{self, Record};
use crate::error::{ErrorKind, HasKind};
use crate::media::source::StopFlag;
use crate::media::stream_copy;
use crate::media::MediaError;
use crate::playback::day::format_rfc3339;
use crate::playback::{
    Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, SegmentFile, Span,
};
use crate::rtsp::replay::ReplayReader;
use crate::vms::{StreamKind, VmsError};

/// Playback copies for case clips are asked this much before the window:
/// FFmpeg's RTSP client gives the stream's first packet (its keyframe) no
/// timestamp, so the copy only starts at the second keyframe.
const LEAD_IN_S: i64 = 2;

/// The prefix of the playback copies in the temp folder.
const COPY_PREFIX: &str = "vigil-dss-";

/// How far ahead a reader asks for records at once.
const LOOKAHEAD_S: i64 = 24 * 3600;

pub struct DssRecording {
    inner: Arc<Inner>,
    channel: String,
    stream: StreamKind,
}

fn stream_type(s: StreamKind) -> &'static str {
    if s == StreamKind::Sub {
        "2"
    } else {
        "1"
    }
}

/// The record source asked for: the site option `record_source`
/// ("device" = 2, else central storage = 3).
fn record_source(inner: &Inner) -> &'static str {
    match inner.cfg.info.option("record_source") {
        Some("device") | Some("2") => "2",
        _ => "3",
    }
}

/// Records merged into spans (touching or overlapping records join).
pub fn merge(records: &[Record]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for r in records {
        match out.last_mut() {
            Some(last) if r.start_s <= last.1 => last.1 = last.1.max(r.end_s),
            _ => out.push((r.start_s, r.end_s)),
        }
    }
    out
}

/// Runs of touching records: each run's first record (its `streamId` is
/// the one StartPlaybackByTime is asked with) and the run's end (Unix s).
pub fn runs(records: &[Record]) -> Vec<(&Record, i64)> {
    let mut out: Vec<(&Record, i64)> = Vec::new();
    for r in records {
        match out.last_mut() {
            Some(last) if r.start_s <= last.1 => last.1 = last.1.max(r.end_s),
            _ => out.push((r, r.end_s)),
        }
    }
    out
}

impl DssRecording {
    pub(crate) fn new(inner: Arc<Inner>, channel: String, stream: StreamKind) -> Self {
        Self {
            inner,
            channel,
            stream,
        }
    }

    fn to_playback(&self, e: VmsError) -> PlaybackError {
        match e.kind() {
            k @ (ErrorKind::AuthFailed | ErrorKind::Untrusted) => PlaybackError::Refused {
                source_name: self.describe(),
                kind: k,
                reason: e.to_string(),
            },
            _ => PlaybackError::Source {
                source_name: self.describe(),
                reason: e.to_string(),
            },
        }
    }
}

/// QueryRecords over `[from_s, to_s]`.
async fn records(
    inner: &Inner,
    channel: &str,
    stream: StreamKind,
    from_s: i64,
    to_s: i64,
) -> Result<Vec<Record>, VmsError> {
    let body = json!({"data": {
        "channelId": channel,
        "startTime": from_s.to_string(),
        "endTime": to_s.to_string(),
        "streamType": stream_type(stream),
        "recordType": "0",
        "recordSource": record_source(inner),
    }});
    let raw = inner
        .session
        .call_raw(
            reqwest::Method::POST,
            &format!("{API}/SS/Record/QueryRecords"),
            &body,
        )
        .await?;
    wire::parse_records(&raw).map_err(|e| VmsError::Site {
        site: inner.session.site().to_string(),
        reason: format!("QueryRecords of {channel}: {e}"),
    })
}

/// StartPlaybackByTime of `[start_s, end_s)` within `record`.
async fn playback_url(
    inner: &Inner,
    channel: &str,
    stream: StreamKind,
    start_s: i64,
    end_s: i64,
    record: &Record,
) -> Result<wire::MediaUrl, VmsError> {
    let body = json!({"data": {
        "channelId": channel,
        "startTime": start_s.to_string(),
        "endTime": end_s.to_string(),
        "streamType": stream_type(stream),
        "recordType": "0",
        "recordSource": record_source(inner),
        "streamId": record.stream_id,
    }});
    let raw = inner
        .session
        .call_raw(
            reqwest::Method::POST,
            &format!("{API}/SS/Playback/StartPlaybackByTime"),
            &body,
        )
        .await?;
    wire::parse_media(&raw, &inner.session.host()).map_err(|e| VmsError::Site {
        site: inner.session.site().to_string(),
        reason: format!("StartPlaybackByTime of {channel}: {e}"),
    })
}

impl Recording for DssRecording {
    fn describe(&self) -> String {
        format!(
            "{} recordings of channel {}",
            self.inner.session.site(),
            self.channel
        )
    }

    fn paced_by_server(&self) -> bool {
        true
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        if to_ms <= from_ms {
            return Ok(Vec::new());
        }
        let (from_s, to_s) = (from_ms.div_euclid(1000), (to_ms + 999).div_euclid(1000));
        let recs = super::block_on(
            &self.inner.rt,
            records(&self.inner, &self.channel, self.stream, from_s, to_s),
        )
        .map_err(|e| self.to_playback(e))?;
        Ok(merge(&recs)
            .into_iter()
            .map(|(a, b)| {
                (
                    a.saturating_mul(1000).max(from_ms),
                    b.saturating_mul(1000).min(to_ms),
                )
            })
            .filter(|(a, b)| a < b)
            .map(|(a, b)| Span::new(a, b))
            .collect())
    }

    /// The window's playback stream copied into local files (one per run
    /// of touching records, from [`LEAD_IN_S`] before the window as the
    /// reader), for the stream-copy clip path: DSS has no clip download,
    /// and the codec is kept. The URL and its token are never printed.
    fn segment_files(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Option<Vec<SegmentFile>>, PlaybackError> {
        if to_ms <= from_ms {
            return Ok(Some(Vec::new()));
        }
        let from_s = from_ms.div_euclid(1000) - LEAD_IN_S;
        let to_s = (to_ms + 999).div_euclid(1000);
        let recs = super::block_on(
            &self.inner.rt,
            records(&self.inner, &self.channel, self.stream, from_s, to_s),
        )
        .map_err(|e| self.to_playback(e))?;
        let mut out = Vec::new();
        for (first, run_end) in runs(&recs) {
            let (start_s, end_s) = (first.start_s.max(from_s), run_end.min(to_s));
            if end_s <= start_s {
                continue;
            }
            let m = super::block_on(
                &self.inner.rt,
                playback_url(
                    &self.inner,
                    &self.channel,
                    self.stream,
                    start_s,
                    end_s,
                    first,
                ),
            )
            .map_err(|e| self.to_playback(e))?;
            let (path, first_ms) = stream_copy::copy_to_file(
                COPY_PREFIX,
                &m.playable(),
                (end_s - start_s) * 1000,
                &StopFlag::default(),
            )
            .map_err(|e| PlaybackError::Source {
                source_name: self.describe(),
                reason: e.to_string(),
            })?;
            out.push(SegmentFile {
                path,
                start_ms: start_s * 1000 + first_ms,
                end_ms: end_s * 1000,
            });
        }
        Ok(Some(out))
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        let mut r = DssReader {
            rec: DssRecording::new(self.inner.clone(), self.channel.clone(), self.stream),
            records: Vec::new(),
            cur: None,
            target_ms: t_ms,
            decimation,
            stop,
        };
        r.load(t_ms.div_euclid(1000))?;
        if !r.records.iter().any(|x| x.end_s * 1000 > t_ms) {
            return Err(PlaybackError::NoRecording(format_rfc3339(t_ms)));
        }
        r.start_run(t_ms)?;
        Ok(Box::new(r))
    }
}

/// One playing run: the stream of `[start_ms, end_ms)`.
struct Run {
    reader: ReplayReader,
    end_ms: i64,
}

struct DssReader {
    rec: DssRecording,
    records: Vec<Record>,
    cur: Option<Run>,
    /// Frames before this time are decoded and dropped.
    target_ms: i64,
    decimation: Decimation,
    stop: StopFlag,
}

impl DssReader {
    /// Asks the records from `from_s` on.
    fn load(&mut self, from_s: i64) -> Result<(), PlaybackError> {
        let r = &self.rec;
        self.records = super::block_on(
            &r.inner.rt,
            records(&r.inner, &r.channel, r.stream, from_s, from_s + LOOKAHEAD_S),
        )
        .map_err(|e| r.to_playback(e))?;
        Ok(())
    }

    /// Opens the run of records that covers `t_ms` (or starts after it).
    fn start_run(&mut self, t_ms: i64) -> Result<bool, PlaybackError> {
        let Some(i) = self.records.iter().position(|x| x.end_s * 1000 > t_ms) else {
            return Ok(false);
        };
        let first = self.records[i].clone();
        let start_s = t_ms.div_euclid(1000).max(first.start_s);
        let mut end_s = first.end_s;
        for x in &self.records[i + 1..] {
            if x.start_s > end_s {
                break;
            }
            end_s = end_s.max(x.end_s);
        }
        let r = &self.rec;
        let m = super::block_on(
            &r.inner.rt,
            playback_url(&r.inner, &r.channel, r.stream, start_s, end_s, &first),
        )
        .map_err(|e| r.to_playback(e))?;
        self.target_ms = self.target_ms.max(start_s * 1000);
        // the stream's npt 0 is the requested start (as RTSP replay's)
        let reader = ReplayReader::open_recorder(
            &m.playable(),
            start_s * 1000,
            self.target_ms,
            self.decimation,
            self.stop.clone(),
        )?;
        self.cur = Some(Run {
            reader,
            end_ms: end_s * 1000,
        });
        Ok(true)
    }

    /// After a run: the gap to the next one (opened), or the end.
    fn next_run(&mut self, ended_ms: i64) -> Result<ReadEvent, PlaybackError> {
        self.cur = None;
        if !self.records.iter().any(|x| x.end_s * 1000 > ended_ms) {
            self.load(ended_ms.div_euclid(1000))?;
        }
        let Some(next) = self.records.iter().find(|x| x.end_s * 1000 > ended_ms) else {
            return Ok(ReadEvent::End);
        };
        let next_ms = (next.start_s * 1000).max(ended_ms);
        self.target_ms = next_ms;
        if !self.start_run(next_ms)? {
            return Ok(ReadEvent::End);
        }
        Ok(if next_ms > ended_ms {
            ReadEvent::Gap {
                from_ms: ended_ms,
                to_ms: next_ms,
            }
        } else {
            self.next()?
        })
    }
}

impl RecordingReader for DssReader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        loop {
            if self.stop.is_stopped() {
                return Err(MediaError::Stopped.into());
            }
            let Some(run) = self.cur.as_mut() else {
                return Ok(ReadEvent::End);
            };
            let end = run.end_ms;
            match run.reader.next()? {
                ReadEvent::Frame(f) if f.ts_ms >= end => return self.next_run(end),
                ReadEvent::Frame(f) if f.ts_ms < self.target_ms => continue,
                ReadEvent::End => return self.next_run(end),
                other => return Ok(other),
            }
        }
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        if let Some(r) = self.cur.as_mut() {
            r.reader.set_decimation(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: i64, b: i64) -> Record {
        Record {
            start_s: a,
            end_s: b,
            stream_id: String::new(),
        }
    }

    #[test]
    fn touching_records_merge_into_spans() {
        assert_eq!(
            merge(&[r(0, 600), r(600, 1200), r(1100, 1150), r(1300, 1400)]),
            [(0, 1200), (1300, 1400)]
        );
        assert!(merge(&[]).is_empty());
    }

    #[test]
    fn runs_keep_their_first_record() {
        let recs = [r(0, 600), r(600, 1200), r(1300, 1400)];
        let got: Vec<_> = runs(&recs).iter().map(|(f, e)| (f.start_s, *e)).collect();
        assert_eq!(got, [(0, 1200), (1300, 1400)]);
    }
}
