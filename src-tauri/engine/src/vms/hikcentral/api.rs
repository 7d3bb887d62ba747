//! Parsers of the Artemis gateway's JSON answers (PROTOCOLS.md 4.2): the
//! envelope `{code, msg, data}` (success iff `code` is `"0"`), camera pages,
//! preview and playback URL answers (the playback answer's `list` is the
//! coverage), the download job, presets, and HikCentral's ISO 8601 times
//! with milliseconds and an offset. Every parser takes outside input and is
//! fuzzed (tests/fuzz `hikcentral_json`).
use jiff::tz::TimeZone;
use serde_json::Value;

/// What a parser refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HikCentral answer: {0}")]
pub struct ParseError(pub String);

fn bad(why: impl Into<String>) -> ParseError {
    ParseError(why.into())
}

/// The gateway's answer envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// `"0"` on success; a gateway (`0x024010xx`), parameter (`0x000720xx`)
    /// or translation (`2`, `8`, `128`, ...) code otherwise.
    pub code: String,
    pub msg: String,
    pub data: Value,
}

impl Envelope {
    pub fn ok(&self) -> bool {
        self.code == "0"
    }
}

/// Reads the envelope (a code may be a string or a number).
pub fn parse_envelope(body: &[u8]) -> Result<Envelope, ParseError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| bad(format!("not JSON ({e})")))?;
    let obj = v.as_object().ok_or_else(|| bad("not a JSON object"))?;
    let code = match obj.get("code") {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(bad("no code")),
    };
    let msg = obj
        .get("msg")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect();
    Ok(Envelope {
        code,
        msg,
        data: obj.get("data").cloned().unwrap_or(Value::Null),
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A camera as the cameras listing gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Camera {
    pub index_code: String,
    pub name: String,
    /// `capabilitySet` names `ptz`.
    pub ptz: bool,
    /// 1 online, 2 offline, 0 or absent unknown.
    pub status: i64,
}

/// One page of the cameras listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraPage {
    pub total: u64,
    pub list: Vec<Camera>,
}

/// Longest camera index code or name accepted.
const MAX_FIELD: usize = 512;

/// `data` of `resource/v1/cameras`.
pub fn parse_camera_page(data: &Value) -> Result<CameraPage, ParseError> {
    let total = int(data, "total").ok_or_else(|| bad("cameras: no total"))?;
    let total = u64::try_from(total).map_err(|_| bad("cameras: negative total"))?;
    let list = match data.get("list") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().map(parse_camera).collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(bad("cameras: list is not an array")),
    };
    Ok(CameraPage { total, list })
}

/// One camera object.
pub fn parse_camera(v: &Value) -> Result<Camera, ParseError> {
    let index_code = text(v, "cameraIndexCode")
        .filter(|c| !c.trim().is_empty() && c.len() <= MAX_FIELD)
        .ok_or_else(|| bad("a camera without a usable cameraIndexCode"))?;
    let name = text(v, "cameraName")
        .map(|n| n.chars().take(MAX_FIELD).collect::<String>())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| index_code.clone());
    let ptz = text(v, "capabilitySet")
        .map(|c| c.split(',').any(|x| x.trim().eq_ignore_ascii_case("ptz")))
        .unwrap_or(false);
    Ok(Camera {
        index_code,
        name,
        ptz,
        status: int(v, "status").unwrap_or(0),
    })
}

/// The `url` of a preview or download-URL answer, if it has one.
pub fn parse_url(data: &Value) -> Option<String> {
    text(data, "url").filter(|u| !u.trim().is_empty())
}

/// A preview (live) URL answer: an `rtsp://` URL.
pub fn parse_preview(data: &Value) -> Result<String, ParseError> {
    let url = parse_url(data).ok_or_else(|| bad("previewURLs: no url"))?;
    check_rtsp(&url)?;
    Ok(url)
}

fn check_rtsp(url: &str) -> Result<(), ParseError> {
    let u = url::Url::parse(url).map_err(|_| bad("the stream URL is not a URL"))?;
    if u.scheme() != "rtsp" || u.host_str().is_none() {
        return Err(bad(format!(
            "the stream URL is {}://, not rtsp:// (ask for protocol rtsp)",
            u.scheme()
        )));
    }
    Ok(())
}

