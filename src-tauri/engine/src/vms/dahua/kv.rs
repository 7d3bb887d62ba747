//! Dahua CGI answers: `key=value` lines (CRLF or LF) and the tables built
//! from them (channel titles, NVR remote devices, encode sizes, the NTP zone,
//! the RTSP port, `mediaFileFind` pages). Pure parsers of device input: pub,
//! bounded, never panicking (fuzzed in tests/fuzz).
use std::collections::BTreeMap;

/// At most this many lines are read from one answer.
pub const MAX_LINES: usize = 100_000;

/// The `key=value` lines of an answer, in order; lines without `=` are
/// skipped; keys and values are trimmed.
pub fn parse_kv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .take(MAX_LINES)
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            let k = k.trim();
            (!k.is_empty()).then(|| (k.to_string(), v.trim().to_string()))
        })
        .collect()
}

/// The value of `key` (the last one wins, as devices repeat none).
pub fn value<'a>(kv: &'a [(String, String)], key: &str) -> Option<&'a str> {
    kv.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Whether a simple action answered `OK`.
pub fn is_ok(text: &str) -> bool {
    text.trim().eq_ignore_ascii_case("ok")
}

/// `prefix[N].rest` -> `(N, rest)`; also the NVR form
/// `prefix.uuid:System_CONFIG_NETCAMERA_INFO_N.rest`.
pub fn indexed<'a>(key: &'a str, prefix: &str) -> Option<(usize, &'a str)> {
    let tail = key.strip_prefix(prefix)?;
    if let Some(t) = tail.strip_prefix('[') {
        let (n, rest) = t.split_once(']')?;
        let rest = rest.strip_prefix('.').unwrap_or(rest);
        return Some((n.parse().ok().filter(|n| *n < 4096)?, rest));
    }
    let t = tail.strip_prefix(".uuid:System_CONFIG_NETCAMERA_INFO_")?;
    let end = t.find('.').unwrap_or(t.len());
    let n = t[..end].parse().ok().filter(|n: &usize| *n < 4096)?;
    Some((n, t.get(end + 1..).unwrap_or("")))
}

/// `table.ChannelTitle[i].Name`: titles by 0-based table index.
pub fn channel_titles(text: &str) -> BTreeMap<usize, String> {
    parse_kv(text)
        .into_iter()
        .filter_map(|(k, v)| {
            let (i, rest) = indexed(&k, "table.ChannelTitle")?;
            (rest == "Name").then_some((i, v))
        })
        .collect()
}

/// One NVR remote-device slot (`table.RemoteDevice[N]`): slot N is channel N+1.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteSlot {
    pub address: String,
    pub enabled: Option<bool>,
    pub name: String,
}

impl RemoteSlot {
    /// A slot with a camera behind it (unwired slots say 0.0.0.0 or 1.1.1.1).
    pub fn wired(&self) -> bool {
        let a = self.address.trim();
        !a.is_empty() && a != "0.0.0.0" && a != "1.1.1.1" && self.enabled != Some(false)
    }
}

/// The slots of `getConfig&name=RemoteDevice`, by 0-based slot.
pub fn remote_devices(text: &str) -> BTreeMap<usize, RemoteSlot> {
    let mut out: BTreeMap<usize, RemoteSlot> = BTreeMap::new();
    for (k, v) in parse_kv(text) {
        let Some((i, rest)) = indexed(&k, "table.RemoteDevice") else {
            continue;
        };
        let slot = out.entry(i).or_default();
        match rest {
            "Address" => slot.address = v,
            "Enable" => slot.enabled = Some(v.eq_ignore_ascii_case("true")),
            "Name" => slot.name = v,
            "VideoInputs[0].Name" if !v.is_empty() => slot.name = v,
            _ => {}
        }
    }
    out
}

/// A stream's size and codec from `getConfig&name=Encode`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EncodeInfo {
    pub width: u32,
    pub height: u32,
    pub codec: String,
}

