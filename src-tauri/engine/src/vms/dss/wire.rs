//! The DSS answers as the engine reads them (PROTOCOLS.md 5.2): the login
//! challenge and result, the `{code, desc, data}` envelope (1000 = success),
//! the device tree, media URLs (`url` with `inner|outer` alternatives plus a
//! `token`) and recording records. Every parser takes the raw body and is
//! pub so the fuzz targets reach it; numbers may arrive as JSON numbers or
//! strings.
use serde_json::Value;

/// The envelope code of success.
pub const OK: i64 = 1000;
/// "Token is expired" (no keepalive for its duration).
pub const TOKEN_EXPIRED: i64 = 7000;
/// Unknown token (never issued, logged out).
pub const UNAUTHORIZED: i64 = 1103;

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unexpected DSS answer: {0}")]
pub struct WireError(pub String);

fn err(s: impl Into<String>) -> WireError {
    WireError(s.into())
}

fn json(body: &[u8]) -> Result<Value, WireError> {
    serde_json::from_slice(body).map_err(|e| err(format!("not JSON ({e})")))
}

/// A string or number field as text.
fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A string or number field as an integer.
fn int(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The first login step's answer (sent with HTTP 401 by design).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub random_key: String,
    pub encrypt_type: String,
    /// `simple` selects the short signature (ICC platforms).
    pub simple: bool,
}

pub fn parse_challenge(body: &[u8]) -> Result<Challenge, WireError> {
    let v = json(body)?;
    let v = v.get("data").filter(|d| d.is_object()).unwrap_or(&v);
    let realm = text(v, "realm").ok_or_else(|| err("login challenge without realm"))?;
    let random_key =
        text(v, "randomKey").ok_or_else(|| err("login challenge without randomKey"))?;
    Ok(Challenge {
        realm,
        random_key,
        encrypt_type: text(v, "encryptType").unwrap_or_else(|| "MD5".into()),
        simple: text(v, "method").is_some_and(|m| m.eq_ignore_ascii_case("simple")),
    })
}

/// A successful login: the token (a secret: never printed) and how long
/// it lives without a keepalive.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginOk {
    pub token: String,
    pub duration_s: u64,
}

impl std::fmt::Debug for LoginOk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginOk")
            .field("token", &"***")
            .field("duration_s", &self.duration_s)
            .finish()
    }
}

/// The token lifetime assumed when the server states none (typical DSS).
pub const DEFAULT_DURATION_S: u64 = 30;

/// The second login step's answer, bare or inside `{code, data}`.
pub fn parse_login(body: &[u8]) -> Result<LoginOk, WireError> {
    let v = json(body)?;
    if let Some(code) = int(&v, "code").filter(|c| *c != OK) {
        return Err(err(format!("login refused with code {code}")));
    }
    let d = v.get("data").filter(|d| d.is_object()).unwrap_or(&v);
    let token = text(d, "token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| err("login answer without token"))?;
    let duration_s = int(d, "duration")
        .filter(|d| *d > 0)
        .map(|d| d.min(24 * 3600) as u64)
        .unwrap_or(DEFAULT_DURATION_S);
    Ok(LoginOk { token, duration_s })
}

/// The envelope of every other answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// `None` when the answer carries no code (some versions leave it out).
    pub code: Option<i64>,
    pub desc: String,
    pub data: Value,
}

impl Reply {
    pub fn ok(&self) -> bool {
        self.code.is_none_or(|c| c == OK)
    }
}

pub fn parse_reply(body: &[u8]) -> Result<Reply, WireError> {
    let v = json(body)?;
    if !v.is_object() {
        return Err(err("the answer is not a JSON object"));
    }
    Ok(Reply {
        code: int(&v, "code"),
        desc: text(&v, "desc")
            .or_else(|| text(&v, "message"))
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect(),
        data: v.get("data").cloned().unwrap_or(Value::Null),
    })
}

/// One channel (camera) of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// `<deviceCode>$1$0$<n>`: what every video and PTZ call names.
    pub id: String,
    pub name: String,
    pub device: String,
    /// `cameraType` "2" (a dome).
    pub ptz: bool,
}

/// The most channels read from one tree (a hostile answer is cut there).
pub const MAX_CHANNELS: usize = 10_000;

