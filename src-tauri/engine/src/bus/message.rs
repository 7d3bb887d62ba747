//! The messages on the case bus: `case.created` in the old CMS's shape (seed
//! 000, Feature 3 step 1: `Id`, `Timestamp`, `EquipmentTag`, `DeviceData`,
//! `CaseNo`) and Vigil's `case.media.ready`. Parsing is strict about what the
//! worker needs (an id, a time, a tag) and lenient about the rest (`Id` as a
//! number or a string, `DeviceData` as a string or any JSON, unknown fields
//! ignored), so a poison message is named by one clear reason.
use serde::{Deserialize, Serialize};

/// The routing key suffix of case-created messages (`<tenant>.cms.case.created`).
pub const CASE_CREATED: &str = "cms.case.created";
/// The routing key suffix of media-ready events (`<tenant>.vigil.case.media.ready`).
pub const MEDIA_READY: &str = "vigil.case.media.ready";
/// Longest message body the worker reads (the seed's messages are < 1 KiB).
pub const MAX_BODY: usize = 64 * 1024;

/// A case created anywhere (CMS API, automation, alarm, a console).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseCreated {
    /// The CMS's case id (a number in the seed; kept as text).
    #[serde(rename = "Id")]
    pub id: String,
    /// The event time as sent (RFC 3339).
    #[serde(rename = "Timestamp")]
    pub timestamp: String,
    #[serde(rename = "EquipmentTag")]
    pub equipment_tag: String,
    /// Opaque device data (a JSON string in the seed).
    #[serde(rename = "DeviceData", default)]
    pub device_data: String,
    #[serde(rename = "CaseNo", default)]
    pub case_no: String,
}

impl CaseCreated {
    /// The event time in UTC ms (parsed by [`parse_case_created`] already).
    pub fn event_ms(&self) -> i64 {
        crate::cases::parse_rfc3339(&self.timestamp).unwrap_or(0)
    }

    /// The body as the CMS sends it (`Id` a number when it is one).
    pub fn to_json(&self) -> Vec<u8> {
        let id = match self.id.parse::<i64>() {
            // `007` stays text: it must read back the same
            Ok(n) if n.to_string() == self.id => serde_json::Value::from(n),
            _ => serde_json::Value::from(self.id.clone()),
        };
        serde_json::to_vec(&serde_json::json!({
            "Id": id,
            "Timestamp": self.timestamp,
            "EquipmentTag": self.equipment_tag,
            "DeviceData": self.device_data,
            "CaseNo": self.case_no,
        }))
        .unwrap_or_default()
    }
}

/// Why a message can never be processed (it goes to the dead-letter queue).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Poison {
    #[error("bad message: {0}")]
    BadMessage(String),
    #[error("unknown equipment tag {0:?}")]
    UnknownEquipment(String),
    #[error("the event time {0} is in the future")]
    FutureTime(String),
    #[error("invalid case: {0}")]
    Invalid(String),
}

impl Poison {
    /// A short machine-readable reason (`x-vigil-reason` header, event lines).
    pub fn code(&self) -> &'static str {
        match self {
            Poison::BadMessage(_) => "bad_message",
            Poison::UnknownEquipment(_) => "unknown_equipment",
            Poison::FutureTime(_) => "future_time",
            Poison::Invalid(_) => "invalid",
        }
    }
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "Id")]
    id: Option<serde_json::Value>,
    #[serde(rename = "Timestamp")]
    timestamp: Option<String>,
    #[serde(rename = "EquipmentTag")]
    equipment_tag: Option<String>,
    #[serde(rename = "DeviceData")]
    device_data: Option<serde_json::Value>,
    #[serde(rename = "CaseNo")]
    case_no: Option<serde_json::Value>,
}

fn short(s: &str) -> String {
    s.chars().take(80).collect()
}

