//! One connected ONVIF device: clock offset measured first, then services,
//! then everything else through the service endpoints (on the configured host).
//! Media URIs the device names are checked against that host too.
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

use super::device::{self, DeviceInfo, Services, DEVICE_PATH};
use super::error::OnvifError;
use super::media::{self, checked_media_uri, Profile, SNAPSHOT_SCHEMES, STREAM_SCHEMES};
use super::soap::{Credentials, Transport};

/// A device as a probe reports it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    pub address: String,
    pub device: DeviceInfo,
    /// Device clock minus ours, in ms (applied to every UsernameToken).
    pub clock_offset_ms: i64,
    pub services: Services,
    pub profiles: Vec<Profile>,
}

pub struct OnvifClient {
    pub transport: Transport,
    pub base: url::Url,
    pub services: Services,
    /// Hosts besides the device's own that its media URIs may name (the
    /// site's `allowed_hosts` option: a recorder that streams from another
    /// address, a NAT'd camera).
    pub allowed_hosts: Vec<String>,
}

/// `host:port`, `host`, or `http(s)://host:port[/...]` → `http(s)://host:port`
/// (no scheme means http; https is verified by system roots or the site's pin).
pub fn base_url(address: &str) -> Result<url::Url, OnvifError> {
    let a = address.trim();
    if a.is_empty() {
        return Err(OnvifError::Invalid(
            "an ONVIF device needs an address".into(),
        ));
    }
    let with_scheme = if a.contains("://") {
        a.to_string()
    } else {
        format!("http://{a}")
    };
    let mut u = url::Url::parse(&with_scheme)
        .map_err(|e| OnvifError::Invalid(format!("bad device address {a:?}: {e}")))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(OnvifError::Unsupported(format!(
            "{}:// device addresses (use http:// or https://)",
            u.scheme()
        )));
    }
    if u.host_str().is_none() || !u.username().is_empty() || u.password().is_some() {
        return Err(OnvifError::Invalid(
            "the device address is host[:port], credentials go separately".into(),
        ));
    }
    u.set_path("");
    u.set_query(None);
    u.set_fragment(None);
    Ok(u)
}

impl OnvifClient {
    /// Measures the clock offset (GetSystemDateAndTime, no credentials),
    /// then discovers the services with credentials.
    pub async fn connect(
        address: &str,
        creds: Option<Credentials>,
        timeout: Duration,
    ) -> Result<Self, OnvifError> {
        Self::connect_pinned(address, creds, timeout, None).await
    }

    /// [`Self::connect`] to a device whose HTTPS certificate the site pins.
    pub async fn connect_pinned(
        address: &str,
        creds: Option<Credentials>,
        timeout: Duration,
        pin: Option<crate::net::CertPin>,
    ) -> Result<Self, OnvifError> {
        let base = base_url(address)?;
        let host = format!(
            "{}:{}",
            base.host_str().unwrap_or_default(),
            base.port_or_known_default().unwrap_or(80)
        );
        let transport = Transport::with_pin(&host, creds, timeout, pin);
        let device_url = format!("{}{}", base.as_str().trim_end_matches('/'), DEVICE_PATH);
        match device::system_date_and_time(&transport, &device_url).await {
            Ok(device_now) => {
                // both clocks are within CLOCK_YEARS: no overflow
                let offset = device_now - OffsetDateTime::now_utc();
                if offset.whole_seconds().unsigned_abs() > 5 {
                    tracing::info!(
                        "{host}: device clock is {} s off; correcting UsernameToken times",
                        offset.whole_seconds()
                    );
                }
                transport.set_clock_offset(offset);
            }
            // an untrusted certificate fails every later call the same way
            Err(e @ (OnvifError::Unreachable { .. } | OnvifError::Tls(_))) => return Err(e),
            Err(e) => {
                tracing::warn!("{host}: no device time ({e}); assuming our clock");
                transport.set_clock_note(e.to_string());
            }
        }
        let services = device::services(&transport, &base).await?;
        Ok(Self {
            transport,
            base,
            services,
            allowed_hosts: Vec::new(),
        })
    }

