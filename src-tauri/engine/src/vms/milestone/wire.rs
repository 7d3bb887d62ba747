//! The Mobile Server's wire formats (PROTOCOLS.md 6.1): the request envelope
//! ([`request`]), the answers (several XML documents separated by
//! `\r\n\r\n`, `Processing` messages before the final `Response`:
//! [`parse_answer`]), the item tree of `GetAllViewsAndCameras`
//! ([`parse_cameras`]), `GetSequences` ([`parse_sequences`]) and the binary
//! video frame header with its extensions ([`parse_frame`]). Everything here
//! reads outside input and is fuzzed (`tests/fuzz`, target `milestone_wire`).
use crate::vms::onvif::xml::{self, Element};

/// The largest answer document read (a camera tree of a big site).
pub const MAX_ANSWER: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("malformed answer: {0}")]
    Malformed(String),
    #[error("the answer has no final Response to command {0}")]
    NoResponse(String),
    #[error("frame header: {0}")]
    Frame(&'static str),
}

/// Escapes text for an XML attribute value.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// One command as an envelope: `ConnectionId` (omitted before Connect),
/// the sequence number, the name and its parameters (a repeated key is a
/// repeated `Param`), terminated by `\r\n\r\n`.
pub fn request(
    connection_id: Option<&str>,
    sequence: u64,
    name: &str,
    params: &[(&str, String)],
) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<Communication xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">",
    );
    if let Some(id) = connection_id {
        s.push_str(&format!("<ConnectionId>{}</ConnectionId>", escape(id)));
    }
    s.push_str(&format!(
        "<Command SequenceId=\"{sequence}\"><Type>Request</Type><Name>{}</Name><InputParams>",
        escape(name)
    ));
    for (k, v) in params {
        s.push_str(&format!(
            "<Param Name=\"{}\" Value=\"{}\"/>",
            escape(k),
            escape(v)
        ));
    }
    s.push_str("</InputParams></Command></Communication>\r\n\r\n");
    s
}

/// The final answer to a command.
#[derive(Debug, Default)]
pub struct Answer {
    pub name: String,
    pub sequence: Option<u64>,
    /// `Result` was `OK`.
    pub ok: bool,
    pub error_code: Option<u32>,
    pub error_string: String,
    /// `OutputParams` in order (a key may repeat, e.g. `Challenge`).
    pub outputs: Vec<(String, String)>,
    /// The command element, for lists (`Items`, `Sequences`, ...).
    pub command: Element,
}

impl Answer {
    /// The first output named `name` (case-insensitive).
    pub fn output(&self, name: &str) -> Option<&str> {
        self.outputs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Every output named `name`.
    pub fn outputs_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.outputs
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `Yes`/`True`/`1` (any case).
pub fn yes(v: Option<&str>) -> bool {
    v.is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "yes" | "true" | "1"))
}

fn command_answer(cmd: &Element) -> Answer {
    let text = |n: &str| cmd.child(n).map(|e| e.text.trim().to_string());
    let mut outputs = Vec::new();
    if let Some(out) = cmd.child("OutputParams") {
        for p in out.children_named("Param") {
            if let Some(k) = p.attr("Name") {
                let v = p
                    .attr("Value")
                    .map(str::to_string)
                    .unwrap_or_else(|| p.text.clone());
                outputs.push((k.to_string(), v));
            }
        }
    }
    let result = text("Result").unwrap_or_default();
    Answer {
        name: text("Name").unwrap_or_default(),
        sequence: cmd.attr("SequenceId").and_then(|s| s.trim().parse().ok()),
        ok: result.eq_ignore_ascii_case("ok"),
        error_code: text("ErrorCode").and_then(|c| c.parse().ok()),
        error_string: text("ErrorString").unwrap_or_default(),
        outputs,
        command: Element::new("Command"),
    }
}

