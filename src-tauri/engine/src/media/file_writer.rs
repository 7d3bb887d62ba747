//! Encodes pictures to H.264 (libx264) into a file: MP4 with the index up
//! front (fast start), fragmented MP4 (as MediaMTX records) or MPEG-TS.
//! Timestamps are ms from the file's start; the caller paints the frames.
use std::path::Path;

use ffmpeg_next::{codec, encoder, format, frame, Dictionary, Packet, Rational};

use super::MediaError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// MP4, moov before mdat.
    Mp4FastStart,
    /// Fragmented MP4 (fMP4), a fragment per keyframe.
    FragmentedMp4,
    MpegTs,
}

pub struct FileWriter {
    out: format::context::Output,
    encoder: encoder::Video,
    stream_tb: Rational,
    /// ms each frame lasts (so the last one is not cut by the edit list)
    frame_ms: i64,
    what: String,
}

fn err(what: &str, e: impl std::fmt::Display) -> MediaError {
    MediaError::Encode(format!("{what}: {e}"))
}

impl FileWriter {
    /// A writer of `width` x `height` H.264 at `fps` with a keyframe every `gop` frames.
    pub fn create(
        path: &Path,
        container: Container,
        width: u32,
        height: u32,
        fps: u32,
        gop: u32,
    ) -> Result<Self, MediaError> {
        super::init();
        let what = path.display().to_string();
        let (fmt, opts) = match container {
            Container::Mp4FastStart => ("mp4", "+faststart"),
            Container::FragmentedMp4 => ("mp4", "frag_keyframe+empty_moov+default_base_moof"),
            Container::MpegTs => ("mpegts", ""),
        };
        let mut out = format::output_as(&path, fmt).map_err(|e| err(&what, e))?;
        let codec = encoder::find_by_name("libx264")
            .or_else(|| encoder::find(codec::Id::H264))
            .ok_or_else(|| MediaError::Encode("no H.264 encoder in this FFmpeg".into()))?;
        let global_header = out
            .format()
            .flags()
            .contains(format::flag::Flags::GLOBAL_HEADER);
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(|e| err(&what, e))?;
        enc.set_width(width);
        enc.set_height(height);
        enc.set_format(format::Pixel::YUV420P);
        enc.set_time_base((1, 1000));
        enc.set_frame_rate(Some((fps as i32, 1)));
        enc.set_gop(gop);
        enc.set_max_b_frames(0);
        if global_header {
            enc.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut eopts = Dictionary::new();
        eopts.set("preset", "ultrafast");
        eopts.set("crf", "23");
        let encoder = enc.open_with(eopts).map_err(|e| err(&what, e))?;
        let mut stream = out.add_stream(codec).map_err(|e| err(&what, e))?;
        stream.set_parameters(&encoder);
        stream.set_time_base((1, 90_000));
        let mut mopts = Dictionary::new();
        if !opts.is_empty() {
            mopts.set("movflags", opts);
        }
        out.write_header_with(mopts).map_err(|e| err(&what, e))?;
        let stream_tb = out.stream(0).expect("stream").time_base();
        Ok(Self {
            out,
            encoder,
            stream_tb,
            frame_ms: (1000 / fps.max(1)) as i64,
            what,
        })
    }

    /// Encodes one YUV420P frame shown at `offset_ms` from the file's start.
    pub fn write(&mut self, picture: &mut frame::Video, offset_ms: i64) -> Result<(), MediaError> {
        picture.set_pts(Some(offset_ms));
        self.encoder
            .send_frame(picture)
            .map_err(|e| err(&self.what, e))?;
        self.drain()
    }

    fn drain(&mut self) -> Result<(), MediaError> {
        let mut packet = Packet::empty();
        while self.encoder.receive_packet(&mut packet).is_ok() {
            packet.set_stream(0);
            if packet.duration() <= 0 {
                packet.set_duration(self.frame_ms);
            }
            packet.rescale_ts((1, 1000), self.stream_tb);
            packet
                .write_interleaved(&mut self.out)
                .map_err(|e| err(&self.what, e))?;
        }
        Ok(())
    }

    /// Flushes the encoder and writes the trailer (the index).
    pub fn finish(mut self) -> Result<(), MediaError> {
        self.encoder.send_eof().map_err(|e| err(&self.what, e))?;
        self.drain()?;
        self.out.write_trailer().map_err(|e| err(&self.what, e))
    }
}
