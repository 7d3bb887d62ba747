//! Clips from frame sources: decoded frames of the window encoded with
//! libx264 into MP4 with fast start (moov before mdat). Frame times are the
//! recording's, relative to the window start, so the clip's first frame is
//! at 0 and plays from the window start.
use std::path::Path;

use ffmpeg_next::{
    codec, encoder, format, format::Pixel, frame, picture, software::scaling, Dictionary, Packet,
    Rational,
};

use super::durable::ffmpeg_write_error;
use super::FootageError;
use crate::media::source::StopFlag;
use crate::playback::{Decimation, ReadEvent, Recording};

/// What went into a clip.
#[derive(Debug, Clone, Default)]
pub struct ClipFacts {
    pub frames: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub gaps: Vec<(i64, i64)>,
}

const MS: Rational = Rational(1, 1000);

struct Out {
    octx: format::context::Output,
    enc: encoder::Video,
    sws: Option<scaling::Context>,
    size: (u32, u32),
    ost_tb: Rational,
    frame_ms: i64,
}

impl Out {
    fn open(
        path: &Path,
        w: u32,
        h: u32,
        interval_ms: f64,
        preset: &str,
    ) -> Result<Self, FootageError> {
        let werr = |e| ffmpeg_write_error("clip", path, e);
        let codec = encoder::find_by_name("libx264")
            .or_else(|| encoder::find(codec::Id::H264))
            .ok_or_else(|| FootageError::Write {
                what: "clip",
                reason: "no H.264 encoder in this FFmpeg".into(),
            })?;
        let mut octx = format::output_as(path, "mp4").map_err(werr)?;
        let global = octx
            .format()
            .flags()
            .contains(format::flag::Flags::GLOBAL_HEADER);
        let mut ost = octx.add_stream(codec).map_err(werr)?;
        let mut e = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(werr)?;
        let fps = (1000.0 / interval_ms).round().max(1.0) as i32;
        e.set_width(w);
        e.set_height(h);
        e.set_format(Pixel::YUV420P);
        e.set_time_base(MS);
        e.set_frame_rate(Some((fps, 1)));
        e.set_gop((fps * 2) as u32);
        e.set_max_b_frames(0);
        if global {
            e.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut opts = Dictionary::new();
        opts.set("preset", preset);
        opts.set("crf", "23");
        let enc = e.open_with(opts).map_err(werr)?;
        ost.set_parameters(&enc);
        ost.set_time_base(MS);
        let mut mux = Dictionary::new();
        mux.set("movflags", "+faststart");
        octx.write_header_with(mux).map_err(werr)?;
        let ost_tb = octx.stream(0).map(|s| s.time_base()).unwrap_or(MS);
        Ok(Self {
            octx,
            enc,
            sws: None,
            size: (w, h),
            ost_tb,
            frame_ms: interval_ms.round().max(1.0) as i64,
        })
    }

    fn push(&mut self, f: &mut frame::Video, pts: i64, path: &Path) -> Result<(), FootageError> {
        let werr = |e| ffmpeg_write_error("clip", path, e);
        let (w, h) = self.size;
        let mut scaled;
        let f = if f.format() != Pixel::YUV420P || (f.width(), f.height()) != (w, h) {
            if self.sws.is_none() {
                self.sws = Some(
                    scaling::Context::get(
                        f.format(),
                        f.width(),
                        f.height(),
                        Pixel::YUV420P,
                        w,
                        h,
                        scaling::Flags::BILINEAR,
                    )
                    .map_err(werr)?,
                );
            }
            scaled = frame::Video::empty();
            if let Some(s) = self.sws.as_mut() {
                s.run(f, &mut scaled).map_err(werr)?;
            }
            &mut scaled
        } else {
            f
        };
        f.set_pts(Some(pts));
        // the decoder's picture types must not force keyframes in x264
        f.set_kind(picture::Type::None);
        self.enc.send_frame(f).map_err(werr)?;
        self.drain(path)
    }

    fn drain(&mut self, path: &Path) -> Result<(), FootageError> {
        let mut p = Packet::empty();
        while self.enc.receive_packet(&mut p).is_ok() {
            p.set_stream(0);
            p.set_duration(self.frame_ms);
            p.rescale_ts(MS, self.ost_tb);
            p.write_interleaved(&mut self.octx)
                .map_err(|e| ffmpeg_write_error("clip", path, e))?;
        }
        Ok(())
    }

    fn finish(mut self, path: &Path) -> Result<(), FootageError> {
        self.enc
            .send_eof()
            .map_err(|e| ffmpeg_write_error("clip", path, e))?;
        self.drain(path)?;
        self.octx
            .write_trailer()
            .map_err(|e| ffmpeg_write_error("clip", path, e))
    }
}

/// Encodes the frames of `[start_ms, end_ms]` into `path` (MP4). `progress`
/// gets 0..1 and returns false to give up (lease lost).
#[allow(clippy::too_many_arguments)]
pub fn encode_clip(
    rec: &dyn Recording,
    camera: &str,
    start_ms: i64,
    end_ms: i64,
    path: &Path,
    preset: &str,
    progress: &mut dyn FnMut(f64) -> bool,
    stop: StopFlag,
) -> Result<ClipFacts, FootageError> {
    let pb = |source| FootageError::Playback {
        camera: camera.to_string(),
        source: Box::new(source),
    };
    let interval = rec.frame_interval_ms().unwrap_or(1000.0 / 15.0).max(1.0);
    let mut reader = rec
        .open(start_ms, Decimation::All, stop.clone())
        .map_err(pb)?;
    let mut out: Option<Out> = None;
    let mut facts = ClipFacts::default();
    let span = (end_ms - start_ms).max(1) as f64;
    let mut last_report = start_ms;
    loop {
        if stop.is_stopped() {
            return Err(FootageError::Stopped);
        }
        match reader.next().map_err(pb)? {
            ReadEvent::Frame(mut f) => {
                if f.ts_ms > end_ms {
                    break;
                }
                if f.ts_ms < start_ms {
                    continue;
                }
                if out.is_none() {
                    let (w, h) = (f.frame.width() & !1, f.frame.height() & !1);
                    out = Some(Out::open(path, w, h, interval, preset)?);
                }
                // the clip's time 0 is its first frame, the sidecar's actual
                // start: a player's actual start + currentTime is the frame's time
                let first = *facts.first_ms.get_or_insert(f.ts_ms);
                if let Some(o) = out.as_mut() {
                    o.push(&mut f.frame, f.ts_ms - first, path)?;
                }
                facts.frames += 1;
                facts.last_ms = Some(f.ts_ms);
                if f.ts_ms - last_report >= 500 {
                    last_report = f.ts_ms;
                    if !progress(((f.ts_ms - start_ms) as f64 / span).clamp(0.0, 0.99)) {
                        return Err(FootageError::Stopped);
                    }
                }
            }
            ReadEvent::Gap { from_ms, to_ms } => {
                if from_ms <= end_ms {
                    facts.gaps.push((from_ms.max(start_ms), to_ms.min(end_ms)));
                }
                if from_ms > end_ms {
                    break;
                }
            }
            ReadEvent::End => break,
        }
    }
    match out {
        Some(o) => o.finish(path)?,
        None => {
            return Err(FootageError::NoRecording {
                from: crate::cases::rfc3339_ms(start_ms),
                to: crate::cases::rfc3339_ms(end_ms),
            })
        }
    }
    Ok(facts)
}
