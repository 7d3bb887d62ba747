//! Synthetic recordings for tests and the benchmark: a segment folder of
//! H.264 MP4 files (MediaMTX naming `{camera}/{camera}_{YYYYMMDD}_{HHMMSS}.mp4`)
//! whose frames carry VTC1 = recording time; names are UTC.
use std::path::{Path, PathBuf};

use ffmpeg_next::{codec, encoder, format, format::Pixel, frame, Dictionary, Packet, Rational};

use crate::media::demo_painter::{DemoPainter, PlanesMut};
use crate::playback::SegmentFile;

/// Paints the I420 frame of recording time `ts`.
pub fn paint(painter: &DemoPainter, w: u32, h: u32, ts: i64) -> frame::Video {
    let mut f = frame::Video::new(Pixel::YUV420P, w, h);
    let (ys, us, vs) = (f.stride(0), f.stride(1), f.stride(2));
    // SAFETY: the three planes are distinct buffers owned by `f`.
    let (y, u, v) = unsafe {
        let p = f.as_mut_ptr();
        let hh = h as usize;
        (
            std::slice::from_raw_parts_mut((*p).data[0], ys * hh),
            std::slice::from_raw_parts_mut((*p).data[1], us * hh.div_ceil(2)),
            std::slice::from_raw_parts_mut((*p).data[2], vs * hh.div_ceil(2)),
        )
    };
    painter.paint(
        ts as u64,
        &mut PlanesMut {
            y,
            y_stride: ys,
            u,
            u_stride: us,
            v,
            v_stride: vs,
        },
    );
    f
}

fn name_stamp(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}_{:02}{:02}{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Writes `count` segments of `seg_ms` from `start_ms` (whole seconds) for
/// `camera` under `dir/camera/`, at `fps` with a keyframe every second.
#[allow(clippy::too_many_arguments)]
pub fn write_segments(
    dir: &Path,
    camera: &str,
    camera_index: usize,
    start_ms: i64,
    seg_ms: i64,
    count: usize,
    fps: i64,
    (w, h): (u32, u32),
) -> Result<Vec<SegmentFile>, String> {
    crate::media::init();
    let cam_dir = dir.join(camera);
    std::fs::create_dir_all(&cam_dir).map_err(|e| e.to_string())?;
    let painter = DemoPainter::new(camera_index, camera, w, h);
    let mut out = Vec::new();
    let e = |e: ffmpeg_next::Error| e.to_string();
    for i in 0..count as i64 {
        let seg_start = start_ms + i * seg_ms;
        let path = cam_dir.join(format!("{camera}_{}.mp4", name_stamp(seg_start)));
        let codec = encoder::find_by_name("libx264").ok_or("no libx264")?;
        let mut octx = format::output_as(&path, "mp4").map_err(e)?;
        let mut ost = octx.add_stream(codec).map_err(e)?;
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(e)?;
        enc.set_width(w);
        enc.set_height(h);
        enc.set_format(Pixel::YUV420P);
        enc.set_time_base(Rational(1, 1000));
        enc.set_frame_rate(Some((fps as i32, 1)));
        enc.set_gop(fps as u32);
        enc.set_max_b_frames(0);
        enc.set_flags(codec::Flags::GLOBAL_HEADER);
        let mut opts = Dictionary::new();
        opts.set("preset", "ultrafast");
        opts.set("threads", "1");
        let mut enc = enc.open_with(opts).map_err(e)?;
        ost.set_parameters(&enc);
        ost.set_time_base(Rational(1, 1000));
        octx.write_header().map_err(e)?;
        let tb = octx.stream(0).map(|s| s.time_base()).ok_or("no stream")?;
        let drain = |enc: &mut encoder::Video, octx: &mut format::context::Output| {
            let mut p = Packet::empty();
            while enc.receive_packet(&mut p).is_ok() {
                p.set_stream(0);
                p.set_duration(1000 / fps);
                p.rescale_ts(Rational(1, 1000), tb);
                p.write_interleaved(octx)?;
            }
            Ok::<(), ffmpeg_next::Error>(())
        };
        let first = (seg_start * fps + 999).div_euclid(1000);
        let mut k = first;
        loop {
            let ts = (k * 1000).div_euclid(fps);
            if ts >= seg_start + seg_ms {
                break;
            }
            let mut f = paint(&painter, w, h, ts);
            f.set_pts(Some(ts - seg_start));
            enc.send_frame(&f).map_err(e)?;
            drain(&mut enc, &mut octx).map_err(e)?;
            k += 1;
        }
        enc.send_eof().map_err(e)?;
        drain(&mut enc, &mut octx).map_err(e)?;
        octx.write_trailer().map_err(e)?;
        out.push(SegmentFile {
            path,
            start_ms: seg_start,
            end_ms: seg_start + seg_ms,
        });
    }
    Ok(out)
}

/// The segment files under `dir/camera` (by name), for the benchmark.
pub fn list_segments(dir: &Path, camera: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join(camera))
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}
