//! MediaMTX's playback server as a recording source (PROTOCOLS.md 7):
//! `GET /list` gives the spans, `GET /get` streams fMP4 from a start time.
//! `/get` puts `start` at time 0 and sends the GOP before it as zero-length
//! samples sharing the first visible frame's timestamp; the reader keeps the
//! last frame of that run, so playback starts exactly at the first frame at
//! or after the requested time. Basic auth per the server's realm.
use std::time::Duration;

use ffmpeg_next::Dictionary;
use serde::Deserialize;

use super::bounds::{clamp, in_bounds, secs_to_ms, LATEST_MS};
use super::day::{format_rfc3339, parse_rfc3339};
use super::{Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, Span};
use crate::media::recorded_input::{RecordedFrame, RecordedInput};
use crate::media::source::{DecodedFrame, StopFlag};
use crate::media::MediaError;

/// How much one `/get` asks for; the reader asks again at its end.
const CHUNK_S: f64 = 600.0;

pub struct MediaMtx {
    /// e.g. `http://127.0.0.1:9996` (no trailing slash, no credentials)
    base: String,
    path: String,
    auth: Option<(String, String)>,
    agent: ureq::Agent,
}

#[derive(Deserialize)]
struct ListEntry {
    start: String,
    duration: f64,
}

/// Parses a `/list` answer (`[{"start": RFC 3339, "duration": seconds}]`)
/// into spans, unclipped, in the order given. Every start must fall in the
/// years 1970..=2200 and every span end there too; a duration must be
/// finite and not negative. Any bytes are safe here (a fuzz target calls it).
pub fn parse_list(body: &[u8]) -> Result<Vec<Span>, String> {
    let entries: Vec<ListEntry> =
        serde_json::from_slice(body).map_err(|e| format!("malformed /list answer: {e}"))?;
    entries
        .into_iter()
        .map(|e| {
            let start = parse_rfc3339(&e.start).map_err(|_| {
                format!("bad start {}", e.start.chars().take(64).collect::<String>())
            })?;
            let end = secs_to_ms(e.duration)
                .and_then(|d| start.checked_add(d))
                .filter(|end| *end <= LATEST_MS)
                .ok_or_else(|| format!("bad duration {}", e.duration))?;
            Ok(Span::new(start, end))
        })
        .collect()
}

fn source_err(base: &str, reason: impl std::fmt::Display) -> PlaybackError {
    PlaybackError::Source {
        source_name: format!("mediamtx {base}"),
        reason: reason.to_string(),
    }
}

impl MediaMtx {
    pub fn new(
        base: &str,
        path: &str,
        auth: Option<(String, String)>,
    ) -> Result<Self, PlaybackError> {
        let url = url::Url::parse(base)
            .map_err(|e| PlaybackError::Invalid(format!("not a URL ({e}): {base}")))?;
        if !["http", "https"].contains(&url.scheme()) || !url.username().is_empty() {
            return Err(PlaybackError::Invalid(
                "the MediaMTX playback address is http(s)://host:port, credentials apart".into(),
            ));
        }
        if path.is_empty() {
            return Err(PlaybackError::Invalid(
                "a MediaMTX path is needed (URL#path)".into(),
            ));
        }
        Ok(Self {
            base: base.trim_end_matches('/').to_string(),
            path: path.to_string(),
            auth,
            // verified like every HTTPS site (system roots through rustls)
            agent: ureq::AgentBuilder::new()
                .tls_config(std::sync::Arc::new(crate::net::tls::client_config(None)))
                .timeout_connect(Duration::from_secs(5))
                .timeout_read(Duration::from_secs(20))
                .build(),
        })
    }

    fn get(&self, url: &str) -> Result<ureq::Response, PlaybackError> {
        let mut req = self.agent.get(url);
        if let Some((u, p)) = &self.auth {
            use base64::Engine as _;
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
            req = req.set("Authorization", &format!("Basic {token}"));
        }
        match req.call() {
            Ok(r) => Ok(r),
            Err(ureq::Error::Status(404, _)) => Err(PlaybackError::NoRecording(self.path.clone())),
            Err(ureq::Error::Status(401 | 403, _)) => Err(PlaybackError::Refused {
                source_name: format!("mediamtx {}", self.base),
                kind: crate::error::ErrorKind::AuthFailed,
                reason: "authentication failed (wrong user name or password)".into(),
            }),
            Err(ureq::Error::Status(code, r)) => {
                let body = crate::vms::http_body::prefix_sync(
                    r.into_reader(),
                    crate::vms::http_body::ERROR_TEXT_LIMIT,
                );
                Err(source_err(
                    &self.base,
                    format!("HTTP {code}: {}", body.trim()),
                ))
            }
            Err(e) => match crate::net::tls::rejection_in(&e) {
                Some(r) => Err(PlaybackError::Refused {
                    source_name: format!("mediamtx {}", self.base),
                    kind: crate::error::ErrorKind::Untrusted,
                    reason: r.to_error(None).to_string(),
                }),
                None => Err(source_err(&self.base, e)),
            },
        }
    }

