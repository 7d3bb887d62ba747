//! A VMS's playback stream of a window (RTSP, its URL often carrying a
//! token) copied, packet for packet, into a local MPEG-TS file (no
//! decoding: H.265 stays H.265): the footage worker's stream-copy path cuts
//! the case clip from it when the server has no download flow (HikCentral
//! without one, DSS Pro). Files go to the system temp folder
//! (`<prefix><random>.ts`, the prefix naming the kind). Whoever cuts a
//! clip from them removes them right after the cut ([`release`], which
//! removes only files this process copied); files of that prefix older
//! than an hour are still removed at each copy (left by a crash). The URL
//! is never printed.
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use ffmpeg_next::{format, media, Dictionary, Packet, Rational};

use crate::media::protocols;
use crate::media::source::StopFlag;

/// Why a copy failed (the URL never named: it is a token).
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("playback stream: {0}")]
    Stream(String),
    #[error("copy file {path}: {reason}")]
    File { path: String, reason: String },
}

const KEEP: Duration = Duration::from_secs(3600);

/// The copies this process made and has not released yet.
static COPIES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn copies() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    COPIES.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes the files among `paths` that [`copy_to_file`] made (a clip was
/// cut from them, or the cut failed); other paths (recordings on disk) are
/// left alone. Returns how many were removed.
pub fn release<'a>(paths: impl IntoIterator<Item = &'a Path>) -> usize {
    let mut n = 0;
    for p in paths {
        let ours = {
            let mut c = copies();
            match c.iter().position(|x| x == p) {
                Some(i) => {
                    c.swap_remove(i);
                    true
                }
                None => false,
            }
        };
        if ours && std::fs::remove_file(p).is_ok() {
            n += 1;
        }
    }
    n
}

/// Releases (see [`release`]) its paths when dropped: held by whoever cuts
/// a clip from stream copies until the clip and its sources' hashes are
/// written, so the copies go on every way out, errors included.
#[derive(Debug, Default)]
pub struct ReleaseOnDrop(Vec<PathBuf>);

impl ReleaseOnDrop {
    pub fn new(paths: impl IntoIterator<Item = PathBuf>) -> Self {
        Self(paths.into_iter().collect())
    }

    /// Hands `paths` on (they are kept when this guard drops; the caller
    /// holds its own guard for them).
    pub fn hand_on<'a>(&mut self, paths: impl IntoIterator<Item = &'a Path>) {
        for p in paths {
            self.0.retain(|x| x != p);
        }
    }
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        release(self.0.iter().map(PathBuf::as_path));
    }
}

fn sweep(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > KEEP);
        if name.starts_with(prefix) && name.ends_with(".ts") && old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Copies `duration_ms` of the RTSP stream at `url` (npt 0 .. duration)
/// into a new MPEG-TS file; returns its path and the stream time (ms after
/// npt 0) of its first packet (FFmpeg may lose a session's first GOP).
/// `prefix` names the file (`vigil-hcp-`, `vigil-dss-`): each kind sweeps
/// only its own.
pub fn copy_to_file(
    prefix: &str,
    url: &str,
    duration_ms: i64,
    stop: &StopFlag,
) -> Result<(PathBuf, i64), CopyError> {
    crate::media::init();
    let dir = std::env::temp_dir();
    sweep(&dir, prefix);
    let path = dir.join(format!(
        "{prefix}{}.ts",
        hex::encode(rand::random::<[u8; 8]>())
    ));
    let r = copy(url, duration_ms, stop, &path);
    if r.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    r.map(|first| {
        copies().push(path.clone());
        (path, first)
    })
}

