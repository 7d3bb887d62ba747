//! Readers of ISAPI XML answers (PROTOCOLS.md 3.1-3.7): device info and
//! time, streaming channels, `ResponseStatus` errors, search results, the
//! month calendar, PTZ capabilities and presets. Elements are matched by
//! local name (both the isapi.org and the older hikvision.com namespace),
//! through the bounded tree of [`crate::vms::onvif::xml`]. Times stay text
//! here: reading them needs the device's time mode ([`super::time`]).
//! Every function is outside-input safe (fuzzed: `tests/fuzz`).
use crate::vms::onvif::xml::{self, Element};

/// An answer that is not the document expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IsapiXmlError {
    #[error("{0}")]
    Malformed(String),
    #[error("expected <{expected}>, got <{got}>")]
    Unexpected { expected: &'static str, got: String },
    #[error("<{0}> is missing or unreadable")]
    Missing(&'static str),
}

fn root(doc: &str, expected: &'static str) -> Result<Element, IsapiXmlError> {
    let el = xml::parse(doc).map_err(|e| IsapiXmlError::Malformed(e.to_string()))?;
    if el.name != expected {
        return Err(IsapiXmlError::Unexpected {
            expected,
            got: el.name.chars().take(64).collect(),
        });
    }
    Ok(el)
}

fn text<'a>(el: &'a Element, name: &str) -> Option<&'a str> {
    el.find(name)
        .map(|e| e.text.as_str())
        .filter(|t| !t.is_empty())
}

fn number<T: std::str::FromStr>(el: &Element, name: &str) -> Option<T> {
    text(el, name).and_then(|t| t.trim().parse().ok())
}

/// `DeviceInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    pub name: String,
    pub model: String,
    pub serial: String,
    pub device_type: String,
    pub firmware: String,
}

pub fn parse_device_info(doc: &str) -> Result<DeviceInfo, IsapiXmlError> {
    let r = root(doc, "DeviceInfo")?;
    let t = |n| text(&r, n).unwrap_or_default().to_string();
    Ok(DeviceInfo {
        name: t("deviceName"),
        model: t("model"),
        serial: t("serialNumber"),
        device_type: t("deviceType"),
        firmware: t("firmwareVersion"),
    })
}

/// `Time`: the device's local time and its POSIX-like zone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceTime {
    pub local_time: Option<String>,
    pub time_zone: Option<String>,
}

pub fn parse_device_time(doc: &str) -> Result<DeviceTime, IsapiXmlError> {
    let r = root(doc, "Time")?;
    Ok(DeviceTime {
        local_time: text(&r, "localTime").map(str::to_string),
        time_zone: text(&r, "timeZone").map(str::to_string),
    })
}

/// One `StreamingChannel` (`id` = channel * 100 + stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamingChannel {
    pub id: u32,
    pub name: String,
    pub enabled: bool,
    pub codec: String,
    pub width: u32,
    pub height: u32,
    pub rtsp_port: Option<u16>,
}

impl StreamingChannel {
    pub fn channel(&self) -> u32 {
        self.id / 100
    }
    /// 1 main, 2 sub, 3 third.
    pub fn stream(&self) -> u32 {
        self.id % 100
    }
}

pub fn parse_channels(doc: &str) -> Result<Vec<StreamingChannel>, IsapiXmlError> {
    let r = root(doc, "StreamingChannelList")?;
    let mut out = Vec::new();
    for c in r.children_named("StreamingChannel") {
        let Some(id) = c
            .child("id")
            .and_then(|i| i.text.trim().parse::<u32>().ok())
        else {
            continue;
        };
        if !(100..=99_999).contains(&id) {
            continue;
        }
        let video = c.child("Video");
        let v = |n: &str| video.and_then(|v| number::<u32>(v, n)).unwrap_or(0);
        out.push(StreamingChannel {
            id,
            name: c
                .child("channelName")
                .map(|e| e.text.chars().take(200).collect())
                .unwrap_or_default(),
            enabled: c
                .child("enabled")
                .map(|e| e.text != "false")
                .unwrap_or(true),
            codec: video
                .and_then(|v| text(v, "videoCodecType"))
                .unwrap_or_default()
                .chars()
                .take(32)
                .collect(),
            width: v("videoResolutionWidth").min(16384),
            height: v("videoResolutionHeight").min(16384),
            rtsp_port: c
                .child("Transport")
                .and_then(|t| number::<u16>(t, "rtspPortNo"))
                .filter(|p| *p != 0),
        });
    }
    Ok(out)
}

/// An ISAPI error (`ResponseStatus`, or its JSON twin).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseStatus {
    pub status_code: Option<i64>,
    pub status_string: String,
    pub sub_status_code: String,
    pub error_code: Option<i64>,
    pub error_msg: String,
}

impl ResponseStatus {
    /// The vendor code to show: the sub status, else the status string.
    pub fn code(&self) -> String {
        if !self.sub_status_code.is_empty() {
            self.sub_status_code.clone()
        } else {
            self.status_string.clone()
        }
    }
    pub fn not_supported(&self) -> bool {
        self.sub_status_code.eq_ignore_ascii_case("notSupport")
    }
}