/// The final `Response` of an answer body (documents separated by blank
/// lines; `Processing` interim messages skipped). `expect` is the
/// command's name (for the error when there is no final answer).
pub fn parse_answer(body: &[u8], expect: &str) -> Result<Answer, WireError> {
    if body.len() > MAX_ANSWER {
        return Err(WireError::Malformed(format!(
            "{} bytes, at most {MAX_ANSWER}",
            body.len()
        )));
    }
    let text =
        std::str::from_utf8(body).map_err(|e| WireError::Malformed(format!("not UTF-8: {e}")))?;
    let mut last = None;
    for doc in text
        .split("\r\n\r\n")
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        let root = xml::parse(doc).map_err(|e| WireError::Malformed(e.to_string()))?;
        if root.name != "Communication" {
            return Err(WireError::Malformed(format!(
                "root <{}>, expected <Communication>",
                root.name.chars().take(64).collect::<String>()
            )));
        }
        for cmd in root.children_named("Command") {
            let ty = cmd.child("Type").map(|t| t.text.trim()).unwrap_or("");
            if ty.eq_ignore_ascii_case("Processing") {
                continue;
            }
            let mut a = command_answer(cmd);
            a.command = cmd.clone();
            last = Some(a);
        }
    }
    last.ok_or_else(|| WireError::NoResponse(expect.to_string()))
}

/// An attribute or a `Properties` value of an item, case-insensitive.
fn item_value<'a>(item: &'a Element, key: &str) -> Option<&'a str> {
    if let Some((_, v)) = item.attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
        return Some(v);
    }
    let props = item.child("Properties")?;
    if let Some((_, v)) = props
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
    {
        return Some(v);
    }
    props.children.iter().find_map(|p| {
        let name = p.attr("Name").unwrap_or(&p.name);
        name.eq_ignore_ascii_case(key)
            .then(|| p.attr("Value").unwrap_or(p.text.as_str()))
    })
}

/// A camera of the item tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Camera {
    pub id: String,
    pub name: String,
    pub ptz: bool,
    /// The source size the server names (`SrcWidth`/`SrcHeight`), or 0.
    pub width: u32,
    pub height: u32,
}

/// A view of the item tree: its name, grid (`Columns`x`Rows`, 0 when not
/// said) and cameras in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub id: String,
    pub name: String,
    pub columns: u32,
    pub rows: u32,
    pub cameras: Vec<String>,
}

/// The cameras (each once, tree order) and views of a
/// `GetAllViewsAndCameras` answer.
pub fn parse_cameras(answer: &Answer) -> (Vec<Camera>, Vec<View>) {
    let mut cams: Vec<Camera> = Vec::new();
    let mut views = Vec::new();
    for el in answer.command.descendants() {
        if el.name != "Item" {
            continue;
        }
        let ty = item_value(el, "Type").unwrap_or("");
        let id = item_value(el, "Id").unwrap_or("").trim().to_string();
        let name = item_value(el, "Name").unwrap_or("").to_string();
        if ty.eq_ignore_ascii_case("Camera") {
            if id.is_empty() || cams.iter().any(|c| c.id == id) {
                continue;
            }
            let ptz = ["PTZ", "Ptz", "IsPtz", "SupportsPtz", "PtzEnabled"]
                .iter()
                .any(|k| yes(item_value(el, k)));
            let dim = |k: &str| {
                item_value(el, k)
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .filter(|v| (1..=16384).contains(v))
                    .unwrap_or(0)
            };
            cams.push(Camera {
                id,
                name,
                ptz,
                width: dim("SrcWidth"),
                height: dim("SrcHeight"),
            });
        } else if ty.eq_ignore_ascii_case("View") {
            let cameras = el
                .descendants()
                .skip(1)
                .filter(|c| {
                    c.name == "Item"
                        && item_value(c, "Type").is_some_and(|t| t.eq_ignore_ascii_case("Camera"))
                })
                .filter_map(|c| item_value(c, "Id").map(|i| i.trim().to_string()))
                .collect();
            let n = |k: &str| {
                item_value(el, k)
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .filter(|v| (1..=64).contains(v))
                    .unwrap_or(0)
            };
            views.push(View {
                id,
                name,
                columns: n("Columns"),
                rows: n("Rows"),
                cameras,
            });
        }
    }
    (cams, views)
}

