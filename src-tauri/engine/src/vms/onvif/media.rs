//! Media service (trt, Media1): profiles, stream URIs (RTP over RTSP/TCP),
//! snapshot URIs and the snapshot fetch (HTTP digest or basic with the
//! device's credentials).
use serde::Serialize;

use super::error::OnvifError;
use super::soap::{escape, Transport};
use super::xml::Element;

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
    let bytes = resp.bytes().await.map_err(net)?.to_vec();
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
}
