//! Where an RTSP session connects: an `rtsp://` URL split into the URL the
//! requests name (without credentials), host, port and the credentials.
use super::auth::Credentials;
use super::error::RtspError;
use crate::secrets::redact::redact_url;

/// Where to connect and how to log in.
#[derive(Debug, Clone)]
pub struct Target {
    /// The URL without credentials (what requests name).
    pub url: String,
    pub host: String,
    pub port: u16,
    pub credentials: Option<Credentials>,
}

impl Target {
    /// Splits `url` (which may carry `user:password@`).
    pub fn parse(url: &str) -> Result<Self, RtspError> {
        let bad = || RtspError::BadUrl(redact_url(url));
        let mut u = url::Url::parse(url).map_err(|_| bad())?;
        if u.scheme() != "rtsp" {
            return Err(bad());
        }
        let host = u.host_str().ok_or_else(bad)?.to_string();
        let port = u.port().unwrap_or(554);
        let credentials = (!u.username().is_empty()).then(|| Credentials {
            user: pct_decode(u.username()),
            password: pct_decode(u.password().unwrap_or_default()),
        });
        let _ = u.set_username("");
        let _ = u.set_password(None);
        Ok(Self {
            url: u.to_string(),
            host,
            port,
            credentials,
        })
    }
}

fn pct_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_leave_the_url() {
        let t = Target::parse("rtsp://ad%40min:p%3Aw@127.0.0.1:8554/replay/rec0").unwrap();
        assert_eq!(t.url, "rtsp://127.0.0.1:8554/replay/rec0");
        assert_eq!((t.host.as_str(), t.port), ("127.0.0.1", 8554));
        let c = t.credentials.unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("ad@min", "p:w"));
        assert!(Target::parse("http://h/x").is_err());
        assert_eq!(Target::parse("rtsp://h/x").unwrap().port, 554);
    }
}