/// Main (`MainFormat[0]`) and sub (`ExtraFormat[0]`) of each channel, by
/// 0-based table index.
pub fn encode_sizes(text: &str) -> BTreeMap<usize, (EncodeInfo, EncodeInfo)> {
    let mut out: BTreeMap<usize, (EncodeInfo, EncodeInfo)> = BTreeMap::new();
    for (k, v) in parse_kv(text) {
        let Some((i, rest)) = indexed(&k, "table.Encode") else {
            continue;
        };
        let (fmt, field) = match rest.split_once("[0].Video.") {
            Some(p) => p,
            None => continue,
        };
        let e = out.entry(i).or_default();
        let s = match fmt {
            "MainFormat" => &mut e.0,
            "ExtraFormat" => &mut e.1,
            _ => continue,
        };
        match field {
            "Width" => s.width = v.parse().unwrap_or(s.width),
            "Height" => s.height = v.parse().unwrap_or(s.height),
            "resolution" if s.width == 0 => {
                if let Some((w, h)) = v.split_once('x') {
                    s.width = w.trim().parse().unwrap_or(0);
                    s.height = h.trim().parse().unwrap_or(0);
                }
            }
            "Compression" => s.codec = v,
            _ => {}
        }
    }
    out
}

/// The firmware's zone table: `table.NTP.TimeZone` index -> standard offset
/// (minutes east of UTC).
pub const ZONE_TABLE: [i32; 33] = [
    0, 60, 120, 180, 210, 240, 270, 300, 330, 345, 360, 390, 420, 480, 540, 570, 600, 660, 720,
    780, -60, -120, -180, -210, -240, -300, -360, -420, -480, -540, -600, -660, -720,
];

/// The standard offset (minutes) `getConfig&name=NTP` names, if any.
pub fn ntp_offset_minutes(text: &str) -> Option<i32> {
    let kv = parse_kv(text);
    let i: usize = value(&kv, "table.NTP.TimeZone")?.parse().ok()?;
    ZONE_TABLE.get(i).copied()
}

/// The RTSP port of `getConfig&name=RTSP`.
pub fn rtsp_port(text: &str) -> Option<u16> {
    value(&parse_kv(text), "table.RTSP.Port")?
        .parse()
        .ok()
        .filter(|p| *p > 0)
}

/// `result=YYYY-MM-DD HH:MM:SS` of `global.cgi?action=getCurrentTime`.
pub fn current_time(text: &str) -> Option<jiff::civil::DateTime> {
    parse_local(value(&parse_kv(text), "result")?)
}

/// A device local time `YYYY-MM-DD HH:MM:SS`.
pub fn parse_local(s: &str) -> Option<jiff::civil::DateTime> {
    jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", s.trim()).ok()
}

/// One recorded file of a `findNextFile` page (device local times).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    pub channel: Option<u32>,
    pub start: jiff::civil::DateTime,
    pub end: jiff::civil::DateTime,
    pub path: String,
    pub kind: String,
}

/// A `findNextFile` answer: `found=N` and the items with readable times;
/// `None` when the answer has no `found=` line (the end, on some firmware).
pub fn find_page(text: &str) -> Option<(usize, Vec<FoundFile>)> {
    let kv = parse_kv(text);
    let found: usize = value(&kv, "found")?.parse().ok()?;
    #[derive(Default)]
    struct Item {
        ch: Option<u32>,
        start: Option<jiff::civil::DateTime>,
        end: Option<jiff::civil::DateTime>,
        path: String,
        kind: String,
    }
    let mut items: BTreeMap<usize, Item> = BTreeMap::new();
    for (k, v) in &kv {
        let Some((i, rest)) = indexed(k, "items") else {
            continue;
        };
        if i > 1000 {
            continue;
        }
        let it = items.entry(i).or_default();
        match rest {
            "Channel" => it.ch = v.parse().ok(),
            "StartTime" => it.start = parse_local(v),
            "EndTime" => it.end = parse_local(v),
            "FilePath" => it.path = v.clone(),
            "Type" => it.kind = v.clone(),
            _ => {}
        }
    }
    let files = items
        .into_values()
        .filter_map(|it| {
            Some(FoundFile {
                channel: it.ch,
                start: it.start?,
                end: it.end?,
                path: it.path,
                kind: it.kind,
            })
        })
        .collect();
    Some((found, files))
}