/// A playback URL answer: the URL (absent when nothing is recorded) and the
/// recorded pieces of the window, ms UTC, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybackAnswer {
    pub url: Option<String>,
    /// The answer's `authentication`, passed on to a download request.
    pub authentication: Option<String>,
    pub segments: Vec<(i64, i64)>,
}

/// `data` of `video/v1/cameras/playbackURLs`; times without an offset are
/// read in `zone` (the site's).
pub fn parse_playback(data: &Value, zone: &TimeZone) -> Result<PlaybackAnswer, ParseError> {
    let url = parse_url(data);
    if let Some(u) = &url {
        check_rtsp(u)?;
    }
    let mut segments = Vec::new();
    match data.get("list") {
        None | Some(Value::Null) => {}
        Some(Value::Array(a)) => {
            for s in a {
                let t = |k: &str| {
                    text(s, k)
                        .and_then(|raw| parse_time(&raw, zone))
                        .ok_or_else(|| bad(format!("playbackURLs: a segment without a valid {k}")))
                };
                let (b, e) = (t("beginTime")?, t("endTime")?);
                if e > b {
                    segments.push((b, e));
                }
            }
        }
        Some(_) => return Err(bad("playbackURLs: list is not an array")),
    }
    Ok(PlaybackAnswer {
        url,
        authentication: text(data, "authentication").filter(|a| !a.is_empty()),
        segments,
    })
}

/// Earliest and latest instants accepted (1970 .. 2200).
const LATEST_MS: i64 = 7_258_118_400_000;

/// `2017-09-26T00:00:00.000+08:00` (or `Z`, or no offset: then in `zone`),
/// ms since the epoch.
pub fn parse_time(raw: &str, zone: &TimeZone) -> Option<i64> {
    let raw = raw.trim();
    if raw.len() > 64 {
        return None;
    }
    let ms = match raw.parse::<jiff::Timestamp>() {
        Ok(t) => t.as_millisecond(),
        Err(_) => {
            let civil: jiff::civil::DateTime = raw.parse().ok()?;
            zone.to_ambiguous_timestamp(civil)
                .compatible()
                .ok()?
                .as_millisecond()
        }
    };
    (0..=LATEST_MS).contains(&ms).then_some(ms)
}

/// An instant as HikCentral wants it: local time in `zone`, ms, offset.
pub fn format_time(ms: i64, zone: &TimeZone) -> String {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.to_zoned(zone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// `downloadID` of a `video/v1/download` answer.
pub fn parse_download_id(data: &Value) -> Result<String, ParseError> {
    text(data, "downloadID")
        .or_else(|| text(data, "downloadId"))
        .filter(|d| !d.is_empty() && d.len() <= MAX_FIELD)
        .ok_or_else(|| bad("download: no downloadID"))
}

/// A preset: its index and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetEntry {
    pub index: i64,
    pub name: String,
}

/// `data` of `video/v1/presets/searches` (`list` of `presetIndex` /
/// `presetPointIndex` and `presetName` / `presetPointName`).
pub fn parse_presets(data: &Value) -> Result<Vec<PresetEntry>, ParseError> {
    let list = match data.get("list") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(bad("presets: list is not an array")),
    };
    list.iter()
        .map(|p| {
            let index = int(p, "presetIndex")
                .or_else(|| int(p, "presetPointIndex"))
                .ok_or_else(|| bad("a preset without an index"))?;
            let name = text(p, "presetName")
                .or_else(|| text(p, "presetPointName"))
                .unwrap_or_else(|| format!("Preset {index}"))
                .chars()
                .take(MAX_FIELD)
                .collect();
            Ok(PresetEntry { index, name })
        })
        .collect()
}

