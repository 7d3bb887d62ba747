//! Recording sources named on a command line:
//! `folder:PATH[#camera]`, `rtsp-replay:URL[#start=RFC3339]` and
//! `mediamtx:http://host:9996#path`. Credentials come apart from the spec
//! (`Credentials`: the CLI's `--user` and `--password-stdin`, so they are
//! never in the process list); user info in the URL still works.
use std::path::PathBuf;
use std::sync::Arc;

use super::folder::SegmentFolder;
use super::mediamtx::MediaMtx;
use super::rtsp_replay::RtspReplay;
use super::{PlaybackError, Recording};
use crate::secrets::redact::{split_credentials, with_credentials};

/// A display name and the recording.
pub type Named = (String, Arc<dyn Recording>);

/// A user name and password given apart from the source's URL.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

/// A recording source and a display name, if `spec` names one.
pub fn open_source(spec: &str, tz: &str) -> Option<Result<Named, PlaybackError>> {
    open_source_with(spec, tz, None)
}

/// As `open_source`, with credentials given apart (they win over user info
/// in the URL). A `folder:` takes none.
pub fn open_source_with(
    spec: &str,
    tz: &str,
    creds: Option<&Credentials>,
) -> Option<Result<Named, PlaybackError>> {
    if let Some(rest) = spec.strip_prefix("folder:") {
        if creds.is_some() {
            return Some(Err(PlaybackError::Invalid(
                "a folder: source takes no user name or password".into(),
            )));
        }
        return Some(folder(rest, tz));
    }
    if let Some(rest) = spec.strip_prefix("rtsp-replay:") {
        return Some(replay(rest, creds));
    }
    if let Some(rest) = spec.strip_prefix("mediamtx:") {
        return Some(mediamtx(rest, creds));
    }
    None
}

/// Whether a spec is one `open_source` understands and takes credentials.
pub fn takes_credentials(spec: &str) -> bool {
    spec.starts_with("rtsp-replay:") || spec.starts_with("mediamtx:")
}

fn folder(rest: &str, tz: &str) -> Result<Named, PlaybackError> {
    let (path, camera) = match rest.rsplit_once('#') {
        Some((p, c)) => (PathBuf::from(p), Some(c)),
        None => (PathBuf::from(rest), None),
    };
    let dir = camera.map_or(path.clone(), |c| path.join(c));
    let f = SegmentFolder::new(dir, super::day::zone(tz)?)?;
    Ok((f.name().to_string(), Arc::new(f)))
}

fn replay(rest: &str, creds: Option<&Credentials>) -> Result<Named, PlaybackError> {
    let (url, start) = match rest.rsplit_once("#start=") {
        Some((u, s)) => (u, Some(s)),
        None => (rest, None),
    };
    let url = match creds {
        Some(c) => with_credentials(url, Some(&c.user), Some(&c.password))
            .map_err(|e| PlaybackError::Invalid(format!("not a URL ({e})")))?,
        None => url.to_string(),
    };
    let r = RtspReplay::open(&url, start)?;
    Ok(("RTSP replay".into(), Arc::new(r)))
}

fn mediamtx(rest: &str, creds: Option<&Credentials>) -> Result<Named, PlaybackError> {
    let (url, path) = rest
        .rsplit_once('#')
        .ok_or_else(|| PlaybackError::Invalid("mediamtx:URL#path needs a #path".into()))?;
    let (bare, user, pass) =
        split_credentials(url).map_err(|e| PlaybackError::Invalid(format!("not a URL ({e})")))?;
    let auth = match creds {
        Some(c) => Some((c.user.clone(), c.password.clone())),
        None => user.map(|u| (u, pass.unwrap_or_default())),
    };
    let m = MediaMtx::new(&bare, path, auth)?;
    Ok((format!("MediaMTX {path}"), Arc::new(m)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_urls_do_not_echo_their_credentials() {
        for spec in [
            "mediamtx:http://admin:pa/ss@host:99999#cam",
            "mediamtx:http://admin:pa ss@[host#cam",
        ] {
            let err = match open_source(spec, "UTC").unwrap() {
                Ok(_) => panic!("{spec} opened"),
                Err(e) => e.to_string(),
            };
            let shown = crate::secrets::redact::redact_text(&err);
            assert!(
                !shown.contains("pa/ss") && !shown.contains("pa ss"),
                "{shown}"
            );
        }
        let creds = Credentials {
            user: "u".into(),
            password: "p".into(),
        };
        assert!(format!("{creds:?}").contains("***") && !format!("{creds:?}").contains("\"p\""));
        assert!(matches!(
            open_source_with("folder:/nonexistent", "UTC", Some(&creds)),
            Some(Err(PlaybackError::Invalid(_)))
        ));
        assert!(takes_credentials("mediamtx:http://h#p") && !takes_credentials("demo:1"));
    }
}