/// Reads an error answer: XML `ResponseStatus` or JSON
/// `{statusCode, statusString, subStatusCode, errorCode, errorMsg}`.
pub fn parse_response_status(doc: &str) -> Result<ResponseStatus, IsapiXmlError> {
    let t = doc.trim_start();
    if t.starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(t).map_err(|e| IsapiXmlError::Malformed(e.to_string()))?;
        let s = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect::<String>()
        };
        return Ok(ResponseStatus {
            status_code: v.get("statusCode").and_then(|x| x.as_i64()),
            status_string: s("statusString"),
            sub_status_code: s("subStatusCode"),
            error_code: v.get("errorCode").and_then(|x| x.as_i64()),
            error_msg: s("errorMsg"),
        });
    }
    let r = root(doc, "ResponseStatus")?;
    let s = |n| {
        text(&r, n)
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect::<String>()
    };
    Ok(ResponseStatus {
        status_code: number(&r, "statusCode"),
        status_string: s("statusString"),
        sub_status_code: s("subStatusCode"),
        error_code: number(&r, "errorCode"),
        error_msg: s("errorMsg"),
    })
}

/// Where a search stands after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchState {
    /// `OK`: the last page.
    Done,
    /// `MORE`: ask again from the next position.
    More,
    /// `NO MATCHES`.
    NoMatches,
}

/// One `searchMatchItem` (times as the device wrote them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchMatch {
    pub track_id: Option<u32>,
    pub start: String,
    pub end: String,
    pub playback_uri: Option<String>,
    pub name: Option<String>,
}

/// One `CMSearchResult` page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub search_id: String,
    pub state: SearchState,
    pub matches: Vec<SearchMatch>,
}

pub fn parse_search_result(doc: &str) -> Result<SearchPage, IsapiXmlError> {
    let r = root(doc, "CMSearchResult")?;
    if text(&r, "responseStatus") == Some("false") {
        return Err(IsapiXmlError::Malformed(
            "the device says the search failed (responseStatus false)".into(),
        ));
    }
    let state = match text(&r, "responseStatusStrg").map(|s| s.to_ascii_uppercase()) {
        Some(s) if s == "MORE" => SearchState::More,
        Some(s) if s == "NO MATCHES" || s == "NO MATCH" => SearchState::NoMatches,
        Some(s) if s == "OK" => SearchState::Done,
        Some(_) => return Err(IsapiXmlError::Missing("responseStatusStrg")),
        None => SearchState::Done,
    };
    let mut items = Vec::new();
    r.find_all("searchMatchItem", &mut items);
    let mut matches = Vec::with_capacity(items.len());
    for it in items {
        let span = it.child("timeSpan");
        let (Some(start), Some(end)) = (
            span.and_then(|s| text(s, "startTime")),
            span.and_then(|s| text(s, "endTime")),
        ) else {
            return Err(IsapiXmlError::Missing("timeSpan"));
        };
        let desc = it.child("mediaSegmentDescriptor");
        matches.push(SearchMatch {
            track_id: number(it, "trackID"),
            start: start.to_string(),
            end: end.to_string(),
            playback_uri: desc
                .and_then(|d| text(d, "playbackURI"))
                .map(|s| s.chars().take(2048).collect()),
            name: desc
                .and_then(|d| text(d, "name"))
                .map(|s| s.chars().take(200).collect()),
        });
    }
    Ok(SearchPage {
        search_id: text(&r, "searchID").unwrap_or_default().to_string(),
        state,
        matches,
    })
}

/// `trackDailyDistribution`: the days of the month (1..=31) that have recordings.
pub fn parse_daily_distribution(doc: &str) -> Result<Vec<u8>, IsapiXmlError> {
    let r = root(doc, "trackDailyDistribution")?;
    let mut days = Vec::new();
    r.find_all("day", &mut days);
    let mut out: Vec<u8> = days
        .iter()
        .filter(|d| text(d, "record") == Some("true"))
        .filter_map(|d| number::<u8>(d, "dayOfMonth").or_else(|| number::<u8>(d, "id")))
        .filter(|d| (1..=31).contains(d))
        .collect();
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// A stored PTZ position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsapiPreset {
    pub id: u32,
    pub name: String,
}

pub fn parse_presets(doc: &str) -> Result<Vec<IsapiPreset>, IsapiXmlError> {
    let r = root(doc, "PTZPresetList")?;
    Ok(r.children_named("PTZPreset")
        .filter(|p| {
            p.child("enabled")
                .map(|e| e.text != "false")
                .unwrap_or(true)
        })
        .filter_map(|p| {
            let id = p.child("id")?.text.trim().parse().ok()?;
            let name = p
                .child("presetName")
                .map(|n| n.text.chars().take(200).collect())
                .unwrap_or_default();
            Some(IsapiPreset { id, name })
        })
        .collect())
}

