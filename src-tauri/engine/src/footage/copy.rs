//! Clips from file-backed recordings: the H.264/H.265 packets of the
//! window copied from the segment files (no re-encode). The clip starts at
//! the keyframe at or before the window start; its timestamps are shifted so
//! the window start is 0 and the pre-roll packets are negative, which the
//! MP4 muxer writes as an edit list: players decode the pre-roll but show
//! the clip from the window start. Fast start (moov before mdat).
use std::path::Path;

use ffmpeg_next::{codec, encoder, format, media, Dictionary, Packet, Rational};

use super::durable::ffmpeg_write_error;
use super::encode::ClipFacts;
use super::FootageError;
use crate::media::source::StopFlag;
use crate::playback::SegmentFile;

const US: Rational = Rational(1, 1_000_000);
const OUT_TB: Rational = Rational(1, 90_000);

/// Why a stream copy is not possible (the worker then encodes).
#[derive(Debug)]
pub enum CopyError {
    /// Not H.264/H.265, or the segments' streams differ.
    NotCopyable(String),
    Failed(FootageError),
}

impl From<FootageError> for CopyError {
    fn from(e: FootageError) -> Self {
        CopyError::Failed(e)
    }
}

/// The segments a copy used, with what they cover.
pub struct CopyFacts {
    pub clip: ClipFacts,
    pub used: Vec<SegmentFile>,
    pub codec: String,
}

struct Pending {
    pkt: Packet,
    /// Output timestamps in OUT_TB.
    pts: i64,
    dts: i64,
    ts_ms: i64,
}

fn rescale(v: i64, from: Rational, to: Rational) -> i64 {
    let (fnum, fden) = (from.numerator() as i128, from.denominator() as i128);
    let (tnum, tden) = (to.numerator() as i128, to.denominator() as i128);
    let x = v as i128 * fnum * tden;
    let d = fden * tnum;
    (if x >= 0 {
        (x + d / 2) / d
    } else {
        (x - d / 2) / d
    }) as i64
}

