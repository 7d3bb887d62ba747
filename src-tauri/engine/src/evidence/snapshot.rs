//! Snapshot export: the frame on screen at time T (the last frame at or
//! before T; the first after it if the recording starts within one frame
//! interval later) as PNG (lossless) or JPEG, optionally with a caption
//! burned into the bottom of the picture: the camera's name and the frame's
//! exact time in a given zone. The top rows (where VTC1 test video carries
//! its timecode) are never drawn on.
use std::path::{Path, PathBuf};

use ffmpeg_next::{format::Pixel, frame, software::scaling, Dictionary};
use font8x8::{UnicodeFonts, BASIC_FONTS};

use super::package::files::hash_file;
use super::source::Footage;
use super::EvidenceError;
use crate::cases::rfc3339_ms;
use crate::media::recorded_input::RecordedInput;
use crate::media::source::StopFlag;
use crate::playback::{Decimation, ReadEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Png,
    Jpeg,
}

impl ImageFormat {
    /// By file extension (`.png`, `.jpg`/`.jpeg`).
    pub fn of_path(p: &Path) -> Option<Self> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "png" => Some(ImageFormat::Png),
            "jpg" | "jpeg" => Some(ImageFormat::Jpeg),
            _ => None,
        }
    }
}

/// What to burn into the picture.
#[derive(Debug, Clone)]
pub struct Caption {
    pub camera_name: String,
    /// IANA zone of the time shown (the site's).
    pub tz: String,
}