fn copy(url: &str, duration_ms: i64, stop: &StopFlag, path: &Path) -> Result<i64, CopyError> {
    let serr = |e: ffmpeg_next::Error| CopyError::Stream(e.to_string());
    let ferr = |e: ffmpeg_next::Error| CopyError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    protocols::refuse_unverifiable(url).map_err(|e| CopyError::Stream(e.to_string()))?;
    let mut opts = Dictionary::new();
    opts.set("rtsp_transport", "tcp");
    opts.set("allowed_media_types", "video");
    opts.set("timeout", "10000000");
    protocols::restrict(&mut opts, protocols::for_recorded(url));
    let stop_in = stop.clone();
    let mut ictx =
        format::input_with_interrupt_and_dictionary(&url, move || stop_in.is_stopped(), opts)
            .map_err(serr)?;
    let ist = ictx
        .streams()
        .best(media::Type::Video)
        .ok_or_else(|| CopyError::Stream("no video".into()))?;
    let (idx, in_tb) = (ist.index(), ist.time_base());
    let mut octx = format::output_as(&path, "mpegts").map_err(ferr)?;
    {
        let mut ost = octx
            .add_stream(ffmpeg_next::encoder::find(ffmpeg_next::codec::Id::None))
            .map_err(ferr)?;
        ost.set_parameters(ist.parameters());
        // SAFETY: clearing the codec tag of a stream we own (the muxer picks its own)
        unsafe {
            (*ost.parameters().as_mut_ptr()).codec_tag = 0;
        }
    }
    octx.write_header().map_err(ferr)?;
    let out_tb = octx
        .stream(0)
        .map(|s| s.time_base())
        .unwrap_or(Rational(1, 90_000));
    let mut first: Option<i64> = None;
    let limit = duration_ms + 1_000;
    let to_ms =
        |ts: i64| ts * 1000 * i64::from(in_tb.numerator()) / i64::from(in_tb.denominator()).max(1);
    let mut packet = Packet::empty();
    loop {
        if stop.is_stopped() {
            return Err(CopyError::Stream("stopped".into()));
        }
        match packet.read(&mut ictx) {
            Ok(()) => {}
            Err(ffmpeg_next::Error::Eof) => break,
            Err(e) => return Err(serr(e)),
        }
        if packet.stream() != idx {
            continue;
        }
        let Some(ts) = packet.dts().or(packet.pts()) else {
            continue;
        };
        let ms = to_ms(ts);
        first.get_or_insert(ms);
        if ms > limit {
            break;
        }
        packet.set_stream(0);
        packet.rescale_ts(in_tb, out_tb);
        packet.set_position(-1);
        packet.write_interleaved(&mut octx).map_err(ferr)?;
    }
    let Some(first) = first else {
        return Err(CopyError::Stream("no packet before the end".into()));
    };
    octx.write_trailer().map_err(ferr)?;
    Ok(first.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_removes_only_this_process_copies() {
        let d = tempfile::tempdir().unwrap();
        let ours = d.path().join("vigil-dss-0011223344556677.ts");
        let theirs = d.path().join("vigil-dss-8899aabbccddeeff.ts");
        std::fs::write(&ours, b"ts").unwrap();
        std::fs::write(&theirs, b"ts").unwrap();
        copies().push(ours.clone());
        assert_eq!(release([ours.as_path(), theirs.as_path()]), 1);
        assert!(!ours.exists(), "a copy is gone right after the cut");
        assert!(theirs.exists(), "a file we did not copy stays");
        // released once: a second release does nothing
        std::fs::write(&ours, b"ts").unwrap();
        assert_eq!(release([ours.as_path()]), 0);
    }

    #[test]
    fn a_guard_releases_on_drop_except_what_it_handed_on() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("vigil-dss-aaaaaaaaaaaaaaaa.ts");
        let b = d.path().join("vigil-dss-bbbbbbbbbbbbbbbb.ts");
        for p in [&a, &b] {
            std::fs::write(p, b"ts").unwrap();
            copies().push(p.clone());
        }
        {
            let mut g = ReleaseOnDrop::new([a.clone(), b.clone()]);
            g.hand_on([b.as_path()]);
            assert!(a.exists() && b.exists(), "nothing goes before the drop");
        }
        assert!(!a.exists(), "the guard released its copy");
        assert!(b.exists(), "a handed-on copy stays for its new holder");
        drop(ReleaseOnDrop::new([b.clone()]));
        assert!(!b.exists());
    }
}