/// Copies the packets of `[start_ms, end_ms]` from `files` into `path`.
pub fn copy_clip(
    files: &[SegmentFile],
    start_ms: i64,
    end_ms: i64,
    path: &Path,
    progress: &mut dyn FnMut(f64) -> bool,
    stop: StopFlag,
) -> Result<CopyFacts, CopyError> {
    let werr = |e| ffmpeg_write_error("clip", path, e);
    let mut octx: Option<format::context::Output> = None;
    let mut params_key: Option<(codec::Id, u32, u32)> = None;
    let mut preroll: Vec<Pending> = Vec::new();
    let mut started = false;
    let mut facts = ClipFacts::default();
    let mut used = Vec::new();
    let mut codec_name = String::new();
    let mut ost_tb = OUT_TB;
    let mut last_dts = i64::MIN;
    let span = (end_ms - start_ms).max(1) as f64;
    'files: for seg in files {
        if seg.end_ms <= start_ms - 60_000 || seg.start_ms > end_ms {
            continue;
        }
        if stop.is_stopped() {
            return Err(FootageError::Stopped.into());
        }
        let mut ictx = crate::media::protocols::open_local_file(&seg.path).map_err(|e| {
            CopyError::Failed(FootageError::Playback {
                camera: String::new(),
                source: Box::new(crate::playback::PlaybackError::Source {
                    source_name: seg.path.display().to_string(),
                    reason: e.to_string(),
                }),
            })
        })?;
        let Some(ist) = ictx.streams().best(media::Type::Video) else {
            continue;
        };
        let idx = ist.index();
        let in_tb = ist.time_base();
        // packets without a duration (MPEG-TS/PS from some encoders) last a
        // frame interval: a zero-length last sample falls outside the edit list
        let frame_dur = [ist.avg_frame_rate(), ist.rate()]
            .into_iter()
            .find(|r| r.numerator() > 0 && r.denominator() > 0)
            .map_or(0, |r| {
                rescale(1, Rational(r.denominator(), r.numerator()), in_tb)
            });
        let par = ist.parameters();
        let id = par.id();
        if !matches!(id, codec::Id::H264 | codec::Id::HEVC) {
            return Err(CopyError::NotCopyable(format!("codec {id:?}")));
        }
        // SAFETY: reading plain fields of valid codec parameters.
        let (w, h) = unsafe { ((*par.as_ptr()).width as u32, (*par.as_ptr()).height as u32) };
        match params_key {
            None => {
                params_key = Some((id, w, h));
                codec_name = if id == codec::Id::H264 {
                    "h264"
                } else {
                    "hevc"
                }
                .into();
            }
            Some(k) if k != (id, w, h) => {
                return Err(CopyError::NotCopyable(
                    "the segments' streams differ (codec or size)".into(),
                ))
            }
            _ => {}
        }
        let in_start = {
            let s = ist.start_time();
            if s == ffmpeg_next::ffi::AV_NOPTS_VALUE {
                0
            } else {
                s
            }
        };
        if octx.is_none() {
            let mut o = format::output_as(path, "mp4").map_err(werr)?;
            let mut ost = o.add_stream(encoder::find(codec::Id::None)).map_err(werr)?;
            ost.set_parameters(par.clone());
            // SAFETY: clearing the tag lets the muxer pick the MP4 one.
            unsafe { (*ost.parameters().as_mut_ptr()).codec_tag = 0 };
            ost.set_time_base(OUT_TB);
            let mut mux = Dictionary::new();
            mux.set("movflags", "+faststart");
            o.write_header_with(mux).map_err(werr)?;
            ost_tb = o.stream(0).map(|s| s.time_base()).unwrap_or(OUT_TB);
            octx = Some(o);
        }
        let Some(o) = octx.as_mut() else {
            unreachable!()
        };
        // recording time of input ts v: seg.start + (v - in_start)
        let to_out = |v: i64| -> i64 {
            rescale(v - in_start, in_tb, ost_tb)
                + rescale((seg.start_ms - start_ms) * 1000, US, ost_tb)
        };
        let to_ms = |v: i64| seg.start_ms + rescale(v - in_start, in_tb, Rational(1, 1000));
        let mut used_this = false;
        for (s, mut pkt) in ictx.packets() {
            if s.index() != idx {
                continue;
            }
            let Some(pts_in) = pkt.pts().or(pkt.dts()) else {
                continue;
            };
            let dts_in = pkt.dts().unwrap_or(pts_in);
            let ts_ms = to_ms(pts_in);
            if to_ms(dts_in) > end_ms {
                if used_this {
                    used.push(seg.clone());
                }
                break 'files;
            }
            let p = Pending {
                pts: to_out(pts_in),
                dts: to_out(dts_in),
                ts_ms,
                pkt: {
                    let d = match pkt.duration() {
                        d if d > 0 => d,
                        _ => frame_dur,
                    };
                    pkt.set_duration(rescale(d, in_tb, ost_tb));
                    pkt
                },
            };
            if !started {
                if ts_ms <= start_ms {
                    if p.pkt.is_key() {
                        preroll.clear();
                        preroll.push(p);
                    } else if !preroll.is_empty() {
                        preroll.push(p);
                    }
                    used_this = used_this || !preroll.is_empty();
                    continue;
                }
                if preroll.is_empty() && !p.pkt.is_key() {
                    continue; // no keyframe yet: the clip starts at the next one
                }
                started = true;
                for q in preroll.drain(..) {
                    write(o, q, &mut last_dts, &mut facts, start_ms)
                        .map_err(|e| CopyError::Failed(werr(e)))?;
                }
            }
            if ts_ms > end_ms {
                continue;
            }
            used_this = true;
            write(o, p, &mut last_dts, &mut facts, start_ms)
                .map_err(|e| CopyError::Failed(werr(e)))?;
            if facts.frames % 30 == 0
                && !progress(((ts_ms - start_ms) as f64 / span).clamp(0.0, 0.99))
            {
                return Err(FootageError::Stopped.into());
            }
        }
        if used_this {
            used.push(seg.clone());
        }
    }
    if !started && !preroll.is_empty() {
        let Some(o) = octx.as_mut() else {
            unreachable!()
        };
        for q in preroll.drain(..) {
            write(o, q, &mut last_dts, &mut facts, start_ms)
                .map_err(|e| CopyError::Failed(werr(e)))?;
        }
    }
    match octx {
        Some(mut o) if facts.frames > 0 => {
            o.write_trailer().map_err(|e| CopyError::Failed(werr(e)))?
        }
        _ => {
            return Err(FootageError::NoRecording {
                from: crate::cases::rfc3339_ms(start_ms),
                to: crate::cases::rfc3339_ms(end_ms),
            }
            .into())
        }
    }
    Ok(CopyFacts {
        clip: facts,
        used,
        codec: codec_name,
    })
}

fn write(
    o: &mut format::context::Output,
    mut p: Pending,
    last_dts: &mut i64,
    facts: &mut ClipFacts,
    start_ms: i64,
) -> Result<(), ffmpeg_next::Error> {
    // keep DTS strictly increasing across segment boundaries
    let dts = if p.dts <= *last_dts {
        *last_dts + 1
    } else {
        p.dts
    };
    *last_dts = dts;
    p.pkt.set_stream(0);
    p.pkt.set_pts(Some(p.pts.max(dts)));
    p.pkt.set_dts(Some(dts));
    p.pkt.set_position(-1);
    p.pkt.write_interleaved(o)?;
    if p.ts_ms >= start_ms {
        facts.frames += 1;
        facts.first_ms.get_or_insert(p.ts_ms);
        facts.last_ms = Some(p.ts_ms.max(facts.last_ms.unwrap_or(i64::MIN)));
    }
    Ok(())
}
