//! FFmpeg protocol whitelists: what each kind of source may open. Without
//! one, a URL (or a playlist or demuxer inside it) can name `file:`,
//! `concat:`, `subfile:` or `pipe:` and make FFmpeg read local files or
//! descriptors. Network sources never get `file`; local recordings (plain
//! paths) get nothing but `file`.
use ffmpeg_next::Dictionary;

/// Network sources: RTSP (TCP, UDP, HTTP tunnel), and HTTP(S) streams.
/// Not `rtsps`: FFmpeg's RTSP client opens its TLS connection without our
/// verification options, so it would send credentials to any certificate
/// (docs/tls.md); it is refused until the engine's own RTSP layer carries it.
pub const NETWORK: &str = "rtsp,rtp,srtp,udp,tcp,tls,http,https,httpproxy,crypto";

/// Refuses a URL FFmpeg cannot open with a verified TLS connection
/// (`rtsps://`, see [`NETWORK`]); fails closed, before anything is sent.
pub fn refuse_unverifiable(url: &str) -> Result<(), crate::media::MediaError> {
    let scheme = url.split(':').next().unwrap_or_default();
    if scheme.eq_ignore_ascii_case("rtsps") {
        return Err(crate::media::MediaError::Unverifiable {
            url: crate::secrets::redact::redact_url(url),
        });
    }
    Ok(())
}
/// Local recordings: files only.
pub const LOCAL_FILE: &str = "file,crypto";

/// Whether FFmpeg would read `source` as a URL with a protocol (`x:…`)
/// rather than a plain path (FFmpeg's own rule: scheme characters, then `:`;
/// a one-letter prefix is a DOS drive; `subfile,…:` is a protocol too).
pub fn names_a_protocol(source: &str) -> bool {
    let len = source
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        .count();
    let after = source.as_bytes().get(len);
    // FFmpeg's exception: `subfile,<options>:<url>` names the subfile protocol
    let subfile = source.starts_with("subfile,") && source[len..].contains(':');
    len > 1 && (after == Some(&b':') || subfile)
}

/// The whitelist for a recorded source: plain paths are local files, any
/// URL (whatever its scheme, `file:` included) is network only.
pub fn for_recorded(source: &str) -> &'static str {
    if names_a_protocol(source) {
        NETWORK
    } else {
        LOCAL_FILE
    }
}

/// Opens a local media file (a recorded segment, a clip) for reading with
/// the local-file whitelist: a path that FFmpeg would read as `concat:` or
/// `subfile:` (or a playlist inside the file naming other files) is refused.
pub fn open_local_file(
    path: &std::path::Path,
) -> Result<ffmpeg_next::format::context::Input, ffmpeg_next::Error> {
    let mut options = Dictionary::new();
    restrict(&mut options, LOCAL_FILE);
    ffmpeg_next::format::input_with_dictionary(&path, options)
}

/// Sets `protocol_whitelist` on FFmpeg open options; network opens also
/// get TLS verification ([`crate::net::ffmpeg`]).
pub fn restrict(options: &mut Dictionary<'_>, whitelist: &str) {
    options.set("protocol_whitelist", whitelist);
    if whitelist == NETWORK {
        crate::net::ffmpeg::require_verification(options);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::recorded_input::RecordedInput;
    use crate::media::rtsp_input::{NetworkInput, Transport};
    use crate::media::source::{SourceOpener, StopFlag};
    use crate::media::MediaError;
    use crate::playback::demo_segments::{write_segment, SegmentSpec};

    /// A one-second 160x90 MP4 that FFmpeg opens as a plain path.
    fn write_small_clip(path: &std::path::Path) {
        let spec = SegmentSpec {
            camera_index: 0,
            width: 160,
            height: 90,
            fps: 10,
            gop: 10,
            container: crate::media::file_writer::Container::Mp4FastStart,
        };
        write_segment(path, &spec, 0, 1000).unwrap();
    }

    #[test]
    fn local_files_open_but_protocol_paths_are_refused() {
        crate::media::init();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg.mp4");
        write_small_clip(&path);
        let p = path.to_str().unwrap();
        assert!(open_local_file(&path).is_ok());
        // FFmpeg alone opens these (two copies of the file, or a slice of it)
        for url in [
            format!("concat:{p}|{p}"),
            format!("subfile,,start,0,end,0,,:{p}"),
        ] {
            assert!(
                ffmpeg_next::format::input(&url).is_ok(),
                "{url} opens without a whitelist"
            );
            assert!(
                open_local_file(std::path::Path::new(&url)).is_err(),
                "{url}"
            );
        }
        assert!(open_local_file(&dir.path().join("missing.mp4")).is_err());
    }

    #[test]
    fn urls_and_paths_are_told_apart_like_ffmpeg_does() {
        for url in [
            "rtsp://h/x",
            "file:/etc/passwd",
            "concat:/a|/b",
            "subfile,,start,0,end,0,,:/etc/passwd",
            "http://h/x",
        ] {
            assert_eq!(for_recorded(url), NETWORK, "{url}");
        }
        for path in ["/srv/rec/a.mp4", "rec/a:b.mp4", "C:\\rec\\a.mp4", "a.mp4"] {
            assert_eq!(for_recorded(path), LOCAL_FILE, "{path}");
        }
        assert!(!NETWORK.split(',').any(|p| p == "file" || p == "concat"));
    }

    fn is_refused(r: Result<impl Sized, MediaError>, what: &str) {
        match r {
            Err(MediaError::Open { .. }) => {}
            Err(e) => panic!("{what}: unexpected error {e}"),
            Ok(_) => panic!("{what}: FFmpeg opened it"),
        }
    }

    /// A real video file that FFmpeg opens as a plain path, but not through
    /// a network source or a URL protocol.
    #[test]
    fn network_sources_cannot_open_local_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.mp4");
        write_small_clip(&path);
        let p = path.to_str().unwrap();
        // the plain path is a recording FFmpeg reads
        assert!(RecordedInput::open(p, Dictionary::new(), StopFlag::default()).is_ok());
        for url in [
            format!("file:{p}"),
            format!("concat:{p}|{p}"),
            format!("subfile,,start,0,end,0,,:{p}"),
        ] {
            let live = NetworkInput::new(url.clone(), Transport::Tcp);
            is_refused(live.open(StopFlag::default()), &format!("live {url}"));
            is_refused(
                RecordedInput::open(&url, Dictionary::new(), StopFlag::default()),
                &format!("recorded {url}"),
            );
        }
    }
}
