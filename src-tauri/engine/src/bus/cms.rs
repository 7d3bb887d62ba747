//! Linking media back to the CMS: `POST {cms}/cases/{id}/media` with
//! `CaseId`, `FileName` and `PointerUrl` (seed 000, Feature 2 step 7).
//! Idempotent: the case's media list (`GET {cms}/cases/{id}/media`) is read
//! first and only missing file names are posted, each with an
//! `Idempotency-Key` header (case id + file name) for CMSs that honour it.
//! The caller holds the case's lock (`claim`), so no other worker links the
//! same case meanwhile: a retried link never duplicates.
use std::collections::HashSet;
use std::time::Duration;

use super::BusError;
use crate::net::http::{client, HttpOptions};
use crate::vms::http_body::read_async;

/// Largest media list read from the CMS.
const MAX_LIST: usize = 4 * 1024 * 1024;

/// A file to link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFile {
    pub file_name: String,
    pub pointer_url: String,
}

/// The CMS's case media endpoint.
#[derive(Clone)]
pub struct CmsClient {
    http: reqwest::Client,
    base: String,
}

/// The file names in a CMS media list: a JSON array of objects with
/// `FileName` (or `fileName`), or an object with such an array under
/// `items`/`Items`/`data`.
pub fn parse_media_list(body: &[u8]) -> Result<Vec<String>, BusError> {
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| BusError::Cms(format!("media list is not JSON: {e}")))?;
    let arr = match &v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => ["items", "Items", "data"]
            .iter()
            .find_map(|k| o.get(*k).and_then(|x| x.as_array()))
            .ok_or_else(|| BusError::Cms("media list: no array".into()))?,
        _ => return Err(BusError::Cms("media list: not an array".into())),
    };
    Ok(arr
        .iter()
        .filter_map(|m| {
            m.get("FileName")
                .or_else(|| m.get("fileName"))
                .and_then(|f| f.as_str())
                .map(str::to_string)
        })
        .collect())
}

impl CmsClient {
    /// `base` is the CMS endpoint (`http://cms:8080/api`); `/cases/...` is appended.
    pub fn new(base: &str) -> Result<Self, BusError> {
        let b = url::Url::parse(base.trim())
            .map_err(|e| BusError::Config(format!("--cms-url: {e}")))?;
        if !matches!(b.scheme(), "http" | "https") || b.password().is_some() {
            return Err(BusError::Config(
                "--cms-url: an http(s) URL without credentials".into(),
            ));
        }
        let http = client(&HttpOptions::with_timeout(Duration::from_secs(15)))
            .map_err(|e| BusError::Config(format!("CMS client: {e}")))?;
        Ok(Self {
            http,
            base: b.as_str().trim_end_matches('/').to_string(),
        })
    }

    fn media_url(&self, case_id: &str) -> String {
        format!("{}/cases/{}/media", self.base, urlenc(case_id))
    }

    /// The file names already linked to a case.
    pub async fn linked(&self, case_id: &str) -> Result<HashSet<String>, BusError> {
        let r = self
            .http
            .get(self.media_url(case_id))
            .send()
            .await
            .map_err(|e| {
                BusError::Cms(format!("GET media of case {case_id}: {}", e.without_url()))
            })?;
        let status = r.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(HashSet::new());
        }
        if !status.is_success() {
            return Err(BusError::Cms(format!(
                "GET media of case {case_id}: HTTP {status}"
            )));
        }
        let body = read_async(r, MAX_LIST)
            .await
            .map_err(|e| BusError::Cms(format!("GET media of case {case_id}: {e}")))?;
        Ok(parse_media_list(&body)?.into_iter().collect())
    }

    /// Posts one link.
    pub async fn post(&self, case_id: &str, f: &LinkFile) -> Result<(), BusError> {
        let body = serde_json::json!({
            "CaseId": case_id.parse::<i64>().map(serde_json::Value::from).unwrap_or_else(|_| case_id.into()),
            "FileName": f.file_name,
            "PointerUrl": f.pointer_url,
        });
        let r = self
            .http
            .post(self.media_url(case_id))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", format!("{case_id}/{}", f.file_name))
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| {
                BusError::Cms(format!("POST media of case {case_id}: {}", e.without_url()))
            })?;
        if !r.status().is_success() {
            return Err(BusError::Cms(format!(
                "POST media of case {case_id}: HTTP {}",
                r.status()
            )));
        }
        Ok(())
    }

    /// Links the files not linked yet; returns the names newly linked.
    pub async fn link_missing(
        &self,
        case_id: &str,
        files: &[LinkFile],
    ) -> Result<Vec<String>, BusError> {
        let have = self.linked(case_id).await?;
        let mut out = Vec::new();
        for f in files.iter().filter(|f| !have.contains(&f.file_name)) {
            self.post(case_id, f).await?;
            out.push(f.file_name.clone());
        }
        Ok(out)
    }
}

fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `{base}/footage/{file}?blob` or `{base}/snapshot/{file}?blob` (the seed's
/// pointer shape).
pub fn pointer_url(base: &str, clip: bool, file_name: &str) -> String {
    format!(
        "{}/{}/{}?blob",
        base.trim_end_matches('/'),
        if clip { "footage" } else { "snapshot" },
        urlenc(file_name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_lists_and_pointers() {
        let l = parse_media_list(
            br#"[{"FileName":"a.mp4","PointerUrl":"x"},{"fileName":"b.jpg"},{"Other":1}]"#,
        )
        .unwrap();
        assert_eq!(l, ["a.mp4", "b.jpg"]);
        assert_eq!(
            parse_media_list(br#"{"items":[{"FileName":"c"}]}"#).unwrap(),
            ["c"]
        );
        assert!(parse_media_list(b"42").is_err());
        assert_eq!(
            pointer_url("http://v/api/", true, "C-1_demo-1_x.mp4"),
            "http://v/api/footage/C-1_demo-1_x.mp4?blob"
        );
        assert!(CmsClient::new("http://u:p@cms/").is_err());
    }
}
