//! Profile G: recording search (tse) and replay (trp). Coverage comes from
//! `FindRecordings` (earliest/latest per recording) refined by `FindEvents`
//! on `tns1:RecordingHistory/Track/State` (`IsDataPresent` edges), which is
//! what gaps are made of. All times go out as UTC with `Z`.
use time::OffsetDateTime;

use super::auth::created_text;
use super::device::utc_text;
use super::error::OnvifError;
use super::soap::{escape, Transport};
use super::xml::Element;

/// How many result pages a search may take before we give up (bounded loop).
const MAX_PAGES: usize = 200;

/// One recording as `GetRecordingSearchResults` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingInfo {
    pub token: String,
    pub source_id: String,
    pub earliest_ms: Option<i64>,
    pub latest_ms: Option<i64>,
}

/// An `IsDataPresent` edge of a recording's track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataEdge {
    pub t_ms: i64,
    pub present: bool,
}

/// ms since the epoch (times come through `utc_text`, so within range).
fn ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(if t.year() < 1970 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// An `xs:dateTime` in UTC for a request (ours), clamped to the representable range.
fn utc(t_ms: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(t_ms) * 1_000_000).unwrap_or(
        if t_ms < 0 {
            time::PrimitiveDateTime::MIN.assume_utc()
        } else {
            time::PrimitiveDateTime::MAX.assume_utc()
        },
    );
    created_text(t)
}

/// `GetRecordingSummary`: (from, until) or `None` when there are no recordings.
pub async fn summary(t: &Transport, url: &str) -> Result<Option<(i64, i64)>, OnvifError> {
    let r = t
        .call(
            "GetRecordingSummary",
            url,
            "<tse:GetRecordingSummary/>",
            true,
        )
        .await?;
    let s = r.child("Summary").unwrap_or(&r);
    let n: u64 = s
        .text_at(&["NumberRecordings"])
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    if n == 0 {
        return Ok(None);
    }
    match (
        utc_text(s.child("DataFrom")),
        utc_text(s.child("DataUntil")),
    ) {
        (Some(a), Some(b)) => Ok(Some((ms(a), ms(b)))),
        _ => Err(OnvifError::protocol(
            "GetRecordingSummary",
            "DataFrom/DataUntil missing",
        )),
    }
}

/// Runs a search to completion: `find` opens it, `results` pages through.
async fn run_search<T>(
    t: &Transport,
    url: &str,
    find: (&str, String),
    results_op: &str,
    mut take: impl FnMut(&Element, &mut Vec<T>),
) -> Result<Vec<T>, OnvifError> {
    let r = t.call(find.0, url, &find.1, true).await?;
    let token = r
        .text_at(&["SearchToken"])
        .ok_or_else(|| OnvifError::protocol(find.0, "no SearchToken"))?
        .to_string();
    let mut out = Vec::new();
    for _ in 0..MAX_PAGES {
        let body = format!(
            "<tse:{results_op}><tse:SearchToken>{}</tse:SearchToken><tse:MinResults>1</tse:MinResults><tse:MaxResults>100</tse:MaxResults><tse:WaitTime>PT5S</tse:WaitTime></tse:{results_op}>",
            escape(&token)
        );
        let r = t.call(results_op, url, &body, true).await?;
        let list = r
            .child("ResultList")
            .ok_or_else(|| OnvifError::protocol(results_op, "no ResultList"))?;
        take(list, &mut out);
        if list.text_at(&["SearchState"]) == Some("Completed") {
            return Ok(out);
        }
    }
    let body = format!(
        "<tse:EndSearch><tse:SearchToken>{}</tse:SearchToken></tse:EndSearch>",
        escape(&token)
    );
    let _ = t.call("EndSearch", url, &body, true).await;
    Err(OnvifError::protocol(
        results_op,
        format!("search not completed after {MAX_PAGES} pages"),
    ))
}

/// Every recording of the device (`FindRecordings` with an empty scope).
pub async fn recordings(t: &Transport, url: &str) -> Result<Vec<RecordingInfo>, OnvifError> {
    let find = "<tse:FindRecordings><tse:Scope/><tse:KeepAliveTime>PT30S</tse:KeepAliveTime></tse:FindRecordings>".to_string();
    run_search(
        t,
        url,
        ("FindRecordings", find),
        "GetRecordingSearchResults",
        |list, out| {
            for ri in list.children_named("RecordingInformation") {
                let Some(token) = ri.text_at(&["RecordingToken"]) else {
                    continue;
                };
                out.push(RecordingInfo {
                    token: token.to_string(),
                    source_id: ri
                        .text_at(&["Source", "SourceId"])
                        .unwrap_or_default()
                        .to_string(),
                    earliest_ms: utc_text(ri.child("EarliestRecording")).map(ms),
                    latest_ms: utc_text(ri.child("LatestRecording")).map(ms),
                });
            }
        },
    )
    .await
}