/// What `/ISAPI/PTZCtrl/channels/<ch>/capabilities` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsapiPtzCaps {
    pub continuous: bool,
    pub momentary: bool,
    pub presets: bool,
    pub home: bool,
    /// Largest magnitude of a continuous velocity (normally 100).
    pub max_speed: i32,
}

pub fn parse_ptz_caps(doc: &str) -> Result<IsapiPtzCaps, IsapiXmlError> {
    let r = root(doc, "PTZChanelCap").or_else(|_| root(doc, "PTZChannelCap"))?;
    let cont = r.find("ContinuousPanTiltSpace");
    let max_speed = cont
        .and_then(|c| c.find("XRange"))
        .and_then(|x| number::<i32>(x, "Max"))
        .filter(|m| (1..=1000).contains(m))
        .unwrap_or(100);
    Ok(IsapiPtzCaps {
        continuous: cont.is_some() || r.find("ContinuousZoomSpace").is_some(),
        momentary: r.find("MomentaryPanTiltSpace").is_some(),
        presets: number::<u32>(&r, "maxPresetNum")
            .map(|n| n > 0)
            .unwrap_or(true),
        home: text(&r, "isSupportHomePosition") != Some("false"),
        max_speed,
    })
}

/// Escapes text for an XML body (once: `&` becomes `&amp;`, never `&amp;amp;`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "http://www.hikvision.com/ver20/XMLSchema";

    #[test]
    fn channels_give_ids_sizes_codecs_and_ports() {
        let doc = format!(
            r#"<?xml version="1.0"?><StreamingChannelList version="2.0" xmlns="{NS}">
            <StreamingChannel><id>101</id><channelName>Gate</channelName><enabled>true</enabled>
              <Transport><rtspPortNo>10554</rtspPortNo></Transport>
              <Video><videoCodecType>H.265</videoCodecType><videoResolutionWidth>1920</videoResolutionWidth>
              <videoResolutionHeight>1080</videoResolutionHeight></Video></StreamingChannel>
            <StreamingChannel><id>1702</id><channelName>Yard &amp; Dock</channelName></StreamingChannel>
            <StreamingChannel><id>x</id></StreamingChannel></StreamingChannelList>"#
        );
        let c = parse_channels(&doc).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].channel(), c[0].stream(), c[0].width, c[0].rtsp_port),
            (1, 1, 1920, Some(10554))
        );
        assert_eq!(c[0].codec, "H.265");
        assert_eq!(
            (c[1].channel(), c[1].stream(), c[1].name.as_str()),
            (17, 2, "Yard & Dock")
        );
        assert!(parse_channels("<DeviceInfo/>").is_err());
    }

    #[test]
    fn errors_in_xml_and_json() {
        let x = r#"<ResponseStatus version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema">
          <requestURL>/ISAPI/x</requestURL><statusCode>4</statusCode><statusString>Invalid Operation</statusString>
          <subStatusCode>notSupport</subStatusCode></ResponseStatus>"#;
        let s = parse_response_status(x).unwrap();
        assert!(s.not_supported());
        assert_eq!(s.status_code, Some(4));
        let j = r#"{"requestURL":"/x","statusCode":4,"statusString":"Invalid Operation","subStatusCode":"notSupport","errorCode":1073741825,"errorMsg":"x"}"#;
        let s = parse_response_status(j).unwrap();
        assert!(s.not_supported() && s.error_code == Some(1073741825));
    }

    #[test]
    fn a_search_page_and_the_calendar() {
        let doc = r#"<CMSearchResult><searchID>A</searchID><responseStatus>true</responseStatus>
          <responseStatusStrg>MORE</responseStatusStrg><numOfMatches>1</numOfMatches><matchList>
          <searchMatchItem><trackID>101</trackID><timeSpan><startTime>2021-08-18T15:18:15Z</startTime>
          <endTime>2021-08-18T15:19:08Z</endTime></timeSpan><mediaSegmentDescriptor>
          <playbackURI>rtsp://10.0.0.1/Streaming/tracks/101/?starttime=20210818T151815Z&amp;endtime=20210818T151908Z</playbackURI>
          </mediaSegmentDescriptor></searchMatchItem></matchList></CMSearchResult>"#;
        let p = parse_search_result(doc).unwrap();
        assert_eq!(p.state, SearchState::More);
        assert_eq!(p.matches[0].start, "2021-08-18T15:18:15Z");
        assert!(p.matches[0]
            .playback_uri
            .as_deref()
            .unwrap()
            .contains("Z&endtime="));
        let cal = "<trackDailyDistribution><dayList><day><id>1</id><dayOfMonth>1</dayOfMonth><record>false</record></day>\
                   <day><id>2</id><dayOfMonth>2</dayOfMonth><record>true</record></day></dayList></trackDailyDistribution>";
        assert_eq!(parse_daily_distribution(cal).unwrap(), vec![2]);
        assert_eq!(escape("a&b<"), "a&amp;b&lt;");
    }
}
