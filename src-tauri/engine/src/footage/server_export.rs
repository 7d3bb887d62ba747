//! Clips cut by the VMS itself ([`ClipExporter`]): ask the VMS for the
//! export, download it aside (`.NAME.<attempt>dl.partial` in the destination
//! folder) with a size cap and a read timeout, check it is complete (the
//! announced length), probe it (footage::probe, local-file whitelist), keep
//! it when it is a fast-start MP4 or else stream-copy the requested window
//! into MP4 (footage::copy), and leave the result in the attempt's partial
//! file ([`download_export`]) or commit it durably ([`download_export_to`]:
//! fsync, then the write-through rename of footage::durable).
//!
//! A failed or truncated download leaves no final file. HTTP 401/403 is an
//! auth failure, never retried; a VMS with no export (or an export whose
//! video cannot be stream-copied) tells the worker to write the clip itself
//! ([`ServerExportError::falls_back`]).
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::copy::{copy_clip, CopyError};
use super::durable::{Aside, FileFacts, RenameGuard};
use super::probe::{moov_before_mdat, probe_clip};
use super::FootageError;
use crate::error::{ErrorKind, HasKind};
use crate::media::source::StopFlag;
use crate::playback::SegmentFile;
use crate::vms::export::{
    error_chain, ClipExporter, ExportError, ExportErrorKind, ExportRequest, ExportedClip,
};

/// Limits of one download.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// Largest export accepted, in bytes (refused up front when announced).
    pub max_bytes: u64,
    /// No byte for this long: the download is broken.
    pub read_timeout: Duration,
    /// How long the VMS may take to prepare the export (its job, polled).
    pub prepare_timeout: Duration,
    /// Stops the download as soon as it can.
    pub stop: StopFlag,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            max_bytes: 2 << 30,
            read_timeout: Duration::from_secs(30),
            prepare_timeout: Duration::from_secs(600),
            stop: StopFlag::default(),
        }
    }
}

/// What was downloaded and what the clip holds.
#[derive(Debug, Clone, PartialEq)]
pub struct DownloadedClip {
    /// The site and the (redacted) download request, for the sidecar.
    pub source: String,
    /// The container as FFmpeg read it (e.g. `mpegts`, `mov,mp4,m4a,3gp,3g2,mj2`).
    pub container: String,
    /// The video codec (`h264`, `hevc`, ...).
    pub codec: String,
    /// Whether the download was stream-copied into MP4 (else kept as sent).
    pub remuxed: bool,
    pub downloaded_bytes: u64,
    pub frames: u64,
    /// First and last frame on the recorder's clock (the export's start
    /// plus each frame's time in the file).
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub duration_ms: i64,
}

/// Why a server-side export did not give a clip.
#[derive(Debug, thiserror::Error)]
pub enum ServerExportError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("{request}: download broken after {got} bytes{}: {reason}", of_total(.expected))]
    Truncated {
        request: String,
        got: u64,
        expected: Option<u64>,
        reason: String,
    },
    #[error("{request}: the export is larger than the {limit}-byte cap (refused)")]
    TooLarge { request: String, limit: u64 },
    #[error("{request}: the download is not a playable clip: {reason}")]
    NotAClip { request: String, reason: String },
    #[error("{request}: the export cannot be stream-copied into MP4: {reason}")]
    NotCopyable { request: String, reason: String },
    #[error(transparent)]
    Footage(#[from] FootageError),
}

fn of_total(expected: &Option<u64>) -> String {
    expected.map(|n| format!(" of {n}")).unwrap_or_default()
}

impl ServerExportError {
    /// Whether the worker should write the clip itself (the VMS has no
    /// export for this camera, or sends video we cannot copy into MP4).
    pub fn falls_back(&self) -> bool {
        match self {
            ServerExportError::Export(e) => e.falls_back(),
            ServerExportError::NotCopyable { .. } => true,
            _ => false,
        }
    }

