//! PTZ home of a Dahua channel: Dahua's `ptz.cgi` has no home code
//! (PROTOCOLS.md 5.1), so home is ONVIF `GotoHomePosition` on the same
//! device (its HTTP address, `/onvif/device_service`, the site's user and
//! password as a WS-UsernameToken). The channel's profile is the first
//! profile with PTZ on the channel's video source (video sources counted in
//! the order the profiles name them: channel N is the N-th). A device that
//! answers no ONVIF (or no PTZ service) makes home a clear Unsupported.
use std::time::Duration;

use super::site::Inner;
use crate::vms::onvif::client::OnvifClient;
use crate::vms::onvif::error::OnvifError;
use crate::vms::onvif::media::Profile;
use crate::vms::onvif::soap::Credentials;
use crate::vms::VmsError;

const NO_ONVIF: &str =
    "PTZ home (Dahua has no home code and the device answers no ONVIF PTZ: use a preset)";

/// The token of channel `channel`'s PTZ profile among `profiles`.
pub fn channel_profile(profiles: &[Profile], channel: u32) -> Option<&Profile> {
    let mut sources: Vec<&str> = Vec::new();
    for p in profiles {
        if !sources.contains(&p.video_source.as_str()) {
            sources.push(&p.video_source);
        }
    }
    let source = sources.get(channel.checked_sub(1)? as usize)?;
    profiles.iter().find(|p| p.ptz && p.video_source == *source)
}

/// `GotoHomePosition` for `channel` at `speed` (0..1).
pub(crate) async fn goto_home(inner: &Inner, channel: u32, speed: f64) -> Result<(), VmsError> {
    let unsupported = || VmsError::Unsupported {
        site: inner.label(),
        capability: NO_ONVIF,
    };
    // auth and reachability are the device's; anything else means no ONVIF here
    let keep = |e: OnvifError| match e {
        e @ (OnvifError::AuthFailed { .. }
        | OnvifError::Unreachable { .. }
        | OnvifError::Tls(_)) => VmsError::Onvif(e),
        _ => unsupported(),
    };
    let creds = inner
        .credentials()?
        .map(|(user, password)| Credentials { user, password });
    let pin = match &inner.cfg.info.tls_pin {
        Some(p) => Some(
            crate::net::pin::parse(p)
                .map_err(|e| VmsError::InvalidConfig(format!("TLS pin: {e}")))?,
        ),
        None => None,
    };
    let client =
        OnvifClient::connect_pinned(inner.base.as_str(), creds, Duration::from_secs(10), pin)
            .await
            .map_err(keep)?;
    let ptz_url = client.ptz_url().map_err(|_| unsupported())?.to_string();
    let profiles = client.profiles().await.map_err(keep)?;
    let profile = channel_profile(&profiles, channel).ok_or(VmsError::Unsupported {
        site: inner.label(),
        capability: "PTZ home (no ONVIF profile with PTZ for this channel)",
    })?;
    crate::vms::onvif::ptz::goto_home(
        &client.transport,
        &ptz_url,
        &profile.token,
        speed.clamp(0.0, 1.0),
    )
    .await
    .map_err(VmsError::Onvif)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(token: &str, source: &str, ptz: bool) -> Profile {
        Profile {
            token: token.into(),
            name: String::new(),
            video_source: source.into(),
            encoding: "H264".into(),
            width: 0,
            height: 0,
            ptz,
        }
    }

    #[test]
    fn channels_map_to_their_video_sources_ptz_profile() {
        let ps = [
            p("MediaProfile00000", "000", false),
            p("MediaProfile00001", "000", false),
            p("MediaProfile00100", "001", true),
            p("MediaProfile00101", "001", true),
        ];
        assert_eq!(channel_profile(&ps, 2).unwrap().token, "MediaProfile00100");
        assert!(channel_profile(&ps, 1).is_none());
        assert!(channel_profile(&ps, 3).is_none());
        assert!(channel_profile(&ps, 0).is_none());
    }
}
