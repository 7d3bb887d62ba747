//! HikCentral's playback stream of a window copied into a local MPEG-TS
//! file (`vigil-hcp-*.ts`) for the stream-copy clip path when the server
//! has no download flow: the shared [`crate::media::stream_copy`] with
//! HikCentral's file prefix.
use std::path::PathBuf;

use crate::media::source::StopFlag;
pub use crate::media::stream_copy::CopyError;

/// Copies `duration_ms` of the RTSP stream at `url` into a new
/// `vigil-hcp-*.ts` file; returns its path and its first packet's stream
/// time (ms after npt 0).
pub fn copy_to_file(
    url: &str,
    duration_ms: i64,
    stop: &StopFlag,
) -> Result<(PathBuf, i64), CopyError> {
    crate::media::stream_copy::copy_to_file("vigil-hcp-", url, duration_ms, stop)
}