/// A recorded sequence, ms since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sequence {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// The `Sequences` of a `GetSequences` answer (sorted; reversed and
/// unreadable entries skipped).
pub fn parse_sequences(answer: &Answer) -> Vec<Sequence> {
    let mut out: Vec<Sequence> = answer
        .command
        .descendants()
        .filter(|e| e.name == "Sequence")
        .filter_map(|e| {
            let t = |k: &str| {
                e.attrs
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(k))
                    .and_then(|(_, v)| v.trim().parse::<i64>().ok())
            };
            let (s, end) = (t("StartTime")?, t("EndTime")?);
            (end > s).then_some(Sequence {
                start_ms: s,
                end_ms: end,
            })
        })
        .collect();
    out.sort_by_key(|s| (s.start_ms, s.end_ms));
    out
}

/// Live event flags (extension 0x02).
pub mod live_flags {
    pub const LIVE_FEED: u32 = 0x01;
    pub const MOTION: u32 = 0x02;
    pub const RECORDING: u32 = 0x04;
    pub const NOTIFICATION: u32 = 0x08;
    pub const CONNECTION_LOST: u32 = 0x10;
    pub const DATABASE_FAIL: u32 = 0x20;
    pub const DISK_FULL: u32 = 0x40;
    pub const CLIENT_LIVE_STOPPED: u32 = 0x80;
}

/// Playback event flags (extension 0x04).
pub mod playback_flags {
    pub const STOPPED: u32 = 0x01;
    pub const FORWARD: u32 = 0x02;
    pub const BACKWARD: u32 = 0x04;
    pub const DATABASE_START: u32 = 0x10;
    pub const DATABASE_END: u32 = 0x20;
    pub const DATABASE_ERROR: u32 = 0x40;
    pub const RANGE_NO_DATA: u32 = 0x100;
    pub const OUT_OF_RANGE: u32 = 0x200;
}

/// The size extension (0x01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SizeInfo {
    pub src_width: u32,
    pub src_height: u32,
    pub dst_width: u32,
    pub dst_height: u32,
}

/// A flags pair (current, changed) of the event extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Events {
    pub current: u32,
    pub changed: u32,
}

/// One video message: the header and where its picture is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// `VideoId` as a GUID string (lowercase).
    pub video_id: String,
    /// Ms since the Unix epoch, UTC (the recording server's time).
    pub timestamp_ms: i64,
    pub frame_number: u32,
    pub flags: u16,
    pub size: Option<SizeInfo>,
    pub live: Option<Events>,
    pub playback: Option<Events>,
    /// The stream-info extension's data type (`JPEG`), un-reversed.
    pub data_type: Option<String>,
    /// `payload = message[payload_start .. payload_start + payload_len]`.
    pub payload_start: usize,
    pub payload_len: usize,
}

impl Frame {
    pub fn payload<'a>(&self, msg: &'a [u8]) -> &'a [u8] {
        &msg[self.payload_start..self.payload_start + self.payload_len]
    }
}

/// The main header's size.
pub const MAIN_HEADER: usize = 36;

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.b.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|s| u32::from_le_bytes(s.try_into().expect("4 bytes")))
    }
}

/// A .NET GUID's 16 bytes as text (first three fields little-endian).
pub fn guid(b: &[u8; 16]) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{}-{}",
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_le_bytes([b[4], b[5]]),
        u16::from_le_bytes([b[6], b[7]]),
        hex::encode(&b[8..10]),
        hex::encode(&b[10..16])
    )
}