    fn query(&self, pairs: &[(&str, String)]) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("path", &self.path);
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        s.finish()
    }

    /// The URL ffmpeg opens for `[start_ms, start_ms + secs)`, credentials inside.
    fn get_url(&self, start_ms: i64, secs: f64) -> String {
        let q = self.query(&[
            ("start", format_rfc3339(start_ms)),
            ("duration", format!("{secs:.3}")),
            ("format", "fmp4".into()),
        ]);
        let mut url = url::Url::parse(&format!("{}/get?{q}", self.base)).expect("valid base");
        if let Some((u, p)) = &self.auth {
            let _ = url.set_username(u);
            let _ = url.set_password(Some(p));
        }
        url.to_string()
    }
}

impl Recording for MediaMtx {
    fn describe(&self) -> String {
        format!("mediamtx {}#{}", self.base, self.path)
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        let (from_ms, to_ms) = (clamp(from_ms), clamp(to_ms));
        let q = self.query(&[
            ("start", format_rfc3339(from_ms)),
            ("end", format_rfc3339(to_ms)),
        ]);
        let body = match self.get(&format!("{}/list?{q}", self.base)) {
            Ok(r) => {
                crate::vms::http_body::text_sync(r.into_reader(), crate::vms::http_body::JSON_LIMIT)
                    .map_err(|e| source_err(&self.base, format!("/list: {e}")))?
            }
            Err(PlaybackError::NoRecording(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out: Vec<Span> = parse_list(body.as_bytes())
            .map_err(|e| source_err(&self.base, e))?
            .into_iter()
            .map(|s| Span::new(s.start_ms.max(from_ms), s.end_ms.min(to_ms)))
            .filter(|s| s.start_ms < s.end_ms)
            .collect();
        out.sort_by_key(|s| s.start_ms);
        Ok(out)
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        // MediaMTX lists up to an end time; nothing is recorded after now
        let t_ms = clamp(t_ms);
        let spans = self.spans(t_ms, crate::media::source::now_ms() + 86_400_000)?;
        Ok(Box::new(MediaMtxReader {
            spans,
            idx: 0,
            pos: t_ms,
            input: None,
            held: None,
            base_ms: t_ms,
            chunk_end_ms: t_ms,
            decimation,
            stop,
            urls: Box::new({
                let me = MediaMtx::new(&self.base, &self.path, self.auth.clone())?;
                move |start, secs| me.get_url(start, secs)
            }),
        }))
    }
}

type UrlFor = Box<dyn Fn(i64, f64) -> String + Send>;

/// Plays the spans one `/get` chunk at a time.
pub struct MediaMtxReader {
    spans: Vec<Span>,
    idx: usize,
    /// The next frame wanted is at or after this.
    pos: i64,
    input: Option<RecordedInput>,
    /// A frame held back until we know it is not pre-roll.
    held: Option<RecordedFrame>,
    /// Absolute time of the open `/get`'s time 0.
    base_ms: i64,
    /// Where the open `/get` ends.
    chunk_end_ms: i64,
    decimation: Decimation,
    stop: StopFlag,
    urls: UrlFor,
}

impl MediaMtxReader {
    fn open_chunk(&mut self) -> Result<Option<ReadEvent>, PlaybackError> {
        while self.idx < self.spans.len() && self.spans[self.idx].end_ms <= self.pos {
            self.idx += 1;
        }
        let Some(span) = self.spans.get(self.idx).copied() else {
            return Ok(Some(ReadEvent::End));
        };
        let gap = (self.pos < span.start_ms).then_some(ReadEvent::Gap {
            from_ms: self.pos,
            to_ms: span.start_ms,
        });
        self.pos = self.pos.max(span.start_ms);
        let secs = (((span.end_ms - self.pos) as f64) / 1000.0).min(CHUNK_S);
        let mut opts = Dictionary::new();
        opts.set("rw_timeout", "20000000");
        let input = RecordedInput::open(&(self.urls)(self.pos, secs), opts, self.stop.clone());
        let mut input = match input {
            Ok(i) => i,
            // nothing left in this span (its last frame was read): the next one
            Err(MediaError::Open {
                source: ffmpeg_next::Error::HttpNotFound,
                ..
            }) => {
                self.pos = span.end_ms;
                self.idx += 1;
                return Ok(gap);
            }
            Err(e) => return Err(e.into()),
        };
        input.use_zero_origin();
        input.set_preroll_by_zero_duration();
        input.set_decimation(self.decimation);
        self.base_ms = self.pos;
        self.chunk_end_ms = self.pos + (secs * 1000.0).round() as i64;
        self.input = Some(input);
        self.held = None;
        Ok(gap)
    }
}

/// The recording time of a frame `offset_ms` into a `/get` starting at
/// `base_ms`; a stream whose timestamps leave 1970..=2200 is refused.
fn frame_time(base_ms: i64, offset_ms: i64) -> Result<i64, PlaybackError> {
    base_ms
        .checked_add(offset_ms)
        .filter(|t| in_bounds(*t))
        .ok_or_else(|| PlaybackError::Source {
            source_name: "mediamtx".into(),
            reason: format!("a frame {offset_ms} ms into the stream is out of range"),
        })
}

impl RecordingReader for MediaMtxReader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        loop {
            if self.stop.is_stopped() {
                return Err(MediaError::Stopped.into());
            }
            if self.input.is_none() {
                if let Some(ev) = self.open_chunk()? {
                    return Ok(ev);
                }
                if self.input.is_none() {
                    continue;
                }
            }
            let next = self.input.as_mut().expect("input").next_frame()?;
            match (self.held.take(), next) {
                // pre-roll frames share the first visible frame's time: keep the last
                (Some(h), Some(n)) if n.offset_ms == h.offset_ms => {
                    drop(h);
                    self.held = Some(n);
                }
                (Some(h), n) => {
                    self.held = n;
                    let ts = frame_time(self.base_ms, h.offset_ms)?;
                    self.pos = ts + 1;
                    return Ok(ReadEvent::Frame(DecodedFrame {
                        frame: h.frame,
                        ts_ms: ts,
                        keyframe: h.keyframe,
                    }));
                }
                (None, Some(n)) => self.held = Some(n),
                (None, None) => {
                    // this chunk is done; the next one starts where it ended
                    self.input = None;
                    self.pos = self.pos.max(self.chunk_end_ms);
                }
            }
        }
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        if let Some(i) = self.input.as_mut() {
            i.set_decimation(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_answers_parse_and_hostile_ones_are_refused() {
        let ok = parse_list(
            br#"[{"start":"2025-08-29T14:30:10.25Z","duration":8},
                {"start":"2025-08-29T16:30:30+02:00","duration":4.0}]"#,
        )
        .unwrap();
        let t0 = parse_rfc3339("2025-08-29T14:30:10.250Z").unwrap();
        assert_eq!(
            ok,
            vec![
                Span::new(t0, t0 + 8000),
                Span::new(t0 + 19_750, t0 + 23_750)
            ]
        );
        assert_eq!(parse_list(b"[]").unwrap(), vec![]);
        for bad in [
            // durations that overflow, are not numbers, or are negative
            r#"[{"start":"2025-08-29T14:30:10Z","duration":1e300}]"#,
            r#"[{"start":"2025-08-29T14:30:10Z","duration":9.3e15}]"#,
            r#"[{"start":"2025-08-29T14:30:10Z","duration":-1}]"#,
            r#"[{"start":"2200-12-31T23:59:59Z","duration":86400}]"#,
            // starts outside 1970..=2200
            r#"[{"start":"9999-12-31T23:59:59Z","duration":1}]"#,
            r#"[{"start":"1969-12-31T23:59:59Z","duration":1}]"#,
            r#"[{"start":"-009999-01-01T00:00:00Z","duration":1}]"#,
            r#"[{"start":"yesterday","duration":1}]"#,
            r#"[{"start":"2025-08-29T14:30:10Z"}]"#,
            r#"{"start":"2025-08-29T14:30:10Z","duration":1}"#,
            "[",
            "",
        ] {
            assert!(parse_list(bad.as_bytes()).is_err(), "{bad}");
        }
        assert!(parse_list(&[0xff, 0x00, 0x5b]).is_err());
    }

    #[test]
    fn frame_times_out_of_range_are_errors() {
        let t0 = parse_rfc3339("2025-08-29T14:30:10Z").unwrap();
        assert_eq!(frame_time(t0, 40).unwrap(), t0 + 40);
        for off in [i64::MAX, i64::MIN, LATEST_MS, -t0 - 1] {
            assert!(frame_time(t0, off).is_err(), "{off}");
        }
    }
}