    /// Whether a later attempt may succeed. Auth failures never are.
    pub fn retryable(&self) -> bool {
        match self {
            ServerExportError::Export(e) => e.retryable(),
            ServerExportError::Truncated { .. } => true,
            ServerExportError::TooLarge { .. }
            | ServerExportError::NotAClip { .. }
            | ServerExportError::NotCopyable { .. } => false,
            ServerExportError::Footage(e) => e.retryable(),
        }
    }

    pub fn is_auth(&self) -> bool {
        matches!(self, ServerExportError::Export(e) if e.kind == ExportErrorKind::AuthFailed)
    }
}

impl HasKind for ServerExportError {
    fn kind(&self) -> ErrorKind {
        match self {
            ServerExportError::Export(e) => e.kind(),
            ServerExportError::Truncated { .. } => ErrorKind::Unreachable,
            ServerExportError::TooLarge { .. } | ServerExportError::NotAClip { .. } => {
                ErrorKind::Protocol
            }
            ServerExportError::NotCopyable { .. } => ErrorKind::Unsupported,
            ServerExportError::Footage(e) => e.kind(),
        }
    }
}

/// The raw download's partial beside the attempt's partial
/// (`.NAME.<attempt>dl.partial`: earlier attempts' leftovers are cleaned
/// like any partial of NAME).
fn raw_partial(aside: &Aside) -> PathBuf {
    let name = aside
        .partial
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".partial").unwrap_or(&name);
    aside.partial.with_file_name(format!("{stem}dl.partial"))
}

