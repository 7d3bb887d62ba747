//! Media service (trt, Media1): profiles, stream URIs (RTP over RTSP/TCP),
//! snapshot URIs and the snapshot fetch (HTTP digest or basic with the
//! device's credentials). A URI the device names is only used on the
//! device's own host and with the expected schemes ([`checked_media_uri`]):
//! the device's password goes nowhere else.
use serde::Serialize;

use super::error::OnvifError;
use super::soap::{escape, Transport};
use super::xml::Element;
use crate::vms::http_body::{self, BodyError, IMAGE_LIMIT};

/// Schemes a stream or replay URI may use.
pub const STREAM_SCHEMES: &[&str] = &["rtsp", "rtsps"];
/// Schemes a snapshot URI may use.
pub const SNAPSHOT_SCHEMES: &[&str] = &["http", "https"];

/// Checks a URI a device answered with (`op` names the operation): it must
/// parse, use one of `schemes`, and name `device_host` (the host the
/// operator typed) or one of `allowed_hosts`; user info in it is dropped.
/// Returns the URI to use. Errors name the scheme and host, never the rest.
pub fn checked_media_uri(
    op: &str,
    uri: &str,
    device_host: &str,
    allowed_hosts: &[&str],
    schemes: &[&str],
) -> Result<String, OnvifError> {
    let mut u = url::Url::parse(uri.trim()).map_err(|e| {
        OnvifError::protocol(
            op,
            format!("the device named a URI that is not a URL ({e})"),
        )
    })?;
    if !schemes.contains(&u.scheme()) {
        return Err(OnvifError::protocol(
            op,
            format!(
                "the device named a {}: URI; only {} is accepted",
                bounded(u.scheme()),
                schemes.join(" or ")
            ),
        ));
    }
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    let same = |h: &str| {
        let h = h.trim().trim_start_matches('[').trim_end_matches(']');
        !h.is_empty()
            && host.trim_start_matches('[').trim_end_matches(']') == h.to_ascii_lowercase()
    };
    if !(same(device_host) || allowed_hosts.iter().any(|h| same(h))) {
        return Err(OnvifError::protocol(
            op,
            format!(
                "the device named host {:?}, not its own host {device_host:?}: refused (the device's credentials only go to the device)",
                bounded(&host)
            ),
        ));
    }
    if !u.username().is_empty() || u.password().is_some() {
        let _ = u.set_username("");
        let _ = u.set_password(None);
    }
    Ok(u.to_string())
}

/// At most 80 characters of a device's text, for a message.
fn bounded(s: &str) -> String {
    s.chars().take(80).collect()
}

/// One media profile as `GetProfiles` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub token: String,
    pub name: String,
    /// The physical input (`VideoSourceConfiguration/SourceToken`).
    pub video_source: String,
    pub encoding: String,
    pub width: u32,
    pub height: u32,
    /// The profile has a PTZ configuration.
    pub ptz: bool,
}

pub async fn profiles(t: &Transport, url: &str) -> Result<Vec<Profile>, OnvifError> {
    const OP: &str = "GetProfiles";
    let r = t.call(OP, url, "<trt:GetProfiles/>", true).await?;
    let mut out = Vec::new();
    for p in r.children_named("Profiles") {
        out.push(profile(p).ok_or_else(|| OnvifError::protocol(OP, "a profile without a token"))?);
    }
    Ok(out)
}

fn profile(p: &Element) -> Option<Profile> {
    let vsc = p.child("VideoSourceConfiguration");
    let vec = p.child("VideoEncoderConfiguration");
    let num = |path: &[&str]| {
        vec.and_then(|v| v.text_at(path))
            .and_then(|t| t.parse().ok())
            .unwrap_or(0)
    };
    Some(Profile {
        token: p.attr("token")?.to_string(),
        name: p.text_at(&["Name"]).unwrap_or_default().to_string(),
        video_source: vsc
            .and_then(|v| v.text_at(&["SourceToken"]).or(v.attr("token")))
            .unwrap_or_default()
            .to_string(),
        encoding: vec
            .and_then(|v| v.text_at(&["Encoding"]))
            .unwrap_or_default()
            .to_string(),
        width: num(&["Resolution", "Width"]),
        height: num(&["Resolution", "Height"]),
        ptz: p.child("PTZConfiguration").is_some(),
    })
}