/// Every parser over one input (for the fuzz target): must never panic.
pub fn parse_any(body: &[u8]) {
    let zone = TimeZone::fixed(jiff::tz::offset(8));
    if let Ok(env) = parse_envelope(body) {
        let d = &env.data;
        let _ = parse_camera_page(d);
        let _ = parse_preview(d);
        let _ = parse_playback(d, &zone);
        let _ = parse_download_id(d);
        let _ = parse_presets(d);
    }
    if let Ok(s) = std::str::from_utf8(body) {
        let _ = parse_time(s, &zone);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelopes_with_string_and_number_codes() {
        let e = parse_envelope(br#"{"code":"0","msg":"Success","data":{"total":0}}"#).unwrap();
        assert!(e.ok());
        let e = parse_envelope(br#"{"code":128,"msg":"not found"}"#).unwrap();
        assert_eq!((e.code.as_str(), e.ok()), ("128", false));
        assert!(parse_envelope(b"[1]").is_err());
        assert!(parse_envelope(b"<html>").is_err());
    }

    #[test]
    fn camera_pages() {
        let p = parse_camera_page(&json!({"total": 3, "pageNo": 1, "list": [
            {"cameraIndexCode": "a1", "cameraName": "Gate", "capabilitySet": "io,ptz,record", "status": 1},
            {"cameraIndexCode": "b2", "capabilitySet": "record"}
        ]}))
        .unwrap();
        assert_eq!(p.total, 3);
        assert_eq!(
            p.list[0],
            Camera {
                index_code: "a1".into(),
                name: "Gate".into(),
                ptz: true,
                status: 1
            }
        );
        assert_eq!((p.list[1].name.as_str(), p.list[1].ptz), ("b2", false));
        assert!(parse_camera_page(&json!({"total": 1, "list": [{"cameraName": "x"}]})).is_err());
        assert!(parse_camera_page(&json!({"list": []})).is_err());
    }

    #[test]
    fn times_with_offsets_z_and_none() {
        let z8 = TimeZone::fixed(jiff::tz::offset(8));
        let utc = TimeZone::UTC;
        let want = 1_506_355_200_000; // 2017-09-25T16:00:00Z
        assert_eq!(
            parse_time("2017-09-26T00:00:00.000+08:00", &utc),
            Some(want)
        );
        assert_eq!(parse_time("2017-09-25T16:00:00Z", &z8), Some(want));
        assert_eq!(parse_time("2017-09-26T00:00:00.000", &z8), Some(want));
        assert_eq!(parse_time("not a time", &z8), None);
        assert_eq!(parse_time("2300-01-01T00:00:00Z", &z8), None);
        assert_eq!(format_time(want + 5, &z8), "2017-09-26T00:00:00.005+08:00");
        let sh = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        assert_eq!(parse_time(&format_time(want, &sh), &utc), Some(want));
    }

    #[test]
    fn playback_answers_give_segments() {
        let z = TimeZone::UTC;
        let a = parse_playback(&json!({"url": "rtsp://10.0.0.1:554/openUrl/abc", "uuid": "u", "list": [
            {"beginTime": "2017-09-26T00:00:00.000+08:00", "endTime": "2017-09-26T00:10:00.000+08:00", "size": 1},
            {"beginTime": "2017-09-26T00:10:00.000+08:00", "endTime": "2017-09-26T00:10:00.000+08:00"}
        ]}), &z)
        .unwrap();
        assert_eq!(a.segments, vec![(1_506_355_200_000, 1_506_355_800_000)]);
        assert!(a.url.is_some());
        assert!(parse_playback(&json!({"url": "http://x/y"}), &z).is_err());
        assert!(
            parse_playback(&json!({"list": [{"beginTime": "x", "endTime": "y"}]}), &z).is_err()
        );
        assert_eq!(parse_playback(&json!({"list": []}), &z).unwrap().url, None);
    }

    #[test]
    fn downloads_and_presets() {
        assert_eq!(
            parse_download_id(&json!({"downloadID": "d1"})).unwrap(),
            "d1"
        );
        assert!(parse_download_id(&json!({})).is_err());
        assert_eq!(parse_url(&json!({"progress": 50})), None);
        let p = parse_presets(
            &json!({"list": [{"presetIndex": 2, "presetName": "Yard"}, {"presetPointIndex": "3"}]}),
        )
        .unwrap();
        assert_eq!(
            p[0],
            PresetEntry {
                index: 2,
                name: "Yard".into()
            }
        );
        assert_eq!(
            p[1],
            PresetEntry {
                index: 3,
                name: "Preset 3".into()
            }
        );
        parse_any(b"{\"code\":\"0\",\"data\":{\"list\":[{}]}}");
    }
}