/// Parses a case-created body; the error is the poison reason.
pub fn parse_case_created(body: &[u8]) -> Result<CaseCreated, Poison> {
    if body.len() > MAX_BODY {
        return Err(Poison::BadMessage(format!(
            "{} bytes (at most {MAX_BODY})",
            body.len()
        )));
    }
    let raw: Raw =
        serde_json::from_slice(body).map_err(|e| Poison::BadMessage(format!("not JSON: {e}")))?;
    let id = match raw.id {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        _ => return Err(Poison::BadMessage("no Id".into())),
    };
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !id_ok {
        return Err(Poison::BadMessage(format!(
            "Id {:?}: 1-64 letters, digits, - _ .",
            short(&id)
        )));
    }
    let timestamp = raw
        .timestamp
        .map(|t| t.trim().to_string())
        .ok_or_else(|| Poison::BadMessage("no Timestamp".into()))?;
    let ms = crate::cases::parse_rfc3339(&timestamp).map_err(|_| {
        Poison::BadMessage(format!("Timestamp {:?} is not RFC 3339", short(&timestamp)))
    })?;
    if ms < 946_684_800_000 {
        return Err(Poison::Invalid("the event time is before 2000".into()));
    }
    let equipment_tag = raw
        .equipment_tag
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Poison::BadMessage("no EquipmentTag".into()))?;
    if equipment_tag.len() > 128 || equipment_tag.chars().any(char::is_control) {
        return Err(Poison::BadMessage(
            "EquipmentTag: at most 128 printable characters".into(),
        ));
    }
    let device_data = match raw.device_data {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s,
        Some(v) => v.to_string(),
    };
    let case_no = match raw.case_no {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.trim().to_string(),
        Some(v) => v.to_string(),
    };
    if case_no.len() > 128 {
        return Err(Poison::BadMessage("CaseNo: at most 128 characters".into()));
    }
    Ok(CaseCreated {
        id,
        timestamp,
        equipment_tag,
        device_data,
        case_no,
    })
}

/// One file of a case, as linked to the CMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyFile {
    pub camera_id: String,
    /// `clip` or `snapshot`.
    pub kind: String,
    pub file_name: String,
    pub pointer_url: String,
    pub sha256: String,
}

/// `case.media.ready`: a case's footage is cut and linked (or given up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaReady {
    /// The bus (CMS) case id.
    pub id: String,
    pub case_no: String,
    /// The local case (shared database of the workers).
    pub case_id: String,
    pub label: String,
    pub event_ms: i64,
    pub files: Vec<ReadyFile>,
    /// Jobs that gave up (camera and kind: reason).
    pub failed: Vec<String>,
}

/// Parses a media-ready body (consoles subscribed to the bus).
pub fn parse_media_ready(body: &[u8]) -> Result<MediaReady, Poison> {
    if body.len() > MAX_BODY * 4 {
        return Err(Poison::BadMessage("too large".into()));
    }
    serde_json::from_slice(body).map_err(|e| Poison::BadMessage(format!("media ready: {e}")))
}

/// The tenant (first word) of a routing key, `vigil` when there is none.
pub fn tenant_of(routing_key: &str) -> &str {
    match routing_key.split_once('.') {
        Some((t, _)) if !t.is_empty() && t != "*" && t != "#" => t,
        _ => "vigil",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_message_parses() {
        let m = parse_case_created(
            br#"{"Id": 12345, "Timestamp": "2026-01-13T14:30:00Z", "EquipmentTag": "CAM-001",
                 "DeviceData": "{...}", "CaseNo": "CASE-2026-001", "Extra": 1}"#,
        )
        .unwrap();
        assert_eq!(m.id, "12345");
        assert_eq!(m.equipment_tag, "CAM-001");
        assert_eq!(m.case_no, "CASE-2026-001");
        assert_eq!(m.event_ms(), 1_768_314_600_000);
        let again = parse_case_created(&m.to_json()).unwrap();
        assert_eq!(again, m);
        assert!(String::from_utf8(m.to_json())
            .unwrap()
            .contains("\"Id\":12345"));
    }

    #[test]
    fn poison_has_one_reason() {
        let bad = |b: &[u8]| parse_case_created(b).unwrap_err();
        assert_eq!(bad(b"{not json").code(), "bad_message");
        assert_eq!(
            bad(br#"{"Timestamp":"2026-01-01T00:00:00Z","EquipmentTag":"A"}"#).code(),
            "bad_message"
        );
        assert_eq!(
            bad(br#"{"Id":"../x","Timestamp":"2026-01-01T00:00:00Z","EquipmentTag":"A"}"#).code(),
            "bad_message"
        );
        assert_eq!(
            bad(br#"{"Id":1,"Timestamp":"yesterday","EquipmentTag":"A"}"#).code(),
            "bad_message"
        );
        assert_eq!(
            bad(br#"{"Id":1,"Timestamp":"1990-01-01T00:00:00Z","EquipmentTag":"A"}"#).code(),
            "invalid"
        );
        assert_eq!(
            bad(br#"{"Id":1,"Timestamp":"2026-01-01T00:00:00Z","EquipmentTag":" "}"#).code(),
            "bad_message"
        );
        assert!(parse_case_created(br#"{"Id":"a-1","Timestamp":"2026-01-01T00:00:00+02:00","EquipmentTag":"A","DeviceData":{"x":1},"CaseNo":7}"#).is_ok());
        assert_eq!(tenant_of("acme.cms.case.created"), "acme");
        assert_eq!(tenant_of("*.cms.case.created"), "vigil");
    }
}