/// The channels of `tree/devices` (`data.devices[].channels[]`, or
/// `data.devices[].units[].channels[]`), in the server's order, each once.
pub fn parse_tree(body: &[u8]) -> Result<Vec<Channel>, WireError> {
    let r = parse_reply(body)?;
    if !r.ok() {
        return Err(err(format!("tree refused with code {:?}", r.code)));
    }
    let devices = r
        .data
        .get("devices")
        .and_then(Value::as_array)
        .ok_or_else(|| err("tree without data.devices"))?;
    let mut out: Vec<Channel> = Vec::new();
    for d in devices {
        let device = text(d, "deviceName")
            .or_else(|| text(d, "deviceCode"))
            .unwrap_or_default();
        let direct = d.get("channels").and_then(Value::as_array).into_iter();
        let units = d
            .get("units")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|u| u.get("channels").and_then(Value::as_array));
        for list in direct.chain(units) {
            for c in list {
                let Some(id) = text(c, "channelId")
                    .or_else(|| text(c, "channelCode"))
                    .filter(|i| !i.is_empty() && i.len() <= 256)
                else {
                    continue;
                };
                if out.iter().any(|o| o.id == id) {
                    continue;
                }
                if out.len() >= MAX_CHANNELS {
                    return Ok(out);
                }
                let name = text(c, "channelName")
                    .filter(|n| !n.trim().is_empty())
                    .unwrap_or_else(|| id.clone());
                out.push(Channel {
                    ptz: text(c, "cameraType").as_deref() == Some("2"),
                    name: name.chars().take(200).collect(),
                    device: device.chars().take(200).collect(),
                    id,
                });
            }
        }
    }
    Ok(out)
}

/// A media URL handed out by StartVideo or StartPlaybackByTime: the RTSP
/// URL to play and its token (a secret).
#[derive(Clone, PartialEq, Eq)]
pub struct MediaUrl {
    pub url: String,
    pub token: String,
}

impl std::fmt::Debug for MediaUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaUrl")
            .field("url", &crate::secrets::redact::redact_url(&self.url))
            .field("token", &"***")
            .finish()
    }
}

impl MediaUrl {
    /// `<url>?token=<token>` (or `&token=` when the URL has a query).
    pub fn playable(&self) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!("{}{sep}token={}", self.url, self.token)
    }
}

/// The `data {url, token}` of a media answer. `url` may list `inner|outer`
/// alternatives: the one on `server_host` (the DSS address the engine
/// reaches) wins, else the last (the outer one). Only `rtsp://` is taken.
pub fn parse_media(body: &[u8], server_host: &str) -> Result<MediaUrl, WireError> {
    let r = parse_reply(body)?;
    if !r.ok() {
        return Err(err(format!("refused with code {:?}", r.code)));
    }
    let raw = text(&r.data, "url").ok_or_else(|| err("no data.url"))?;
    let token = text(&r.data, "token").unwrap_or_default();
    let alts: Vec<url::Url> = raw
        .split('|')
        .filter_map(|a| url::Url::parse(a.trim()).ok())
        .filter(|u| u.scheme() == "rtsp" && u.host_str().is_some() && u.username().is_empty())
        .collect();
    let pick = alts
        .iter()
        .find(|u| u.host_str() == Some(server_host))
        .or(alts.last())
        .ok_or_else(|| err("no rtsp:// URL in data.url"))?;
    Ok(MediaUrl {
        url: pick.to_string(),
        token,
    })
}

/// One record of QueryRecords (Unix seconds) and the stream id playback
/// by time needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub start_s: i64,
    pub end_s: i64,
    pub stream_id: String,
}

/// The most records read from one answer.
pub const MAX_RECORDS: usize = 100_000;

