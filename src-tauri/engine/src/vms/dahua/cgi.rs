//! One Dahua device's HTTP CGI: requests signed by the shared digest client
//! ([`crate::net::digest`]), answers read within a cap, failures as
//! [`RemoteError`]s that name the request (no secrets) and keep the
//! device's status. Dahua answers refusals with `Error` bodies and 4xx.
use reqwest::Method;
use url::Url;

use super::kv;
use crate::error::{ErrorKind, HasKind};
use crate::net::digest::{DigestClient, DigestError};
use crate::vms::remote_error::RemoteError;

/// Text answers are small; more than this is refused.
pub const TEXT_LIMIT: usize = 4 << 20;
/// A snapshot is at most this large.
pub const JPEG_LIMIT: usize = 16 << 20;

pub struct Cgi {
    digest: DigestClient,
    base: Url,
    site: String,
}

impl Cgi {
    /// `base` is `http(s)://host:port` (no credentials).
    pub fn new(http: reqwest::Client, base: Url, user: &str, password: &str, site: &str) -> Self {
        Self {
            digest: DigestClient::new(http, user, password),
            base,
            site: site.to_string(),
        }
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn digest(&self) -> &DigestClient {
        &self.digest
    }

    /// The URL of `/cgi-bin/<path_and_query>`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!(
            "{}/cgi-bin/{path_and_query}",
            self.base.as_str().trim_end_matches('/')
        )
    }

    /// The error of a failed request.
    pub fn error(&self, what: &str, e: DigestError) -> RemoteError {
        let kind = e.kind();
        let status = match &e {
            DigestError::Refused { status, .. } => Some(*status),
            _ => None,
        };
        let mut r = RemoteError::new(kind, &self.site, &format!("GET {what}"), e.to_string());
        r.status = status;
        r
    }

    /// `GET /cgi-bin/<pq>` read whole (at most `limit`); a non-2xx answer is
    /// an error of the status's kind with the device's own words.
    pub async fn get_bytes(&self, pq: &str, limit: usize) -> Result<Vec<u8>, RemoteError> {
        let url = self.url(pq);
        let what = cgi_name(pq);
        let a = self
            .digest
            .send(Method::GET, &url, None, limit)
            .await
            .map_err(|e| self.error(&what, e))?;
        if !a.is_success() {
            let body = a.text();
            let words: String = body
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(200)
                .collect();
            return Err(RemoteError::new(
                RemoteError::kind_of_status(a.status),
                &self.site,
                &format!("GET {what}"),
                if words.is_empty() {
                    "the device refused the request".to_string()
                } else {
                    format!("the device answered {words:?}")
                },
            )
            .status(a.status));
        }
        Ok(a.body)
    }

    /// `GET /cgi-bin/<pq>` as text.
    pub async fn get_text(&self, pq: &str) -> Result<String, RemoteError> {
        let b = self.get_bytes(pq, TEXT_LIMIT).await?;
        Ok(String::from_utf8_lossy(&b).into_owned())
    }

    /// A simple action that must answer `OK`.
    pub async fn action(&self, pq: &str) -> Result<(), RemoteError> {
        let t = self.get_text(pq).await?;
        if kv::is_ok(&t) {
            Ok(())
        } else {
            Err(self.protocol(pq, "the device did not answer OK"))
        }
    }

    /// A protocol error about `pq`.
    pub fn protocol(&self, pq: &str, msg: &str) -> RemoteError {
        RemoteError::new(
            ErrorKind::Protocol,
            &self.site,
            &format!("GET {}", cgi_name(pq)),
            msg,
        )
    }

    pub fn site(&self) -> &str {
        &self.site
    }
}

/// `mediaFileFind.cgi?action=findFile` from a path and query (for errors:
/// the action, not every parameter).
pub fn cgi_name(pq: &str) -> String {
    let (path, q) = pq.split_once('?').unwrap_or((pq, ""));
    let action = q
        .split('&')
        .find_map(|p| p.strip_prefix("action="))
        .map(|a| format!("?action={a}"))
        .unwrap_or_default();
    format!("/cgi-bin/{path}{action}")
}

/// A device local time as a query value (`YYYY-MM-DD%20HH:MM:SS`).
pub fn time_param(dt: jiff::civil::DateTime) -> String {
    dt.strftime("%Y-%m-%d%%20%H:%M:%S").to_string()
}
