//! Recording coverage over ISAPI (PROTOCOLS.md 3.4): `ContentMgmt/search`
//! paged with the misspelled `searchResultPostion` under one `searchID`,
//! guarded against devices that answer the same page again ([`Pager`]), and
//! the month calendar from `dailyDistribution`.
use std::collections::HashSet;

use jiff::tz::TimeZone;
use reqwest::Method;

use super::client::IsapiClient;
use super::time::{format_time, parse_time, TimeMode};
use super::xml::{escape, parse_daily_distribution, parse_search_result, SearchPage, SearchState};
use crate::error::ErrorKind;
use crate::playback::Span;
use crate::vms::remote_error::RemoteError;

/// Matches asked per page (devices cap it; the answer says how many came).
pub const PAGE_SIZE: usize = 100;
/// A search never asks more pages than this.
pub const MAX_PAGES: u32 = 500;
/// The same page answered this many times in a row ends the search.
pub const MAX_REPEATS: u32 = 3;

/// A recorded file segment, in ms UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub start_ms: i64,
    pub end_ms: i64,
    pub playback_uri: Option<String>,
}

/// What to do after a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Ask for the page at this position.
    Ask(usize),
    Done,
    /// The device misbehaves; why.
    Fail(String),
}

/// Search paging: positions, seen matches, and the repeated-page guard.
#[derive(Debug, Default)]
pub struct Pager {
    position: usize,
    seen: HashSet<(String, String, Option<String>)>,
    repeats: u32,
    pages: u32,
}

impl Pager {
    pub fn position(&self) -> usize {
        self.position
    }

    /// Takes a page: returns the matches not seen before and what to do next.
    /// A page with nothing new is a repeated page: the same position is asked
    /// again (up to [`MAX_REPEATS`] times), never skipped.
    pub fn accept(&mut self, page: &SearchPage) -> (Vec<usize>, Next) {
        self.pages += 1;
        let mut fresh = Vec::new();
        for (i, m) in page.matches.iter().enumerate() {
            if self
                .seen
                .insert((m.start.clone(), m.end.clone(), m.name.clone()))
            {
                fresh.push(i);
            }
        }
        let next = match page.state {
            SearchState::Done | SearchState::NoMatches => Next::Done,
            SearchState::More if page.matches.is_empty() => {
                Next::Fail("the device says MORE but sent no matches".into())
            }
            SearchState::More if fresh.is_empty() => {
                self.repeats += 1;
                if self.repeats >= MAX_REPEATS {
                    Next::Fail(format!(
                        "the device answered the same page {} times at position {}",
                        self.repeats + 1,
                        self.position
                    ))
                } else {
                    Next::Ask(self.position)
                }
            }
            SearchState::More => {
                self.repeats = 0;
                self.position += page.matches.len();
                Next::Ask(self.position)
            }
        };
        let next = if self.pages >= MAX_PAGES && matches!(next, Next::Ask(_)) {
            Next::Fail(format!("more than {MAX_PAGES} pages of matches"))
        } else {
            next
        };
        (fresh, next)
    }
}

/// The search request body.
pub fn search_body(search_id: &str, track: u32, from: &str, to: &str, position: usize) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<CMSearchDescription version=\"2.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\">\
<searchID>{}</searchID><trackList><trackID>{track}</trackID></trackList>\
<timeSpanList><timeSpan><startTime>{from}</startTime><endTime>{to}</endTime></timeSpan></timeSpanList>\
<maxResults>{PAGE_SIZE}</maxResults><searchResultPostion>{position}</searchResultPostion>\
<metadataList><metadataDescriptor>//recordType.meta.std-cgi.com</metadataDescriptor></metadataList>\
</CMSearchDescription>",
        escape(search_id)
    )
}

