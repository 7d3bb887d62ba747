//! Compressed pictures a VMS pushes (JPEG now): a cheap structural check
//! before FFmpeg sees them ([`jpeg_info`]) and the FFmpeg MJPEG decoder that
//! turns one into a [`DecodedFrame`] ([`PictureDecoder`]). Both are pub
//! entries a fuzz target can call; [`super::picture_push`] queues and feeds them.
use ffmpeg_next::{codec, decoder, frame, Packet};

use super::source::DecodedFrame;
use super::MediaError;

/// What the pushed pictures are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PictureCodec {
    /// Baseline or progressive JPEG (also Motion-JPEG frames without
    /// Huffman tables: FFmpeg supplies the standard ones).
    #[default]
    Jpeg,
}

impl PictureCodec {
    pub fn as_str(self) -> &'static str {
        match self {
            PictureCodec::Jpeg => "jpeg",
        }
    }

    fn ffmpeg_id(self) -> codec::Id {
        match self {
            PictureCodec::Jpeg => codec::Id::MJPEG,
        }
    }
}

/// Largest picture accepted, in bytes (an 8K JPEG at high quality is ~10 MiB).
pub const MAX_PICTURE_BYTES: usize = 32 << 20;
/// Largest picture side and area accepted (before FFmpeg allocates for it).
pub const MAX_SIDE: u32 = 16_384;
pub const MAX_PIXELS: u64 = 8192 * 8192;

/// Why one pushed picture was not decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PictureError {
    #[error("not a JPEG (no start-of-image marker)")]
    NotJpeg,
    #[error("truncated JPEG ({0})")]
    Truncated(&'static str),
    #[error("malformed JPEG: {0}")]
    Malformed(&'static str),
    #[error("picture too large: {0}")]
    TooLarge(String),
    #[error("the decoder refused it: {0}")]
    Decoder(String),
}

/// What the headers of a well-formed JPEG say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegInfo {
    pub width: u32,
    pub height: u32,
    pub components: u8,
    /// SOF marker: 0xC0 baseline, 0xC2 progressive, ...
    pub sof: u8,
}

/// Checks the structure of a JPEG from outside (start marker, segments in
/// bounds, a frame header before the scan, an end marker after it) and
/// reads its size. Never panics, whatever the bytes.
pub fn jpeg_info(bytes: &[u8]) -> Result<JpegInfo, PictureError> {
    if bytes.len() > MAX_PICTURE_BYTES {
        return Err(PictureError::TooLarge(format!("{} bytes", bytes.len())));
    }
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return Err(PictureError::NotJpeg);
    }
    let mut info: Option<JpegInfo> = None;
    let mut i = 2usize;
    loop {
        // markers, possibly preceded by fill bytes (0xFF)
        if i >= bytes.len() {
            return Err(PictureError::Truncated("no scan"));
        }
        if bytes[i] != 0xFF {
            return Err(PictureError::Malformed("bytes between segments"));
        }
        while i < bytes.len() && bytes[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return Err(PictureError::Truncated("in a marker"));
        };
        i += 1;
        match marker {
            0x01 | 0xD0..=0xD7 => continue, // no length
            0xD8 => return Err(PictureError::Malformed("a second start-of-image marker")),
            0xD9 => {
                return Err(PictureError::Malformed(
                    "no image data before the end marker",
                ))
            }
            0x00 => return Err(PictureError::Malformed("a stuffed byte outside the scan")),
            _ => {}
        }
        let len = match bytes.get(i..i + 2) {
            Some(l) => u16::from_be_bytes([l[0], l[1]]) as usize,
            None => return Err(PictureError::Truncated("in a segment length")),
        };
        if len < 2 {
            return Err(PictureError::Malformed(
                "a segment shorter than its length field",
            ));
        }
        let body = bytes
            .get(i + 2..i + len)
            .ok_or(PictureError::Truncated("in a segment"))?;
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            if body.len() < 6 {
                return Err(PictureError::Malformed("a short frame header"));
            }
            let height = u16::from_be_bytes([body[1], body[2]]) as u32;
            let width = u16::from_be_bytes([body[3], body[4]]) as u32;
            let components = body[5];
            if width == 0 || height == 0 || components == 0 {
                return Err(PictureError::Malformed("a zero size in the frame header"));
            }
            if width > MAX_SIDE || height > MAX_SIDE || width as u64 * height as u64 > MAX_PIXELS {
                return Err(PictureError::TooLarge(format!("{width}x{height}")));
            }
            info = Some(JpegInfo {
                width,
                height,
                components,
                sof: marker,
            });
        }
        i += len;
        if marker == 0xDA {
            break; // entropy-coded data follows
        }
    }
    let info = info.ok_or(PictureError::Malformed("a scan before any frame header"))?;
    // some encoders pad after the end marker
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    if end < i + 2 || bytes[end - 2] != 0xFF || bytes[end - 1] != 0xD9 {
        return Err(PictureError::Truncated("no end-of-image marker"));
    }
    Ok(info)
}

/// Decodes single compressed pictures into frames (one in, one out).
pub struct PictureDecoder {
    codec: PictureCodec,
    inner: decoder::Video,
    seq: i64,
}

impl PictureDecoder {
    pub fn new(codec: PictureCodec) -> Result<Self, MediaError> {
        super::init();
        let c = decoder::find(codec.ffmpeg_id())
            .ok_or(MediaError::Decode(ffmpeg_next::Error::DecoderNotFound))?;
        let mut ctx = codec::context::Context::new_with_codec(c);
        // SAFETY: plain fields of a codec context we own, set before opening.
        unsafe {
            let p = ctx.as_mut_ptr();
            // report damaged data as an error instead of concealing it
            (*p).err_recognition |= ffmpeg_next::ffi::AV_EF_EXPLODE;
            (*p).max_pixels = MAX_PIXELS as i64;
        }
        let inner = ctx.decoder().video().map_err(MediaError::Decode)?;
        Ok(Self {
            codec,
            inner,
            seq: 0,
        })
    }

    pub fn codec(&self) -> PictureCodec {
        self.codec
    }

    /// Decodes one picture captured at `ts_ms` (ms since the Unix epoch, UTC).
    pub fn decode(&mut self, bytes: &[u8], ts_ms: i64) -> Result<DecodedFrame, PictureError> {
        let info = match self.codec {
            PictureCodec::Jpeg => jpeg_info(bytes)?,
        };
        self.seq += 1;
        let mut packet = Packet::copy(bytes);
        packet.set_pts(Some(self.seq));
        packet.set_dts(Some(self.seq));
        packet.set_flags(ffmpeg_next::packet::Flags::KEY);
        let refused = |e: ffmpeg_next::Error| PictureError::Decoder(e.to_string());
        self.inner.send_packet(&packet).map_err(refused)?;
        let mut f = frame::Video::empty();
        match self.inner.receive_frame(&mut f) {
            Ok(()) => {}
            Err(e) => {
                // nothing came out: drop whatever the decoder still holds
                self.inner.flush();
                return Err(refused(e));
            }
        }
        if (f.width(), f.height()) != (info.width, info.height) {
            return Err(PictureError::Decoder(format!(
                "decoded {}x{}, the header says {}x{}",
                f.width(),
                f.height(),
                info.width,
                info.height
            )));
        }
        Ok(DecodedFrame {
            frame: f,
            ts_ms,
            keyframe: true,
        })
    }
}