/// `GetStreamUri` with `RTP-Unicast` over `RTSP` (interleaved TCP).
pub async fn stream_uri(t: &Transport, url: &str, profile: &str) -> Result<String, OnvifError> {
    const OP: &str = "GetStreamUri";
    let body = format!(
        concat!(
            "<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>",
            "<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>",
            "<trt:ProfileToken>{}</trt:ProfileToken></trt:GetStreamUri>"
        ),
        escape(profile)
    );
    let r = t.call(OP, url, &body, true).await?;
    media_uri(OP, &r)
}

pub async fn snapshot_uri(t: &Transport, url: &str, profile: &str) -> Result<String, OnvifError> {
    const OP: &str = "GetSnapshotUri";
    let body = format!(
        "<trt:GetSnapshotUri><trt:ProfileToken>{}</trt:ProfileToken></trt:GetSnapshotUri>",
        escape(profile)
    );
    let r = t.call(OP, url, &body, true).await?;
    media_uri(OP, &r)
}

fn media_uri(op: &str, r: &Element) -> Result<String, OnvifError> {
    r.find("MediaUri")
        .and_then(|m| m.text_at(&["Uri"]))
        .or_else(|| r.find("Uri").map(|u| u.text.as_str()))
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .ok_or_else(|| OnvifError::protocol(op, "no MediaUri/Uri"))
}