fn search_id() -> String {
    use rand::Rng;
    let b: [u8; 16] = rand::thread_rng().gen();
    let h: String = b.iter().map(|x| format!("{x:02X}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// Every segment of `track` overlapping `[from_ms, to_ms)`, all pages.
pub async fn segments(
    client: &IsapiClient,
    track: u32,
    from_ms: i64,
    to_ms: i64,
    mode: TimeMode,
    zone: &TimeZone,
) -> Result<Vec<Segment>, RemoteError> {
    let (from, to) = (
        format_time(from_ms, mode, zone),
        format_time(to_ms, mode, zone),
    );
    let id = search_id();
    let mut pager = Pager::default();
    let mut out = Vec::new();
    let what = format!("POST {}", client.url("/ISAPI/ContentMgmt/search"));
    let mut method = Method::POST;
    loop {
        let body = search_body(&id, track, &from, &to, pager.position());
        let text = match client
            .call(
                method.clone(),
                "/ISAPI/ContentMgmt/search",
                Some(body.clone()),
            )
            .await
        {
            // some firmware wants GET with a body (PROTOCOLS.md 3.4)
            Err(e)
                if method == Method::POST
                    && (e.status == Some(405)
                        || e.vendor_code.as_deref() == Some("methodNotAllowed")) =>
            {
                method = Method::GET;
                continue;
            }
            r => r?,
        };
        let page = parse_search_result(&text).map_err(|e| client.parse_error(&what, e))?;
        let (fresh, next) = pager.accept(&page);
        for i in fresh {
            let m = &page.matches[i];
            let read = |s: &str| {
                parse_time(s, mode, zone).map_err(|e| {
                    client.parse_error(&what, super::xml::IsapiXmlError::Malformed(e.to_string()))
                })
            };
            let (a, b) = (read(&m.start)?, read(&m.end)?);
            if b > a {
                out.push(Segment {
                    start_ms: a,
                    end_ms: b,
                    playback_uri: m.playback_uri.clone(),
                });
            }
        }
        match next {
            Next::Ask(_) => continue,
            Next::Done => break,
            Next::Fail(why) => {
                return Err(RemoteError::new(
                    ErrorKind::Protocol,
                    client.site(),
                    &what,
                    why,
                ));
            }
        }
    }
    out.sort_by_key(|s| (s.start_ms, s.end_ms));
    Ok(out)
}

/// Segments as spans clipped to `[from_ms, to_ms)`, sorted and merged.
pub fn spans_of(segments: &[Segment], from_ms: i64, to_ms: i64) -> Vec<Span> {
    let mut v: Vec<(i64, i64)> = segments
        .iter()
        .map(|s| (s.start_ms.max(from_ms), s.end_ms.min(to_ms)))
        .filter(|(a, b)| b > a)
        .collect();
    v.sort();
    let mut merged: Vec<Span> = Vec::new();
    for (a, b) in v {
        match merged.last_mut() {
            Some(last) if a <= last.end_ms => last.end_ms = last.end_ms.max(b),
            _ => merged.push(Span::new(a, b)),
        }
    }
    merged
}

/// The days of a month (device-local calendar) with recordings on `track`.
pub async fn month_days(
    client: &IsapiClient,
    track: u32,
    year: i16,
    month: i8,
) -> Result<Vec<u8>, RemoteError> {
    if !(1..=12).contains(&month) {
        return Err(RemoteError::new(
            ErrorKind::InvalidInput,
            client.site(),
            "dailyDistribution",
            format!("month {month}"),
        ));
    }
    let path = format!("/ISAPI/ContentMgmt/record/tracks/{track}/dailyDistribution");
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><trackDailyParam version=\"2.0\" xmlns=\"http://www.isapi.org/ver20/XMLSchema\"><year>{year}</year><monthOfYear>{month:02}</monthOfYear></trackDailyParam>"
    );
    let text = client.call(Method::POST, &path, Some(body)).await?;
    parse_daily_distribution(&text).map_err(|e| client.parse_error(&format!("POST {path}"), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vms::hikvision::xml::SearchMatch;

    fn page(state: SearchState, range: std::ops::Range<u32>) -> SearchPage {
        SearchPage {
            search_id: "x".into(),
            state,
            matches: range
                .map(|i| SearchMatch {
                    track_id: Some(101),
                    start: format!("s{i}"),
                    end: format!("e{i}"),
                    playback_uri: None,
                    name: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_repeated_page_is_asked_again_not_skipped() {
        let mut p = Pager::default();
        let (f, n) = p.accept(&page(SearchState::More, 0..100));
        assert_eq!((f.len(), n), (100, Next::Ask(100)));
        let (f, n) = p.accept(&page(SearchState::More, 0..100));
        assert_eq!((f.len(), n), (0, Next::Ask(100)), "repeated: same position");
        let (f, n) = p.accept(&page(SearchState::Done, 100..150));
        assert_eq!((f.len(), n), (50, Next::Done));
    }

    #[test]
    fn a_device_stuck_on_one_page_ends_the_search() {
        let mut p = Pager::default();
        p.accept(&page(SearchState::More, 0..10));
        let mut last = Next::Done;
        for _ in 0..MAX_REPEATS {
            last = p.accept(&page(SearchState::More, 0..10)).1;
        }
        assert!(matches!(last, Next::Fail(_)), "{last:?}");
        let mut p = Pager::default();
        assert!(matches!(
            p.accept(&page(SearchState::More, 0..0)).1,
            Next::Fail(_)
        ));
    }

    #[test]
    fn the_body_spells_the_position_as_devices_do() {
        let b = search_body(
            "A&B",
            101,
            "2021-08-18T00:00:00Z",
            "2021-08-18T23:59:59Z",
            100,
        );
        assert!(b.contains("<searchResultPostion>100</searchResultPostion>"));
        assert!(b.contains("<searchID>A&amp;B</searchID>"));
        let segs = [
            Segment {
                start_ms: 0,
                end_ms: 10,
                playback_uri: None,
            },
            Segment {
                start_ms: 10,
                end_ms: 20,
                playback_uri: None,
            },
            Segment {
                start_ms: 30,
                end_ms: 50,
                playback_uri: None,
            },
        ];
        assert_eq!(
            spans_of(&segs, 5, 40),
            vec![Span::new(5, 20), Span::new(30, 40)]
        );
    }
}
