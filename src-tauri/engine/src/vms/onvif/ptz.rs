//! PTZ service (tptz, ver20): continuous move with a Timeout, stop, relative
//! move, home and presets, in the generic spaces every PTZ node provides.
use std::time::Duration;

use super::error::OnvifError;
use super::soap::{escape, Transport};

/// `xs:duration` for a timeout: `PT1.5S`.
pub fn duration_text(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("PT{}S", ms / 1000)
    } else {
        format!("PT{}.{:03}S", ms / 1000, ms % 1000)
    }
}

fn f(v: f64) -> String {
    // plain decimal, no exponent; ONVIF wants xs:float
    let v = if v.abs() < 1e-6 { 0.0 } else { v };
    format!("{v:.4}")
}

fn vectors(tag: &str, pan: f64, tilt: f64, zoom: f64, with_zoom: bool, with_pt: bool) -> String {
    let mut s = format!("<tptz:{tag}>");
    if with_pt {
        s.push_str(&format!(r#"<tt:PanTilt x="{}" y="{}"/>"#, f(pan), f(tilt)));
    }
    if with_zoom {
        s.push_str(&format!(r#"<tt:Zoom x="{}"/>"#, f(zoom)));
    }
    s.push_str(&format!("</tptz:{tag}>"));
    s
}

/// `ContinuousMove` in the generic velocity spaces (x, y, zoom in −1..1);
/// `timeout` makes the device stop by itself if no Stop arrives.
pub async fn continuous_move(
    t: &Transport,
    url: &str,
    profile: &str,
    (pan, tilt, zoom): (f64, f64, f64),
    timeout: Option<Duration>,
) -> Result<(), OnvifError> {
    let body = format!(
        "<tptz:ContinuousMove><tptz:ProfileToken>{}</tptz:ProfileToken>{}{}</tptz:ContinuousMove>",
        escape(profile),
        vectors("Velocity", pan, tilt, zoom, true, true),
        timeout
            .map(|d| format!("<tptz:Timeout>{}</tptz:Timeout>", duration_text(d)))
            .unwrap_or_default()
    );
    t.call("ContinuousMove", url, &body, true).await.map(|_| ())
}

/// `Stop` of pan/tilt and zoom.
pub async fn stop(t: &Transport, url: &str, profile: &str) -> Result<(), OnvifError> {
    let body = format!(
        "<tptz:Stop><tptz:ProfileToken>{}</tptz:ProfileToken><tptz:PanTilt>true</tptz:PanTilt><tptz:Zoom>true</tptz:Zoom></tptz:Stop>",
        escape(profile)
    );
    t.call("Stop", url, &body, true).await.map(|_| ())
}

/// `RelativeMove` in the generic translation spaces, with a generic speed.
pub async fn relative_move(
    t: &Transport,
    url: &str,
    profile: &str,
    (pan, tilt, zoom): (f64, f64, f64),
    speed: f64,
) -> Result<(), OnvifError> {
    let zoom_only = pan == 0.0 && tilt == 0.0;
    let body = format!(
        "<tptz:RelativeMove><tptz:ProfileToken>{}</tptz:ProfileToken>{}{}</tptz:RelativeMove>",
        escape(profile),
        vectors("Translation", pan, tilt, zoom, zoom_only, !zoom_only),
        vectors("Speed", speed, speed, speed, zoom_only, !zoom_only),
    );
    t.call("RelativeMove", url, &body, true).await.map(|_| ())
}

pub async fn goto_home(
    t: &Transport,
    url: &str,
    profile: &str,
    speed: f64,
) -> Result<(), OnvifError> {
    let body = format!(
        "<tptz:GotoHomePosition><tptz:ProfileToken>{}</tptz:ProfileToken>{}</tptz:GotoHomePosition>",
        escape(profile),
        vectors("Speed", speed, speed, speed, true, true)
    );
    t.call("GotoHomePosition", url, &body, true)
        .await
        .map(|_| ())
}

/// A preset: token and name.
pub type Preset = (String, String);

pub async fn presets(t: &Transport, url: &str, profile: &str) -> Result<Vec<Preset>, OnvifError> {
    let body = format!(
        "<tptz:GetPresets><tptz:ProfileToken>{}</tptz:ProfileToken></tptz:GetPresets>",
        escape(profile)
    );
    let r = t.call("GetPresets", url, &body, true).await?;
    Ok(r.children_named("Preset")
        .filter_map(|p| {
            let token = p.attr("token")?.to_string();
            let name = p.text_at(&["Name"]).unwrap_or(&token).to_string();
            Some((token, name))
        })
        .collect())
}

pub async fn goto_preset(
    t: &Transport,
    url: &str,
    profile: &str,
    token: &str,
    speed: f64,
) -> Result<(), OnvifError> {
    let body = format!(
        "<tptz:GotoPreset><tptz:ProfileToken>{}</tptz:ProfileToken><tptz:PresetToken>{}</tptz:PresetToken>{}</tptz:GotoPreset>",
        escape(profile),
        escape(token),
        vectors("Speed", speed, speed, speed, true, true)
    );
    t.call("GotoPreset", url, &body, true).await.map(|_| ())
}

/// `SetPreset` with a name (a new preset); returns its token.
pub async fn set_preset(
    t: &Transport,
    url: &str,
    profile: &str,
    name: &str,
) -> Result<String, OnvifError> {
    let body = format!(
        "<tptz:SetPreset><tptz:ProfileToken>{}</tptz:ProfileToken><tptz:PresetName>{}</tptz:PresetName></tptz:SetPreset>",
        escape(profile),
        escape(name)
    );
    let r = t.call("SetPreset", url, &body, true).await?;
    r.text_at(&["PresetToken"])
        .map(str::to_string)
        .ok_or_else(|| OnvifError::protocol("SetPreset", "no PresetToken"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_vectors_are_schema_shaped() {
        assert_eq!(duration_text(Duration::from_secs(2)), "PT2S");
        assert_eq!(duration_text(Duration::from_millis(1500)), "PT1.500S");
        let v = vectors("Velocity", 0.5, -1.0, 0.0, true, true);
        assert_eq!(
            v,
            r#"<tptz:Velocity><tt:PanTilt x="0.5000" y="-1.0000"/><tt:Zoom x="0.0000"/></tptz:Velocity>"#
        );
    }
}
