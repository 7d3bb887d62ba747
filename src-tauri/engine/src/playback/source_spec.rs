//! Recording sources named on a command line:
//! `folder:PATH[#camera]`, `rtsp-replay:URL[#start=RFC3339]` and
//! `mediamtx:http://[user:pass@]host:9996#path`.
use std::path::PathBuf;
use std::sync::Arc;

use super::folder::SegmentFolder;
use super::mediamtx::MediaMtx;
use super::rtsp_replay::RtspReplay;
use super::{PlaybackError, Recording};
use crate::secrets::redact::split_credentials;

/// A display name and the recording.
pub type Named = (String, Arc<dyn Recording>);

/// A recording source and a display name, if `spec` names one.
pub fn open_source(spec: &str, tz: &str) -> Option<Result<Named, PlaybackError>> {
    if let Some(rest) = spec.strip_prefix("folder:") {
        return Some(folder(rest, tz));
    }
    if let Some(rest) = spec.strip_prefix("rtsp-replay:") {
        return Some(replay(rest));
    }
    if let Some(rest) = spec.strip_prefix("mediamtx:") {
        return Some(mediamtx(rest));
    }
    None
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

fn replay(rest: &str) -> Result<Named, PlaybackError> {
    let (url, start) = match rest.rsplit_once("#start=") {
        Some((u, s)) => (u, Some(s)),
        None => (rest, None),
    };
    let r = RtspReplay::open(url, start)?;
    Ok(("RTSP replay".into(), Arc::new(r)))
}

fn mediamtx(rest: &str) -> Result<Named, PlaybackError> {
    let (url, path) = rest
        .rsplit_once('#')
        .ok_or_else(|| PlaybackError::Invalid("mediamtx:URL#path needs a #path".into()))?;
    let (bare, user, pass) =
        split_credentials(url).map_err(|e| PlaybackError::Invalid(format!("{e}")))?;
    let auth = user.map(|u| (u, pass.unwrap_or_default()));
    let m = MediaMtx::new(&bare, path, auth)?;
    Ok((format!("MediaMTX {path}"), Arc::new(m)))
}