/// `data.records[]` of QueryRecords, sorted by start; records with an
/// empty or inverted range, or outside 1970..2200, are skipped.
pub fn parse_records(body: &[u8]) -> Result<Vec<Record>, WireError> {
    let r = parse_reply(body)?;
    if !r.ok() {
        return Err(err(format!("QueryRecords refused with code {:?}", r.code)));
    }
    let list = match r.data.get("records") {
        Some(Value::Array(a)) => a.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return Err(err("data.records is not a list")),
    };
    const LATEST_S: i64 = 7_258_118_400; // 2200-01-01
    let mut out: Vec<Record> = list
        .iter()
        .take(MAX_RECORDS)
        .filter_map(|v| {
            let (a, b) = (int(v, "startTime")?, int(v, "endTime")?);
            (0 <= a && a < b && b <= LATEST_S).then(|| Record {
                start_s: a,
                end_s: b,
                stream_id: text(v, "streamId").unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by_key(|r| (r.start_s, r.end_s));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_and_login_bare_or_wrapped() {
        let c = parse_challenge(
            br#"{"realm":"DSS-REALM","randomKey":"ab12","encryptType":"MD5","publickey":"x"}"#,
        )
        .unwrap();
        assert_eq!(
            (c.realm.as_str(), c.random_key.as_str(), c.simple),
            ("DSS-REALM", "ab12", false)
        );
        assert!(
            parse_challenge(br#"{"realm":"r","randomKey":"k","method":"simple"}"#)
                .unwrap()
                .simple
        );
        assert!(parse_challenge(br#"{"code":1103}"#).is_err());
        let l = parse_login(br#"{"token":"tk-1","duration":"25","userId":"1"}"#).unwrap();
        assert_eq!(l.duration_s, 25);
        let w = parse_login(br#"{"code":1000,"data":{"token":"tk-2","duration":40}}"#).unwrap();
        assert_eq!((w.token.as_str(), w.duration_s), ("tk-2", 40));
        assert!(!format!("{w:?}").contains("tk-2"));
        assert!(parse_login(br#"{"code":7000,"desc":"x"}"#).is_err());
        assert_eq!(
            parse_login(br#"{"token":"t"}"#).unwrap().duration_s,
            DEFAULT_DURATION_S
        );
    }

    #[test]
    fn tree_channels_direct_or_in_units() {
        let body = br#"{"code":1000,"data":{"devices":[
            {"deviceCode":"1","deviceName":"NVR","channels":[
                {"channelId":"1$1$0$0","channelName":"Gate","cameraType":"1"},
                {"channelId":"1$1$0$1","channelName":"","cameraType":2}]},
            {"deviceCode":"2","units":[{"channels":[{"channelId":"2$1$0$0","channelName":"Dome","cameraType":"2"},
                {"channelName":"no id"}, {"channelId":"1$1$0$0"}]}]}]}}"#;
        let t = parse_tree(body).unwrap();
        let got: Vec<_> = t
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str(), c.ptz))
            .collect();
        assert_eq!(
            got,
            [
                ("1$1$0$0", "Gate", false),
                ("1$1$0$1", "1$1$0$1", true),
                ("2$1$0$0", "Dome", true)
            ]
        );
        assert_eq!(t[2].device, "2");
        assert!(parse_tree(br#"{"code":7000}"#).is_err());
        assert!(parse_tree(b"[]").is_err());
    }

    #[test]
    fn media_urls_pick_the_servers_host_and_never_print_the_token() {
        let body = br#"{"code":1000,"data":{"url":"rtsp://10.1.1.1:9100/dss/1|rtsp://dss.example:9100/dss/1","token":"mt-9"}}"#;
        let m = parse_media(body, "dss.example").unwrap();
        assert_eq!(m.playable(), "rtsp://dss.example:9100/dss/1?token=mt-9");
        assert!(!format!("{m:?}").contains("mt-9"));
        let m = parse_media(body, "elsewhere").unwrap();
        assert!(m.url.starts_with("rtsp://dss.example"), "outer by default");
        let q = parse_media(
            br#"{"code":1000,"data":{"url":"rtsp://h/p?a=1","token":"t"}}"#,
            "h",
        )
        .unwrap();
        assert_eq!(q.playable(), "rtsp://h/p?a=1&token=t");
        for bad in [
            &br#"{"code":1000,"data":{"url":"file:///etc/passwd","token":"t"}}"#[..],
            br#"{"code":1000,"data":{"url":"rtsp://u:p@h/x","token":"t"}}"#,
            br#"{"code":2054,"data":{}}"#,
        ] {
            assert!(parse_media(bad, "h").is_err());
        }
    }

    #[test]
    fn records_sorted_and_bounded() {
        let body = br#"{"code":1000,"data":{"records":[
            {"startTime":"200","endTime":"300","streamId":"b"},
            {"startTime":100,"endTime":200,"streamId":"a"},
            {"startTime":"300","endTime":"300"},
            {"startTime":"-5","endTime":"10"},
            {"startTime":"1","endTime":"99999999999"}]}}"#;
        let r = parse_records(body).unwrap();
        assert_eq!(
            r.iter()
                .map(|r| (r.start_s, r.end_s, r.stream_id.as_str()))
                .collect::<Vec<_>>(),
            [(100, 200, "a"), (200, 300, "b")]
        );
        assert!(parse_records(br#"{"code":1000,"data":{}}"#)
            .unwrap()
            .is_empty());
        assert!(parse_records(br#"{"code":1000,"data":{"records":5}}"#).is_err());
    }
}