/// Fetches a snapshot (JPEG bytes). Tries without credentials first, then
/// answers a digest challenge, or sends basic auth when that is what is asked.
pub async fn fetch_snapshot(t: &Transport, uri: &str) -> Result<Vec<u8>, OnvifError> {
    const OP: &str = "snapshot";
    let net = |e: reqwest::Error| OnvifError::Unreachable {
        host: t.host().to_string(),
        detail: format!("{OP}: {e}"),
    };
    let resp = t.http().get(uri).send().await.map_err(net)?;
    let resp = if resp.status().as_u16() == 401 {
        let creds = t.credentials().ok_or_else(|| OnvifError::AuthFailed {
            host: t.host().into(),
            detail: "snapshot needs credentials".into(),
        })?;
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let req = t.http().get(uri);
        let req = if challenge.to_ascii_lowercase().starts_with("digest") {
            let mut prompt = digest_auth::parse(&challenge)
                .map_err(|e| OnvifError::protocol(OP, format!("bad digest challenge: {e}")))?;
            let path = url::Url::parse(uri)
                .map(|u| u[url::Position::BeforePath..].to_string())
                .unwrap_or_else(|_| "/".into());
            let ctx = digest_auth::AuthContext::new(
                creds.user.as_str(),
                creds.password.as_str(),
                path.as_str(),
            );
            let answer = prompt
                .respond(&ctx)
                .map_err(|e| OnvifError::protocol(OP, format!("digest: {e}")))?;
            req.header("Authorization", answer.to_header_string())
        } else {
            req.basic_auth(&creds.user, Some(&creds.password))
        };
        req.send().await.map_err(net)?
    } else {
        resp
    };
    let status = resp.status().as_u16();
    if status == 401 || status == 403 {
        return Err(OnvifError::AuthFailed {
            host: t.host().into(),
            detail: format!("snapshot: HTTP {status}"),
        });
    }
    if !(200..300).contains(&status) {
        return Err(OnvifError::Http {
            operation: OP.into(),
            status,
        });
    }
    let bytes = match http_body::read_async(resp, IMAGE_LIMIT).await {
        Ok(b) => b,
        Err(BodyError::Read(e)) => return Err(net(e)),
        Err(e @ BodyError::TooLarge { .. }) => return Err(OnvifError::protocol(OP, e.to_string())),
    };
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(OnvifError::protocol(OP, "the snapshot is not a JPEG"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_read_from_vendor_shaped_xml() {
        let doc = r#"<trt:GetProfilesResponse xmlns:trt="m" xmlns:tt="t">
<trt:Profiles token="main" fixed="true"><tt:Name>MainStream</tt:Name>
 <tt:VideoSourceConfiguration token="vsc"><tt:Name>v</tt:Name><tt:SourceToken>src0</tt:SourceToken></tt:VideoSourceConfiguration>
 <tt:VideoEncoderConfiguration token="e"><tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution></tt:VideoEncoderConfiguration>
 <tt:PTZConfiguration token="ptz0"/>
</trt:Profiles>
<trt:Profiles token="sub"><tt:Name>Sub</tt:Name></trt:Profiles></trt:GetProfilesResponse>"#;
        let r = super::super::xml::parse(doc).unwrap();
        let ps: Vec<_> = r.children_named("Profiles").filter_map(profile).collect();
        assert_eq!(ps.len(), 2);
        assert_eq!(
            ps[0],
            Profile {
                token: "main".into(),
                name: "MainStream".into(),
                video_source: "src0".into(),
                encoding: "H264".into(),
                width: 1920,
                height: 1080,
                ptz: true
            }
        );
        assert!(!ps[1].ptz);
        assert_eq!(ps[1].width, 0);
    }

    #[test]
    fn media_uris_stay_on_the_device_host_and_scheme() {
        let ok = |u: &str| checked_media_uri("GetStreamUri", u, "10.0.0.5", &[], STREAM_SCHEMES);
        assert_eq!(
            ok("rtsp://10.0.0.5:554/main").unwrap(),
            "rtsp://10.0.0.5:554/main"
        );
        assert_eq!(
            ok(" rtsps://10.0.0.5/s?a=1 ").unwrap(),
            "rtsps://10.0.0.5/s?a=1"
        );
        // user info is dropped (and never echoed)
        assert_eq!(
            ok("rtsp://admin:devpw@10.0.0.5/main").unwrap(),
            "rtsp://10.0.0.5/main"
        );
        for bad in [
            "rtsp://10.0.0.6/main",
            "rtsp://attacker.example/main",
            "rtsp://10.0.0.5.attacker.example/main",
            "file:///etc/passwd",
            "concat:/etc/passwd|/etc/hosts",
            "http://10.0.0.5/main",
            "rtmp://10.0.0.5/main",
            "rtsp://user:devpw@10.0.0.6/main",
            "not a url",
            "",
            "rtsp:///main",
        ] {
            let e = ok(bad).unwrap_err();
            assert_eq!(
                crate::error::HasKind::kind(&e),
                crate::error::ErrorKind::Protocol
            );
            assert!(!e.to_string().contains("devpw"), "{e}");
        }
        let e = ok("rtsp://other:pw@192.0.2.1/x").unwrap_err().to_string();
        assert!(e.contains("192.0.2.1") && e.contains("10.0.0.5"), "{e}");
        let e = ok("file:///etc/passwd").unwrap_err().to_string();
        assert!(e.contains("file:") && e.contains("rtsp or rtsps"), "{e}");
        // hosts the operator allowed; names compare without case; IPv6
        let allowed = checked_media_uri(
            "x",
            "rtsp://NVR.local/a",
            "10.0.0.5",
            &["nvr.local"],
            STREAM_SCHEMES,
        );
        assert_eq!(allowed.unwrap(), "rtsp://NVR.local/a");
        let v6 = checked_media_uri("x", "rtsp://[::1]:8554/a", "[::1]", &[], STREAM_SCHEMES);
        assert_eq!(v6.unwrap(), "rtsp://[::1]:8554/a");
        let snap = checked_media_uri(
            "x",
            "http://10.0.0.5/snap.jpg",
            "10.0.0.5",
            &[],
            SNAPSHOT_SCHEMES,
        );
        assert!(snap.is_ok());
    }
}
