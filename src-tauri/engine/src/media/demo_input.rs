//! The demo site's cameras: pictures painted in-process at the wall clock
//! (VTC1 included), encoded to H.264 with libx264 and decoded back through the
//! same decoder as a network camera, so the demo exercises the real pipeline.
use std::time::{Duration, Instant};

use ffmpeg_next::{codec, encoder, format::Pixel, frame, Dictionary, Packet};

use super::decode::VideoDecoder;
use super::demo_painter::{DemoPainter, PlanesMut};
use super::source::{now_ms, DecodedFrame, FrameSource, SourceOpener, StopFlag};
use super::MediaError;

/// One synthetic stream: which camera, what size, how fast.
#[derive(Debug, Clone)]
pub struct DemoInput {
    pub camera_index: usize,
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub bitrate: usize,
}

impl SourceOpener for DemoInput {
    fn open(&self, stop: StopFlag) -> Result<Box<dyn FrameSource>, MediaError> {
        Ok(Box::new(DemoSource::new(self.clone(), stop)?))
    }

    fn describe(&self) -> String {
        format!(
            "demo:{} {}x{}@{}",
            self.camera_index, self.width, self.height, self.fps
        )
    }
}

/// A running synthetic stream.
pub struct DemoSource {
    cfg: DemoInput,
    painter: DemoPainter,
    encoder: encoder::Video,
    decoder: VideoDecoder,
    canvas: frame::Video,
    started: Instant,
    frame_no: u64,
    stop: StopFlag,
}

impl DemoSource {
    pub fn new(cfg: DemoInput, stop: StopFlag) -> Result<Self, MediaError> {
        super::init();
        let codec = encoder::find_by_name("libx264")
            .or_else(|| encoder::find(codec::Id::H264))
            .ok_or_else(|| MediaError::Encode("no H.264 encoder in this FFmpeg".into()))?;
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(|e| MediaError::Encode(e.to_string()))?;
        enc.set_width(cfg.width);
        enc.set_height(cfg.height);
        enc.set_format(Pixel::YUV420P);
        enc.set_time_base((1, 1000));
        enc.set_frame_rate(Some((cfg.fps as i32, 1)));
        enc.set_gop(cfg.fps);
        enc.set_max_b_frames(0);
        enc.set_bit_rate(cfg.bitrate);
        let mut opts = Dictionary::new();
        opts.set("preset", "ultrafast");
        opts.set("tune", "zerolatency");
        opts.set("threads", "1");
        let encoder = enc
            .open_with(opts)
            .map_err(|e| MediaError::Encode(e.to_string()))?;
        let decoder = VideoDecoder::for_codec(codec::Id::H264)?;
        let painter = DemoPainter::new(cfg.camera_index, &cfg.name, cfg.width, cfg.height);
        let canvas = frame::Video::new(Pixel::YUV420P, cfg.width, cfg.height);
        Ok(Self {
            cfg,
            painter,
            encoder,
            decoder,
            canvas,
            started: Instant::now(),
            frame_no: 0,
            stop,
        })
    }

    fn paint_and_encode(&mut self) -> Result<(), MediaError> {
        let ms = now_ms().max(0) as u64;
        // The encoder may still hold a reference to the last picture's buffer.
        // SAFETY: the frame pointer is valid for the life of `self.canvas`.
        if unsafe { ffmpeg_next::ffi::av_frame_make_writable(self.canvas.as_mut_ptr()) } < 0 {
            return Err(MediaError::Encode("cannot make the canvas writable".into()));
        }
        let (ys, us, vs) = (
            self.canvas.stride(0),
            self.canvas.stride(1),
            self.canvas.stride(2),
        );
        // SAFETY of the split: the three planes are distinct buffers of the frame.
        let (y, u, v) = unsafe {
            let f = self.canvas.as_mut_ptr();
            let h = self.cfg.height as usize;
            (
                std::slice::from_raw_parts_mut((*f).data[0], ys * h),
                std::slice::from_raw_parts_mut((*f).data[1], us * h.div_ceil(2)),
                std::slice::from_raw_parts_mut((*f).data[2], vs * h.div_ceil(2)),
            )
        };
        let mut planes = PlanesMut {
            y,
            y_stride: ys,
            u,
            u_stride: us,
            v,
            v_stride: vs,
        };
        self.painter.paint(ms, &mut planes);
        self.canvas.set_pts(Some(ms as i64));
        self.encoder
            .send_frame(&self.canvas)
            .map_err(|e| MediaError::Encode(e.to_string()))?;
        let mut packet = Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            let ts = packet.pts().unwrap_or(ms as i64);
            self.decoder.send(&packet, ts)?;
        }
        Ok(())
    }
}

impl FrameSource for DemoSource {
    fn next_frame(&mut self) -> Result<DecodedFrame, MediaError> {
        loop {
            if let Some((frame, ts_ms, keyframe)) = self.decoder.receive()? {
                return Ok(DecodedFrame {
                    frame,
                    ts_ms,
                    keyframe,
                });
            }
            if self.stop.is_stopped() {
                return Err(MediaError::Stopped);
            }
            // pace to the frame rate from the stream's start, without drift
            let due = self.started
                + Duration::from_micros(self.frame_no * 1_000_000 / self.cfg.fps as u64);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            self.frame_no += 1;
            self.paint_and_encode()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_frames_decode_with_their_timecode() {
        let cfg = DemoInput {
            camera_index: 2,
            name: "Demo 2".into(),
            width: 640,
            height: 360,
            fps: 15,
            bitrate: 800_000,
        };
        let mut src = cfg.open(StopFlag::default()).unwrap();
        let mut last = 0i64;
        for _ in 0..5 {
            let f = src.next_frame().unwrap();
            assert_eq!((f.frame.width(), f.frame.height()), (640, 360));
            let tc = super::super::vtc1::read_luma(f.frame.data(0), 640, 360, f.frame.stride(0))
                .expect("timecode readable after H.264 round trip") as i64;
            assert_eq!(tc, f.ts_ms, "header time is the picture's time");
            assert!(tc > last);
            last = tc;
        }
    }
}