/// `presets[i].Index` / `.Name` of `ptz.cgi?action=getPresets`.
pub fn presets(text: &str) -> Vec<(u32, String)> {
    let mut by: BTreeMap<usize, (Option<u32>, String)> = BTreeMap::new();
    for (k, v) in parse_kv(text) {
        let Some((i, rest)) = indexed(&k, "presets") else {
            continue;
        };
        let e = by.entry(i).or_default();
        match rest {
            "Index" => e.0 = v.parse().ok(),
            "Name" => e.1 = v,
            _ => {}
        }
    }
    by.into_values()
        .filter_map(|(i, n)| Some((i?, n)))
        .collect()
}

/// Whether `ptz.cgi?action=getCurrentProtocolCaps` says the channel moves.
pub fn ptz_caps_move(text: &str) -> bool {
    let kv = parse_kv(text);
    ["caps.Pan", "caps.Tile", "caps.Tilt", "caps.Zoom"]
        .iter()
        .any(|k| value(&kv, k).is_some_and(|v| v.eq_ignore_ascii_case("true")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_from_real_shapes() {
        let t = "table.ChannelTitle[0].Name=Gate\r\ntable.ChannelTitle[1].Name=Yard\r\n";
        assert_eq!(channel_titles(t)[&1], "Yard");
        let r = "table.RemoteDevice[0].Address=10.0.0.5\r\ntable.RemoteDevice[0].Enable=true\r\n\
                 table.RemoteDevice[1].Address=0.0.0.0\r\n\
                 table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_2.Address=10.0.0.7\r\n";
        let slots = remote_devices(r);
        assert!(slots[&0].wired() && !slots[&1].wired() && slots[&2].wired());
        let e = "table.Encode[0].MainFormat[0].Video.Width=1920\r\ntable.Encode[0].MainFormat[0].Video.Height=1080\r\n\
                 table.Encode[0].ExtraFormat[0].Video.resolution=640x360\r\ntable.Encode[0].MainFormat[0].Video.Compression=H.265\r\n";
        let s = &encode_sizes(e)[&0];
        assert_eq!(
            (s.0.width, s.0.height, s.0.codec.as_str()),
            (1920, 1080, "H.265")
        );
        assert_eq!((s.1.width, s.1.height), (640, 360));
        assert_eq!(ntp_offset_minutes("table.NTP.TimeZone=13\r\n"), Some(480));
        assert_eq!(ntp_offset_minutes("table.NTP.TimeZone=22\r\n"), Some(-180));
        assert_eq!(rtsp_port("table.RTSP.Port=554\r\n"), Some(554));
        assert!(current_time("result=2026-01-01 09:00:00\r\n").is_some());
    }

    #[test]
    fn find_pages_parse_and_the_end_is_found_0() {
        let p = "found=1\r\nitems[0].Channel=1\r\nitems[0].StartTime=2026-01-01 09:00:00\r\n\
                 items[0].EndTime=2026-01-01 09:00:30\r\nitems[0].FilePath=/mnt/a.dav\r\nitems[0].Type=dav\r\n";
        let (n, files) = find_page(p).unwrap();
        assert_eq!((n, files.len(), files[0].channel), (1, 1, Some(1)));
        assert_eq!(find_page("found=0\r\n").unwrap().0, 0);
        assert!(find_page("Error\r\n").is_none());
        assert_eq!(
            presets("presets[0].Index=3\r\npresets[0].Name=Gate\r\n"),
            vec![(3, "Gate".into())]
        );
        assert!(ptz_caps_move("caps.Tile=true\r\n") && !ptz_caps_move("caps.Pan=false\r\n"));
    }
}
