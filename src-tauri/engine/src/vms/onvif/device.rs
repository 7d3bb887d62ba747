//! Device service (tds): the device clock, service discovery
//! (GetServices, falling back to GetCapabilities) and device information.
//! Returned XAddrs are re-based onto the host the user configured: cameras
//! often name an internal address there.
use serde::Serialize;
use time::OffsetDateTime;

use super::auth::parse_utc;
use super::error::OnvifError;
use super::soap::Transport;
use super::xml::Element;

/// The default device endpoint path.
pub const DEVICE_PATH: &str = "/onvif/device_service";

const NS_MEDIA: &str = "http://www.onvif.org/ver10/media/wsdl";
const NS_PTZ: &str = "http://www.onvif.org/ver20/ptz/wsdl";
const NS_SEARCH: &str = "http://www.onvif.org/ver10/search/wsdl";
const NS_REPLAY: &str = "http://www.onvif.org/ver10/replay/wsdl";

/// Service endpoints, already on the configured host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Services {
    pub device: String,
    pub media: Option<String>,
    pub ptz: Option<String>,
    pub search: Option<String>,
    pub replay: Option<String>,
}

/// `tds:GetDeviceInformation`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceInfo {
    pub manufacturer: String,
    pub model: String,
    pub firmware_version: String,
    pub serial_number: String,
    pub hardware_id: String,
}

/// `scheme://host:port` + the XAddr's path and query (the XAddr's own host is ignored).
pub fn rebase(base: &url::Url, xaddr: &str) -> Option<String> {
    let x = url::Url::parse(xaddr.trim()).ok()?;
    let mut out = base.clone();
    out.set_path(x.path());
    out.set_query(x.query());
    Some(out.to_string())
}

/// The device's UTC clock (`UTCDateTime`, or `LocalDateTime` with the
/// answer's `TimeZone`: [`super::clock::device_time`]). Asked without
/// credentials (PRE_AUTH); a device that still wants them (ipycam answers
/// 401) is asked again with them.
pub async fn system_date_and_time(t: &Transport, url: &str) -> Result<OffsetDateTime, OnvifError> {
    const OP: &str = "GetSystemDateAndTime";
    const BODY: &str = "<tds:GetSystemDateAndTime/>";
    let r = match t.call(OP, url, BODY, false).await {
        Err(OnvifError::AuthFailed { .. }) if t.credentials().is_some() => {
            t.call(OP, url, BODY, true).await?
        }
        r => r?,
    };
    super::clock::device_time(&r)
}

/// Service endpoints from GetServices, or GetCapabilities when a device
/// does not implement GetServices.
pub async fn services(t: &Transport, base: &url::Url) -> Result<Services, OnvifError> {
    let device = rebase(base, &format!("http://x{DEVICE_PATH}")).expect("valid path");
    let mut out = Services {
        device: device.clone(),
        ..Default::default()
    };
    let body =
        "<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>";
    match t.call("GetServices", &device, body, true).await {
        Ok(r) => {
            for s in r.children_named("Service") {
                let (Some(ns), Some(x)) = (s.text_at(&["Namespace"]), s.text_at(&["XAddr"])) else {
                    continue;
                };
                let x = rebase(base, x);
                match ns {
                    NS_MEDIA => out.media = x,
                    NS_PTZ => out.ptz = x,
                    NS_SEARCH => out.search = x,
                    NS_REPLAY => out.replay = x,
                    _ => {}
                }
            }
            if out.media.is_some() {
                return Ok(out);
            }
        }
        Err(e @ (OnvifError::AuthFailed { .. } | OnvifError::Unreachable { .. })) => return Err(e),
        Err(e) => tracing::debug!("GetServices failed ({e}); trying GetCapabilities"),
    }
    let body = "<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>";
    let r = t.call("GetCapabilities", &device, body, true).await?;
    let caps = r
        .find("Capabilities")
        .ok_or_else(|| OnvifError::protocol("GetCapabilities", "no Capabilities"))?;
    let x = |path: &[&str]| caps.text_at(path).and_then(|x| rebase(base, x));
    out.media = x(&["Media", "XAddr"]);
    out.ptz = x(&["PTZ", "XAddr"]);
    out.search = x(&["Extension", "Search", "XAddr"]);
    out.replay = x(&["Extension", "Replay", "XAddr"]);
    if out.media.is_none() {
        return Err(OnvifError::Unsupported(
            "the media service (no Media XAddr)".into(),
        ));
    }
    Ok(out)
}

pub async fn device_information(t: &Transport, url: &str) -> Result<DeviceInfo, OnvifError> {
    let r = t
        .call(
            "GetDeviceInformation",
            url,
            "<tds:GetDeviceInformation/>",
            true,
        )
        .await?;
    let f = |n: &str| r.text_at(&[n]).unwrap_or_default().to_string();
    Ok(DeviceInfo {
        manufacturer: f("Manufacturer"),
        model: f("Model"),
        firmware_version: f("FirmwareVersion"),
        serial_number: f("SerialNumber"),
        hardware_id: f("HardwareId"),
    })
}

/// Reads an `xs:dateTime` element's text as UTC; a time outside
/// [`super::clock::CLOCK_YEARS`] reads as none.
pub fn utc_text(el: Option<&Element>) -> Option<OffsetDateTime> {
    el.and_then(|e| parse_utc(&e.text))
        .filter(|t| super::clock::CLOCK_YEARS.contains(&t.year()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xaddrs_keep_only_their_path() {
        let base = url::Url::parse("http://127.0.0.1:18080").unwrap();
        assert_eq!(
            rebase(&base, "http://192.168.1.64:8000/onvif/Media?x=1").as_deref(),
            Some("http://127.0.0.1:18080/onvif/Media?x=1")
        );
        assert_eq!(rebase(&base, "not a url"), None);
    }
}