/// `IsDataPresent` edges of `recording` between `from_ms` and `to_ms`,
/// including the state at `from_ms` (`IncludeStartState`), oldest first.
pub async fn data_edges(
    t: &Transport,
    url: &str,
    recording: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<DataEdge>, OnvifError> {
    let find = format!(
        concat!(
            "<tse:FindEvents><tse:StartPoint>{}</tse:StartPoint><tse:EndPoint>{}</tse:EndPoint>",
            "<tse:Scope><tt:IncludedRecordings>{}</tt:IncludedRecordings></tse:Scope>",
            "<tse:SearchFilter><tt:TopicExpression Dialect=\"http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet\">",
            "tns1:RecordingHistory/Track/State</tt:TopicExpression></tse:SearchFilter>",
            "<tse:IncludeStartState>true</tse:IncludeStartState>",
            "<tse:KeepAliveTime>PT30S</tse:KeepAliveTime></tse:FindEvents>"
        ),
        utc(from_ms),
        utc(to_ms),
        escape(recording)
    );
    let mut edges = run_search(
        t,
        url,
        ("FindEvents", find),
        "GetEventSearchResults",
        |list, out| {
            for res in list.children_named("Result") {
                if res
                    .text_at(&["RecordingToken"])
                    .is_some_and(|r| r != recording)
                {
                    continue;
                }
                let Some(time) = utc_text(res.child("Time")) else {
                    continue;
                };
                let mut items = Vec::new();
                res.find_all("SimpleItem", &mut items);
                let present = items
                    .iter()
                    .find(|i| i.attr("Name") == Some("IsDataPresent"))
                    .and_then(|i| i.attr("Value"))
                    .map(|v| v.eq_ignore_ascii_case("true"));
                if let Some(present) = present {
                    out.push(DataEdge {
                        t_ms: ms(time),
                        present,
                    });
                }
            }
        },
    )
    .await?;
    edges.sort_by_key(|e| e.t_ms);
    Ok(edges)
}

/// Spans where data is present, from edges, clipped to `[from_ms, to_ms)`.
pub fn spans_from_edges(edges: &[DataEdge], from_ms: i64, to_ms: i64) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    let mut open: Option<i64> = None;
    for e in edges {
        match (e.present, open) {
            (true, None) => open = Some(e.t_ms.max(from_ms)),
            (false, Some(s)) => {
                let end = e.t_ms.min(to_ms);
                if end > s {
                    out.push((s, end));
                }
                open = None;
            }
            _ => {}
        }
    }
    if let Some(s) = open {
        if to_ms > s {
            out.push((s, to_ms));
        }
    }
    out
}

/// `GetReplayUri` (RTSP, RTP-Unicast over RTSP/TCP) for a recording.
pub async fn replay_uri(t: &Transport, url: &str, recording: &str) -> Result<String, OnvifError> {
    let body = format!(
        concat!(
            "<trp:GetReplayUri><trp:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>",
            "<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trp:StreamSetup>",
            "<trp:RecordingToken>{}</trp:RecordingToken></trp:GetReplayUri>"
        ),
        escape(recording)
    );
    let r = t.call("GetReplayUri", url, &body, true).await?;
    r.text_at(&["Uri"])
        .map(str::to_string)
        .ok_or_else(|| OnvifError::protocol("GetReplayUri", "no Uri"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_become_clipped_spans() {
        let e = |t_ms, present| DataEdge { t_ms, present };
        let edges = [
            e(0, true),
            e(100, false),
            e(200, true),
            e(300, false),
            e(400, true),
        ];
        assert_eq!(
            spans_from_edges(&edges, 50, 450),
            vec![(50, 100), (200, 300), (400, 450)]
        );
        assert_eq!(spans_from_edges(&[], 0, 10), vec![]);
        assert_eq!(spans_from_edges(&[e(0, false)], 0, 10), vec![]);
    }
}