/// Downloads the VMS's export of `request` into `aside.partial` (an MP4,
/// probed), ready for [`Aside::commit`]; the footage job runner commits it
/// with its lease guard as it does its own clips. Runs on a blocking
/// thread (FFmpeg and file I/O run inline); the HTTP side runs on
/// `runtime`. On error nothing is left in the destination folder.
pub fn download_export(
    exporter: &dyn ClipExporter,
    request: &ExportRequest,
    aside: &Aside,
    runtime: &tokio::runtime::Handle,
    opts: &DownloadOptions,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<DownloadedClip, ServerExportError> {
    let raw = raw_partial(aside);
    let r = download_inner(exporter, request, aside, &raw, runtime, opts, progress);
    let _ = std::fs::remove_file(&raw);
    if r.is_err() {
        aside.discard();
    }
    r
}

/// [`download_export`] into `dest`, committed durably (fsync, then the
/// write-through rename) while `guard` holds, as the attempt `attempt`.
pub fn download_export_to(
    exporter: &dyn ClipExporter,
    request: &ExportRequest,
    dest: &Path,
    attempt: &str,
    guard: &dyn RenameGuard,
    runtime: &tokio::runtime::Handle,
    opts: &DownloadOptions,
) -> Result<(DownloadedClip, FileFacts), ServerExportError> {
    let aside = Aside::new(dest, attempt, guard)?;
    let clip = download_export(exporter, request, &aside, runtime, opts, &mut |_| true)?;
    let facts = aside
        .clone()
        .commit(guard)
        .inspect_err(|_| aside.discard())?;
    Ok((clip, facts))
}

fn download_inner(
    exporter: &dyn ClipExporter,
    request: &ExportRequest,
    aside: &Aside,
    raw: &Path,
    runtime: &tokio::runtime::Handle,
    opts: &DownloadOptions,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<DownloadedClip, ServerExportError> {
    if request.to_ms < request.from_ms {
        return Err(ExportError::new(
            ExportErrorKind::Protocol,
            &exporter.describe(),
            "the export window ends before it starts",
        )
        .into());
    }
    let (clip, bytes) = runtime.block_on(async {
        let clip = prepare(exporter, request, opts).await?;
        let bytes = fetch_to(exporter, &clip, raw, opts, progress).await?;
        Ok::<_, ServerExportError>((clip, bytes))
    })?;
    let printable = clip.printable();
    let source = format!("{} {printable}", exporter.describe());
    let not_a_clip = |reason: String| ServerExportError::NotAClip {
        request: printable.clone(),
        reason,
    };
    let container = container_of(raw).map_err(not_a_clip)?;
    let starts_at = clip.starts_at_ms.unwrap_or(request.from_ms);
    let probe = probe_clip(raw).map_err(not_a_clip)?;
    if probe.frames.is_empty() {
        return Err(not_a_clip("no video frame in it".into()));
    }
    let is_mp4 = container.split(',').any(|c| c == "mp4");
    let fast_start = is_mp4 && moov_before_mdat(raw).map_err(not_a_clip)?;
    if fast_start {
        // the VMS's own file, byte for byte
        std::fs::rename(raw, &aside.partial)
            .map_err(|e| FootageError::storage("cannot rename into", &aside.partial, e))?;
        let first = probe.frames.iter().map(|f| f.pts_ms).min();
        let last = probe.frames.iter().map(|f| f.pts_ms).max();
        return Ok(DownloadedClip {
            source,
            container,
            codec: probe.codec,
            remuxed: false,
            downloaded_bytes: bytes,
            frames: probe.frames.len() as u64,
            first_ms: first.map(|p| starts_at + p),
            last_ms: last.map(|p| starts_at + p),
            duration_ms: probe.duration_ms,
        });
    }
    // another container (or an MP4 with its index at the end): the window's
    // packets copied into a fast-start MP4
    let seg = SegmentFile {
        path: raw.to_path_buf(),
        start_ms: starts_at,
        end_ms: (starts_at + probe.duration_ms).max(request.to_ms),
    };
    let mut remux_progress = |p: f64| progress(0.8 + 0.19 * p);
    let copied = match copy_clip(
        &[seg],
        request.from_ms,
        request.to_ms,
        &aside.partial,
        &mut remux_progress,
        opts.stop.clone(),
    ) {
        Ok(c) => c,
        Err(CopyError::NotCopyable(reason)) => {
            return Err(ServerExportError::NotCopyable {
                request: printable,
                reason,
            })
        }
        Err(CopyError::Failed(e)) => return Err(e.into()),
    };
    let out = probe_clip(&aside.partial).map_err(|e| not_a_clip(format!("after remux: {e}")))?;
    Ok(DownloadedClip {
        source,
        container,
        codec: copied.codec,
        remuxed: true,
        downloaded_bytes: bytes,
        frames: copied.clip.frames,
        first_ms: copied.clip.first_ms,
        last_ms: copied.clip.last_ms,
        duration_ms: out.duration_ms,
    })
}

/// FFmpeg's name for the file's container (local-file whitelist).
fn container_of(path: &Path) -> Result<String, String> {
    crate::media::init();
    let ictx = crate::media::protocols::open_local_file(path).map_err(|e| e.to_string())?;
    Ok(ictx.format().name().to_string())
}

/// Resolves when `stop` is set (checked every 100 ms).
async fn stopped(stop: &StopFlag) {
    while !stop.is_stopped() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn prepare(
    exporter: &dyn ClipExporter,
    request: &ExportRequest,
    opts: &DownloadOptions,
) -> Result<ExportedClip, ServerExportError> {
    let timed = tokio::time::timeout(opts.prepare_timeout, exporter.prepare(request));
    tokio::select! {
        r = timed => match r {
            Ok(r) => Ok(r?),
            Err(_) => Err(ExportError::new(
                ExportErrorKind::NotReady,
                &exporter.describe(),
                format!(
                    "the export of {} was not ready within {} s",
                    request.camera,
                    opts.prepare_timeout.as_secs()
                ),
            )
            .into()),
        },
        _ = stopped(&opts.stop) => Err(FootageError::Stopped.into()),
    }
}

/// The start of an error answer's body, on one line, for the message.
async fn error_text(resp: reqwest::Response) -> String {
    let body = tokio::time::timeout(Duration::from_secs(2), async {
        crate::vms::http_body::text_async(resp, crate::vms::http_body::ERROR_TEXT_LIMIT).await
    })
    .await;
    match body {
        Ok(Ok(t)) => t
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(200)
            .collect(),
        _ => String::new(),
    }
}

/// Streams the answer to `raw`; returns its size.
async fn fetch_to(
    exporter: &dyn ClipExporter,
    clip: &ExportedClip,
    raw: &Path,
    opts: &DownloadOptions,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<u64, ServerExportError> {
    let printable = clip.printable();
    let mut resp = tokio::select! {
        r = exporter.fetch(clip) => r?,
        _ = stopped(&opts.stop) => return Err(FootageError::Stopped.into()),
    };
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) || matches!(status, 202 | 204) {
        let kind = ExportError::kind_of_status(status);
        let text = error_text(resp).await;
        return Err(ExportError::new(kind, &printable, text)
            .with_status(status)
            .into());
    }
    let expected = clip.expected_bytes.or(resp.content_length());
    if let Some(n) = expected.filter(|n| *n > opts.max_bytes) {
        tracing::warn!("{printable}: {n} bytes announced, over the cap");
        return Err(ServerExportError::TooLarge {
            request: printable,
            limit: opts.max_bytes,
        });
    }
    let file =
        std::fs::File::create(raw).map_err(|e| FootageError::storage("cannot create", raw, e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut got = 0u64;
    let broken = |got: u64, reason: String| ServerExportError::Truncated {
        request: printable.clone(),
        got,
        expected,
        reason,
    };
    loop {
        let next = tokio::select! {
            r = tokio::time::timeout(opts.read_timeout, resp.chunk()) => r,
            _ = stopped(&opts.stop) => return Err(FootageError::Stopped.into()),
        };
        let chunk = match next {
            Err(_) => {
                return Err(broken(
                    got,
                    format!("no data for {:.1} s", opts.read_timeout.as_secs_f32()),
                ))
            }
            Ok(Err(e)) => return Err(broken(got, error_chain(&e))),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(c))) => c,
        };
        got += chunk.len() as u64;
        if got > opts.max_bytes {
            return Err(ServerExportError::TooLarge {
                request: printable,
                limit: opts.max_bytes,
            });
        }
        out.write_all(&chunk)
            .map_err(|e| FootageError::storage("cannot write", raw, e))?;
        let fraction = expected.map_or(0.0, |n| 0.8 * got as f64 / n.max(1) as f64);
        if !progress(fraction.min(0.8)) {
            return Err(FootageError::Stopped.into());
        }
    }
    out.flush()
        .map_err(|e| FootageError::storage("cannot write", raw, e))?;
    if let Some(n) = expected {
        if got != n {
            return Err(broken(got, "the answer ended early".into()));
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::footage::durable::Unguarded;

    #[test]
    fn the_raw_download_is_a_partial_of_the_same_file() {
        let d = tempfile::tempdir().unwrap();
        let a = Aside::new(&d.path().join("clip.mp4"), "ab12", &Unguarded).unwrap();
        let raw = raw_partial(&a);
        assert_eq!(raw, d.path().join(".clip.mp4.ab12dl.partial"));
        // a later attempt cleans it up like its own partials
        std::fs::write(&raw, b"x").unwrap();
        Aside::new(&d.path().join("clip.mp4"), "cd34", &Unguarded).unwrap();
        assert!(!raw.exists());
    }

    #[test]
    fn errors_say_whether_to_retry_or_fall_back() {
        let auth = ServerExportError::from(
            ExportError::new(ExportErrorKind::AuthFailed, "GET http://h/x", "").with_status(401),
        );
        assert!(auth.is_auth() && !auth.retryable() && !auth.falls_back());
        let none = ServerExportError::from(ExportError::unsupported("rtsp site", ""));
        assert!(none.falls_back());
        let cut = ServerExportError::Truncated {
            request: "GET http://h/x".into(),
            got: 10,
            expected: Some(20),
            reason: "the answer ended early".into(),
        };
        assert!(cut.retryable());
        assert_eq!(
            cut.to_string(),
            "GET http://h/x: download broken after 10 bytes of 20: the answer ended early"
        );
        assert_eq!(HasKind::kind(&cut), ErrorKind::Unreachable);
    }
}
