//! Reads back a clip: every frame's presentation time and VTC1 timecode,
//! the container duration, and whether `moov` precedes `mdat` (fast start).
//! Tests, the benchmark and `vigil case show --verify` use it.
use std::path::Path;

use ffmpeg_next::{media, Rational};

use crate::media::vtc1;
use ffmpeg_next::Rescale;

#[derive(Debug, Clone)]
pub struct ProbedFrame {
    /// Presentation time from the clip's start, ms.
    pub pts_ms: i64,
    /// The VTC1 value painted into the picture, if readable.
    pub vtc1: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Probe {
    pub frames: Vec<ProbedFrame>,
    pub duration_ms: i64,
    pub codec: String,
    pub fast_start: bool,
}

/// Decodes the whole clip (as a player would, honouring its edit list).
pub fn probe_clip(path: &Path) -> Result<Probe, String> {
    crate::media::init();
    let mut ictx = crate::media::protocols::open_local_file(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let ist = ictx
        .streams()
        .best(media::Type::Video)
        .ok_or("no video stream")?;
    let idx = ist.index();
    let tb = ist.time_base();
    let codec = format!("{:?}", ist.parameters().id()).to_lowercase();
    let duration_ms = if ictx.duration() > 0 {
        ictx.duration() / 1000
    } else {
        0
    };
    let mut dec = ffmpeg_next::codec::context::Context::from_parameters(ist.parameters())
        .and_then(|c| c.decoder().video())
        .map_err(|e| e.to_string())?;
    let mut frames = Vec::new();
    let take = |dec: &mut ffmpeg_next::decoder::Video, frames: &mut Vec<ProbedFrame>| {
        let mut f = ffmpeg_next::frame::Video::empty();
        while dec.receive_frame(&mut f).is_ok() {
            let ts = f
                .pts()
                .or(f.timestamp())
                .map(|v| v.rescale(tb, Rational(1, 1000)))
                .unwrap_or(0);
            let v = vtc1::read_luma(
                f.data(0),
                f.width() as usize,
                f.height() as usize,
                f.stride(0),
            );
            frames.push(ProbedFrame {
                pts_ms: ts,
                vtc1: v.map(|v| v as i64),
            });
        }
    };
    for (s, p) in ictx.packets() {
        if s.index() != idx {
            continue;
        }
        dec.send_packet(&p).map_err(|e| e.to_string())?;
        take(&mut dec, &mut frames);
    }
    dec.send_eof().map_err(|e| e.to_string())?;
    take(&mut dec, &mut frames);
    Ok(Probe {
        frames,
        duration_ms,
        codec,
        fast_start: moov_before_mdat(path)?,
    })
}

/// Walks the top-level MP4 boxes.
pub fn moov_before_mdat(path: &Path) -> Result<bool, String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    let mut pos = 0u64;
    while pos + 8 <= len {
        f.seek(SeekFrom::Start(pos)).map_err(|e| e.to_string())?;
        let mut h = [0u8; 16];
        f.read_exact(&mut h[..8]).map_err(|e| e.to_string())?;
        let mut size = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as u64;
        let kind: [u8; 4] = [h[4], h[5], h[6], h[7]];
        if size == 1 {
            f.read_exact(&mut h[8..16]).map_err(|e| e.to_string())?;
            size = u64::from_be_bytes(h[8..16].try_into().unwrap_or([0; 8]));
        }
        match kind {
            [b'm', b'o', b'o', b'v'] => return Ok(true),
            [b'm', b'd', b'a', b't'] => return Ok(false),
            _ => {}
        }
        if size < 8 {
            break;
        }
        pos += size;
    }
    Ok(false)
}
