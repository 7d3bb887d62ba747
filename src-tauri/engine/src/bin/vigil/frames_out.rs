//! Writes frames taken from the hub as JPEG files plus one `frames.jsonl`
//! line each (seq, ts_ms, arrived_ms, width, height, bytes, stream_id), the
//! format `vigil live` and `vigil playback` share.
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;
use vigil_engine::hub::protocol::{FrameHeader, PixelFormat};
use vigil_engine::media::picture::i420_to_jpeg;

use crate::exit;

pub type CliError = (i32, String);

pub struct FrameWriter {
    dir: PathBuf,
    index: std::fs::File,
    pub count: u32,
}

impl FrameWriter {
    pub fn create(dir: &Path) -> Result<Self, CliError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            (
                exit::FAILED,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let index = std::fs::File::create(dir.join("frames.jsonl"))
            .map_err(|e| (exit::FAILED, format!("cannot write frames.jsonl: {e}")))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            index,
            count: 0,
        })
    }

    pub fn write(
        &mut self,
        header: &FrameHeader,
        payload: &[u8],
        arrived_ms: i64,
        wire_bytes: usize,
    ) -> Result<(), CliError> {
        if header.format != PixelFormat::I420 {
            return Err((
                exit::FAILED,
                format!("unexpected pixel format {:?}", header.format),
            ));
        }
        self.count += 1;
        let seq = self.count;
        let jpeg = i420_to_jpeg(payload, header.width.into(), header.height.into())
            .map_err(|e| (exit::FAILED, format!("jpeg: {e}")))?;
        let path = self.dir.join(format!("{seq:06}.jpg"));
        std::fs::write(&path, &jpeg).map_err(|e| {
            (
                exit::FAILED,
                format!("cannot write {}: {e}", path.display()),
            )
        })?;
        let line = json!({
            "seq": seq,
            "ts_ms": header.ts_ms,
            "arrived_ms": arrived_ms,
            "width": header.width,
            "height": header.height,
            "bytes": wire_bytes,
            "stream_id": header.stream_id,
        });
        writeln!(self.index, "{line}")
            .map_err(|e| (exit::FAILED, format!("cannot write frames.jsonl: {e}")))
    }
}