#[derive(Debug, Clone)]
pub struct SnapshotRequest {
    pub at_ms: i64,
    pub format: ImageFormat,
    pub caption: Option<Caption>,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotExport {
    pub path: PathBuf,
    /// The time of the frame written.
    pub frame_ms: i64,
    pub width: u32,
    pub height: u32,
    pub sha256: String,
    pub bytes: u64,
}

/// Writes the frame at `req.at_ms` of `footage` to `out`.
pub fn export_snapshot(
    footage: &Footage,
    req: &SnapshotRequest,
    out: &Path,
    stop: StopFlag,
) -> Result<SnapshotExport, EvidenceError> {
    crate::media::init();
    let (f, frame_ms) = frame_at(footage, req.at_ms, stop)?;
    let (w, h) = (f.width(), f.height());
    let mut rgb = to_rgb(&f)?;
    if let Some(c) = &req.caption {
        let zone = crate::playback::day::zone(&c.tz)?;
        let when = jiff::Timestamp::from_millisecond(frame_ms)
            .map(|t| {
                t.to_zoned(zone)
                    .strftime("%Y-%m-%d %H:%M:%S%.3f %:z")
                    .to_string()
            })
            .unwrap_or_else(|_| rfc3339_ms(frame_ms));
        draw_caption(
            &mut rgb,
            w as usize,
            h as usize,
            &format!("{}  {when}", c.camera_name),
        );
    }
    let werr = |reason: String| EvidenceError::Write {
        what: "snapshot",
        path: out.to_path_buf(),
        reason,
    };
    let mut bytes = Vec::new();
    match req.format {
        ImageFormat::Png => image::codecs::png::PngEncoder::new(&mut bytes)
            .write_image(&rgb, w, h, image::ExtendedColorType::Rgb8)
            .map_err(|e| werr(e.to_string()))?,
        ImageFormat::Jpeg => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 92)
            .encode(&rgb, w, h, image::ExtendedColorType::Rgb8)
            .map_err(|e| werr(e.to_string()))?,
    }
    if let Some(dir) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| EvidenceError::Io {
            what: "creating",
            path: dir.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(out, &bytes).map_err(|source| EvidenceError::Io {
        what: "writing",
        path: out.to_path_buf(),
        source,
    })?;
    let (sha256, n) = hash_file(out).map_err(|e| werr(e.to_string()))?;
    Ok(SnapshotExport {
        path: out.to_path_buf(),
        frame_ms,
        width: w,
        height: h,
        sha256,
        bytes: n,
    })
}

use image::ImageEncoder as _;

/// The decoded frame shown at `at_ms` and its time.
fn frame_at(
    footage: &Footage,
    at_ms: i64,
    stop: StopFlag,
) -> Result<(frame::Video, i64), EvidenceError> {
    let interval = footage.frame_interval_ms().unwrap_or(40.0).max(1.0);
    let lead = (2.0 * interval).ceil() as i64 + 1;
    let mut best: Option<(frame::Video, i64)> = None;
    let mut consider = |f: frame::Video, ts: i64| -> bool {
        if ts <= at_ms {
            best = Some((f, ts));
            true
        } else {
            if best.is_none() && (ts - at_ms) as f64 <= interval.max(100.0) {
                best = Some((f, ts));
            }
            false
        }
    };
    match footage {
        Footage::Recording { rec, .. } => {
            let mut reader = rec.open(at_ms - lead, Decimation::All, stop.clone())?;
            loop {
                if stop.is_stopped() {
                    return Err(EvidenceError::Stopped);
                }
                match reader.next()? {
                    ReadEvent::Frame(f) => {
                        if !consider(f.frame, f.ts_ms) {
                            break;
                        }
                    }
                    ReadEvent::Gap { .. } => {}
                    ReadEvent::End => break,
                }
            }
        }
        Footage::File(src) => {
            let damaged = |reason: String| EvidenceError::Damaged {
                path: src.path.clone(),
                reason,
            };
            let mut input =
                RecordedInput::open(&src.path.to_string_lossy(), Dictionary::new(), stop.clone())
                    .map_err(|e| damaged(e.to_string()))?;
            input
                .seek_ms((at_ms - lead - src.start_ms).max(0))
                .map_err(|e| damaged(e.to_string()))?;
            while let Some(f) = input.next_frame().map_err(|e| damaged(e.to_string()))? {
                if stop.is_stopped() {
                    return Err(EvidenceError::Stopped);
                }
                if !consider(f.frame, src.start_ms + f.offset_ms) {
                    break;
                }
            }
        }
    }
    best.ok_or_else(|| EvidenceError::NoRecording {
        from: rfc3339_ms(at_ms),
        to: rfc3339_ms(at_ms),
    })
}

/// Packed RGB24 of any decoded frame.
fn to_rgb(f: &frame::Video) -> Result<Vec<u8>, EvidenceError> {
    let (w, h) = (f.width(), f.height());
    let err = |e: ffmpeg_next::Error| EvidenceError::Write {
        what: "snapshot",
        path: PathBuf::new(),
        reason: format!("converting the frame: {e}"),
    };
    let mut sws = scaling::Context::get(
        f.format(),
        w,
        h,
        Pixel::RGB24,
        w,
        h,
        scaling::Flags::BILINEAR | scaling::Flags::ACCURATE_RND,
    )
    .map_err(err)?;
    let mut rgb = frame::Video::empty();
    sws.run(f, &mut rgb).map_err(err)?;
    let stride = rgb.stride(0);
    let mut packed = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h as usize {
        packed.extend_from_slice(&rgb.data(0)[y * stride..y * stride + w as usize * 3]);
    }
    Ok(packed)
}

/// White 8x8-font text on a black band at the bottom, scaled with the picture.
pub fn draw_caption(rgb: &mut [u8], w: usize, h: usize, text: &str) {
    let scale = (h / 240).max(1);
    let glyph = 8 * scale;
    let pad = 2 * scale;
    let band = glyph + 2 * pad;
    if h < band * 3 || w < glyph {
        return; // too small to caption without hiding the picture
    }
    let y0 = h - band;
    for y in y0..h {
        rgb[y * w * 3..(y + 1) * w * 3].fill(0);
    }
    let max_chars = (w - 2 * pad) / glyph;
    for (i, ch) in text.chars().take(max_chars).enumerate() {
        let Some(rows) = BASIC_FONTS.get(ch).or_else(|| BASIC_FONTS.get('?')) else {
            continue;
        };
        for (ry, bits) in rows.iter().enumerate() {
            for rx in 0..8 {
                if bits & (1 << rx) == 0 {
                    continue;
                }
                let (px, py) = (pad + i * glyph + rx * scale, y0 + pad + ry * scale);
                for yy in py..(py + scale).min(h) {
                    for xx in px..(px + scale).min(w) {
                        rgb[(yy * w + xx) * 3..(yy * w + xx) * 3 + 3].fill(255);
                    }
                }
            }
        }
    }
}