    pub async fn device_info(&self) -> Result<DeviceInfo, OnvifError> {
        device::device_information(&self.transport, &self.services.device).await
    }

    fn media_url(&self) -> Result<&str, OnvifError> {
        self.services
            .media
            .as_deref()
            .ok_or_else(|| OnvifError::Unsupported("the media service".into()))
    }

    pub fn ptz_url(&self) -> Result<&str, OnvifError> {
        self.services
            .ptz
            .as_deref()
            .ok_or_else(|| OnvifError::Unsupported("PTZ (no PTZ service)".into()))
    }

    pub fn search_url(&self) -> Result<&str, OnvifError> {
        self.services.search.as_deref().ok_or_else(|| {
            OnvifError::Unsupported("recording search (Profile G: no search service)".into())
        })
    }

    pub fn replay_url(&self) -> Result<&str, OnvifError> {
        self.services
            .replay
            .as_deref()
            .ok_or_else(|| OnvifError::Unsupported("replay (Profile G: no replay service)".into()))
    }

    pub async fn profiles(&self) -> Result<Vec<Profile>, OnvifError> {
        media::profiles(&self.transport, self.media_url()?).await
    }

    /// The host the operator gave for the device (media URIs must name it).
    pub fn device_host(&self) -> &str {
        self.base.host_str().unwrap_or_default()
    }

    /// Allows media URIs on `hosts` as well as on the device's own host.
    pub fn with_allowed_hosts(mut self, hosts: Vec<String>) -> Self {
        self.allowed_hosts = hosts;
        self
    }

    fn allowed(&self) -> Vec<&str> {
        self.allowed_hosts.iter().map(String::as_str).collect()
    }

    /// The profile's RTSP URI: on the device's host (or an allowed one),
    /// rtsp/rtsps, no user info.
    pub async fn stream_uri(&self, profile: &str) -> Result<String, OnvifError> {
        let uri = media::stream_uri(&self.transport, self.media_url()?, profile).await?;
        checked_media_uri(
            "GetStreamUri",
            &uri,
            self.device_host(),
            &self.allowed(),
            STREAM_SCHEMES,
        )
    }

    /// The replay URI of a recording, checked like a stream URI.
    pub async fn replay_uri(&self, recording: &str) -> Result<String, OnvifError> {
        let uri = super::search::replay_uri(&self.transport, self.replay_url()?, recording).await?;
        checked_media_uri(
            "GetReplayUri",
            &uri,
            self.device_host(),
            &self.allowed(),
            STREAM_SCHEMES,
        )
    }

    /// A JPEG from the profile's snapshot URI (on the device's host only).
    pub async fn snapshot(&self, profile: &str) -> Result<Vec<u8>, OnvifError> {
        let uri = media::snapshot_uri(&self.transport, self.media_url()?, profile).await?;
        let uri = checked_media_uri(
            "GetSnapshotUri",
            &uri,
            self.device_host(),
            &self.allowed(),
            SNAPSHOT_SCHEMES,
        )?;
        media::fetch_snapshot(&self.transport, &uri).await
    }

    /// Device info, services and profiles in one go.
    pub async fn probe(&self) -> Result<Probe, OnvifError> {
        Ok(Probe {
            address: self.base.as_str().trim_end_matches('/').to_string(),
            device: self.device_info().await?,
            clock_offset_ms: i64::try_from(self.transport.clock_offset().whole_milliseconds())
                .unwrap_or(i64::MAX),
            services: self.services.clone(),
            profiles: self.profiles().await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_or_refused() {
        assert_eq!(
            base_url("127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            base_url("http://cam.local/onvif/device_service")
                .unwrap()
                .as_str(),
            "http://cam.local/"
        );
        assert!(base_url("").is_err());
        assert!(base_url("http://u:p@cam").is_err());
        assert_eq!(
            base_url("https://cam.local:8443/onvif/device_service")
                .unwrap()
                .as_str(),
            "https://cam.local:8443/"
        );
        assert!(base_url("ftp://cam").is_err());
        assert!(base_url("https://u:p@cam").is_err());
    }
}