/// Reads a video message's header. The payload is `DataSize` bytes at
/// `HeaderSize`; the extensions are read in their order as far as their
/// sizes are known (an unknown one ends the reading, not the frame).
pub fn parse_frame(msg: &[u8]) -> Result<Frame, WireError> {
    if msg.len() < MAIN_HEADER {
        return Err(WireError::Frame("shorter than the 36-byte header"));
    }
    let id: [u8; 16] = msg[..16].try_into().expect("16 bytes");
    let ts = u64::from_le_bytes(msg[16..24].try_into().expect("8 bytes"));
    let frame_number = u32::from_le_bytes(msg[24..28].try_into().expect("4 bytes"));
    let data_size = u32::from_le_bytes(msg[28..32].try_into().expect("4 bytes")) as usize;
    let header_size = u16::from_le_bytes([msg[32], msg[33]]) as usize;
    let flags = u16::from_le_bytes([msg[34], msg[35]]);
    if header_size < MAIN_HEADER {
        return Err(WireError::Frame("HeaderSize is below 36"));
    }
    if header_size
        .checked_add(data_size)
        .is_none_or(|end| end > msg.len())
    {
        return Err(WireError::Frame(
            "HeaderSize + DataSize run past the message",
        ));
    }
    let timestamp_ms =
        i64::try_from(ts).map_err(|_| WireError::Frame("TimeStamp is out of range"))?;
    let mut f = Frame {
        video_id: guid(&id),
        timestamp_ms,
        frame_number,
        flags,
        size: None,
        live: None,
        playback: None,
        data_type: None,
        payload_start: header_size,
        payload_len: data_size,
    };
    let mut c = Cursor {
        b: &msg[..header_size],
        at: MAIN_HEADER,
    };
    let _ = read_extensions(&mut c, &mut f);
    Ok(f)
}

fn read_extensions(c: &mut Cursor<'_>, f: &mut Frame) -> Option<()> {
    let has = |bit: u16| f.flags & bit != 0;
    if has(0x01) {
        let s = c.take(48)?;
        let u = |i: usize| u32::from_le_bytes(s[i * 4..i * 4 + 4].try_into().expect("4"));
        f.size = Some(SizeInfo {
            src_width: u(0),
            src_height: u(1),
            dst_width: u(6),
            dst_height: u(7),
        });
    }
    if has(0x02) {
        f.live = Some(Events {
            current: c.u32()?,
            changed: c.u32()?,
        });
    }
    if has(0x04) {
        f.playback = Some(Events {
            current: c.u32()?,
            changed: c.u32()?,
        });
    }
    if has(0x08) {
        let n = c.u32()? as usize;
        c.take(n)?;
    }
    if has(0x10) {
        c.take(8)?;
    }
    if has(0x20) {
        let n = c.u32()? as usize;
        c.take(n)?;
    }
    if has(0x40) {
        let start = c.at;
        let size = c.u32()? as usize;
        // headerSize, version, reserved, validFields, timeBetweenFrames, dataType
        let fixed = c.take(16)?;
        let _ = fixed;
        let ty = c.take(4)?;
        let mut t = ty.to_vec();
        t.reverse();
        f.data_type = Some(String::from_utf8_lossy(&t).into_owned());
        if size >= 24 {
            c.at = start.checked_add(size)?;
            if c.at > c.b.len() {
                return None;
            }
        }
    }
    Some(())
}

/// Builds a video message (tests and the fuzz corpus): a main header, the
/// live (0x02) or playback (0x04) events when given, then the payload.
pub fn build_frame(
    video_id: &[u8; 16],
    timestamp_ms: i64,
    frame_number: u32,
    live: Option<Events>,
    playback: Option<Events>,
    payload: &[u8],
) -> Vec<u8> {
    let mut ext = Vec::new();
    let mut flags = 0u16;
    for (bit, ev) in [(0x02u16, live), (0x04, playback)] {
        if let Some(e) = ev {
            flags |= bit;
            ext.extend_from_slice(&e.current.to_le_bytes());
            ext.extend_from_slice(&e.changed.to_le_bytes());
        }
    }
    let mut m = Vec::with_capacity(MAIN_HEADER + ext.len() + payload.len());
    m.extend_from_slice(video_id);
    m.extend_from_slice(&(timestamp_ms as u64).to_le_bytes());
    m.extend_from_slice(&frame_number.to_le_bytes());
    m.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    m.extend_from_slice(&((MAIN_HEADER + ext.len()) as u16).to_le_bytes());
    m.extend_from_slice(&flags.to_le_bytes());
    m.extend_from_slice(&ext);
    m.extend_from_slice(payload);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_escape_and_repeat_params() {
        let r = request(
            Some("c-1"),
            7,
            "GetThumbnail",
            &[("CameraId", "a".into()), ("CameraId", "b\"<&".into())],
        );
        assert!(r.ends_with("</Communication>\r\n\r\n"));
        assert!(r.contains("<ConnectionId>c-1</ConnectionId>"));
        assert!(
            r.contains("<Command SequenceId=\"7\"><Type>Request</Type><Name>GetThumbnail</Name>")
        );
        assert!(r.contains("<Param Name=\"CameraId\" Value=\"a\"/><Param Name=\"CameraId\" Value=\"b&quot;&lt;&amp;\"/>"));
        assert!(!request(None, 1, "Connect", &[]).contains("ConnectionId"));
        // our own envelope reads back
        let back = xml::parse(r.trim()).unwrap();
        let p: Vec<_> = back
            .find("InputParams")
            .unwrap()
            .children_named("Param")
            .collect();
        assert_eq!(p[1].attr("Value"), Some("b\"<&"));
    }

    const PROCESSING: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Communication><ConnectionId>x</ConnectionId><Command SequenceId=\"3\"><Type>Processing</Type><Name>GetSequences</Name></Command></Communication>";

    #[test]
    fn the_final_response_after_processing_messages() {
        let fin = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Communication><Command SequenceId=\"3\"><Type>Response</Type><Name>GetSequences</Name><InputParams/><OutputParams><Param Name=\"Challenge\" Value=\"c1\"/><Param Name=\"Challenge\" Value=\"c2\"/></OutputParams><Sequences><Sequence StartTime=\"2000\" EndTime=\"3000\" TimeStamp=\"2000\"/><Sequence StartTime=\"1000\" EndTime=\"1500\"/><Sequence StartTime=\"9\" EndTime=\"1\"/></Sequences><Result>OK</Result></Command></Communication>";
        let body = format!("{PROCESSING}\r\n\r\n{PROCESSING}\r\n\r\n{fin}\r\n\r\n");
        let a = parse_answer(body.as_bytes(), "GetSequences").unwrap();
        assert!(a.ok);
        assert_eq!(a.sequence, Some(3));
        assert_eq!(
            a.outputs_named("challenge").collect::<Vec<_>>(),
            ["c1", "c2"]
        );
        assert_eq!(
            parse_sequences(&a),
            vec![
                Sequence {
                    start_ms: 1000,
                    end_ms: 1500
                },
                Sequence {
                    start_ms: 2000,
                    end_ms: 3000
                }
            ]
        );
        assert!(matches!(
            parse_answer(PROCESSING.as_bytes(), "GetSequences"),
            Err(WireError::NoResponse(_))
        ));
        assert!(parse_answer(b"<html>nope</html>", "X").is_err());
        assert!(parse_answer(&[0xff, 0xfe], "X").is_err());
    }

    #[test]
    fn errors_carry_code_and_text() {
        let e = "<Communication><Command SequenceId=\"1\"><Type>Response</Type><Name>LogIn</Name><Result>Error</Result><ErrorCode>15</ErrorCode><ErrorString>Invalid credentials</ErrorString></Command></Communication>";
        let a = parse_answer(e.as_bytes(), "LogIn").unwrap();
        assert!(!a.ok);
        assert_eq!(a.error_code, Some(15));
        assert_eq!(a.error_string, "Invalid credentials");
    }

    #[test]
    fn cameras_once_with_ptz_and_views() {
        let doc = r#"<Communication><Command SequenceId="2"><Type>Response</Type><Name>GetAllViewsAndCameras</Name><Result>OK</Result>
<Items><Item Type="Folder" Id="f" Name="All cameras"><Items>
  <Item Type="Camera" Id="AAA" Name="Gate"><Properties SrcWidth="1280" SrcHeight="720" PTZ="Yes"/></Item>
  <Item Type="Camera" Id="BBB" Name="Hall"><Properties><Property Name="PTZ" Value="No"/></Properties></Item>
</Items></Item>
<Item Type="View" Id="v1" Name="Lobby"><Items><Item Type="Camera" Id="BBB" Name="Hall"/><Item Type="Camera" Id="AAA" Name="Gate"/></Items></Item>
</Items></Command></Communication>"#;
        let a = parse_answer(doc.as_bytes(), "GetAllViewsAndCameras").unwrap();
        let (cams, views) = parse_cameras(&a);
        assert_eq!(
            cams,
            vec![
                Camera {
                    id: "AAA".into(),
                    name: "Gate".into(),
                    ptz: true,
                    width: 1280,
                    height: 720
                },
                Camera {
                    id: "BBB".into(),
                    name: "Hall".into(),
                    ptz: false,
                    width: 0,
                    height: 0
                },
            ]
        );
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].cameras, ["BBB", "AAA"]);
    }

    #[test]
    fn frame_headers_and_extensions() {
        let id: [u8; 16] = [
            0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ];
        let live = Events {
            current: 0x05,
            changed: 0x04,
        };
        let m = build_frame(
            &id,
            1_767_225_600_123,
            42,
            Some(live),
            None,
            b"\xFF\xD8jpeg\xFF\xD9",
        );
        let f = parse_frame(&m).unwrap();
        assert_eq!(f.video_id, "00112233-4455-6677-8899-aabbccddeeff");
        assert_eq!(f.timestamp_ms, 1_767_225_600_123);
        assert_eq!(f.frame_number, 42);
        assert_eq!(f.live, Some(live));
        assert_eq!(f.playback, None);
        assert_eq!(f.payload(&m), b"\xFF\xD8jpeg\xFF\xD9");

        // size info (48 bytes) + stream info with a reversed data type
        let mut ext = Vec::new();
        for v in [1920u32, 1080, 0, 0, 1920, 1080, 640, 360, 1, 0, 0, 0] {
            ext.extend_from_slice(&v.to_le_bytes());
        }
        let mut si = Vec::new();
        for v in [44u32, 1, 0, 0, 40] {
            si.extend_from_slice(&v.to_le_bytes());
        }
        si.extend_from_slice(b"GEPJ");
        si.extend_from_slice(&[0u8; 20]);
        ext.extend_from_slice(&si);
        let mut m = Vec::new();
        m.extend_from_slice(&id);
        m.extend_from_slice(&5u64.to_le_bytes());
        m.extend_from_slice(&1u32.to_le_bytes());
        m.extend_from_slice(&2u32.to_le_bytes());
        m.extend_from_slice(&((36 + ext.len()) as u16).to_le_bytes());
        m.extend_from_slice(&0x41u16.to_le_bytes());
        m.extend_from_slice(&ext);
        m.extend_from_slice(b"ok");
        let f = parse_frame(&m).unwrap();
        assert_eq!(f.size.unwrap().dst_width, 640);
        assert_eq!(f.size.unwrap().dst_height, 360);
        assert_eq!(f.data_type.as_deref(), Some("JPEG"));
        assert_eq!(f.payload(&m), b"ok");

        // truncated and lying headers are errors, never panics
        for n in 0..m.len() - 1 {
            let _ = parse_frame(&m[..n]);
        }
        let mut bad = m.clone();
        bad[28..32].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse_frame(&bad).is_err());
        let mut bad = m.clone();
        bad[32..34].copy_from_slice(&10u16.to_le_bytes());
        assert!(parse_frame(&bad).is_err());
    }
}
