//! A folder of recorded segments as a recording source. Start times come
//! from the file names (segment_name), durations from the files themselves
//! (every packet read once, cached by size and mtime). A file that cannot be
//! read is left out: its time is a gap, and it is listed in `skipped()`.
//! Playback crosses segment boundaries seamlessly and reports real gaps.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use ffmpeg_next::Dictionary;
use jiff::tz::TimeZone;

use super::segment_name::segment_start;
use super::{Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, SegmentFile, Span};
use crate::media::recorded_input::RecordedInput;
use crate::media::source::{DecodedFrame, StopFlag};
use crate::media::MediaError;

/// Segments closer than this are one continuous recording.
const JOIN_TOLERANCE_MS: i64 = 1_500;

type ProbeKey = (u64, Option<SystemTime>);
/// Readable duration and a damage note, or why nothing is readable.
type Probe = Result<(i64, Option<String>), String>;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

pub struct SegmentFolder {
    dir: PathBuf,
    tz: TimeZone,
    name: String,
    probes: Mutex<HashMap<PathBuf, (ProbeKey, Probe)>>,
}

impl SegmentFolder {
    /// `dir` holds one camera's segments; names are civil time in `tz`.
    pub fn new(dir: PathBuf, tz: TimeZone) -> Result<Self, PlaybackError> {
        if !dir.is_dir() {
            return Err(PlaybackError::Invalid(format!(
                "{} is not a folder",
                dir.display()
            )));
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        Ok(Self {
            dir,
            tz,
            name,
            probes: Mutex::new(HashMap::new()),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Segment files by start time (names only; nothing probed).
    fn listing(&self) -> Result<Vec<(i64, PathBuf)>, PlaybackError> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| PlaybackError::Io {
            what: format!("listing {}", self.dir.display()),
            source,
        })?;
        let mut out: Vec<(i64, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name();
                let start = segment_start(name.to_str()?, &self.tz)?;
                Some((start, e.path()))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// The readable duration of a segment file in ms, or why it has none.
    fn duration(&self, path: &Path) -> Result<i64, String> {
        let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
        let key = (meta.len(), meta.modified().ok());
        if let Some((k, r)) = self.probes.lock().expect("probe lock").get(path) {
            if *k == key {
                return r.clone().map(|(d, _)| d);
            }
        }
        let r = probe(path);
        match &r {
            Err(reason) | Ok((_, Some(reason))) => {
                tracing::warn!("segment {}: {reason}", path.display())
            }
            Ok(_) => {}
        }
        self.probes
            .lock()
            .expect("probe lock")
            .insert(path.to_path_buf(), (key, r.clone()));
        r.map(|(d, _)| d)
    }

    /// Readable segments that may overlap `[from_ms, to_ms)`.
    fn segments(&self, from_ms: i64, to_ms: i64) -> Result<Vec<SegmentFile>, PlaybackError> {
        let list = self.listing()?;
        // the last segment starting at or before `from_ms` may reach into the range
        let first = list
            .partition_point(|(s, _)| *s <= from_ms)
            .saturating_sub(1);
        Ok(list[first..]
            .iter()
            .take_while(|(s, _)| *s < to_ms)
            .filter_map(|(start, path)| {
                let d = self.duration(path).ok()?;
                Some(SegmentFile {
                    path: path.clone(),
                    start_ms: *start,
                    end_ms: start + d,
                })
            })
            .filter(|s| s.end_ms > from_ms)
            .collect())
    }

    /// Files left out (unreadable) or cut short (truncated), with why.
    pub fn skipped(&self) -> Vec<Skipped> {
        let mut v: Vec<Skipped> = self
            .probes
            .lock()
            .expect("probe lock")
            .iter()
            .filter_map(|(p, (_, r))| {
                let reason = match r {
                    Err(e) | Ok((_, Some(e))) => e.clone(),
                    Ok((_, None)) => return None,
                };
                Some(Skipped {
                    path: p.clone(),
                    reason,
                })
            })
            .collect();
        v.sort_by(|a, b| a.path.cmp(&b.path));
        v
    }
}

/// The readable duration of a segment; a file whose index promises more
/// than its data holds is truncated: what is readable stays, and it is
/// reported.
fn probe(path: &Path) -> Result<(i64, Option<String>), String> {
    let mut input = RecordedInput::open(
        &path.to_string_lossy(),
        Dictionary::new(),
        StopFlag::default(),
    )
    .map_err(|e| e.to_string())?;
    let stated = input.stated_duration_ms();
    let (end, packets) = input.scan_duration_ms().map_err(|e| e.to_string())?;
    if packets == 0 || end <= 0 {
        return Err("no video frames".into());
    }
    let truncated = stated
        .filter(|s| *s > end + JOIN_TOLERANCE_MS)
        .map(|s| format!("truncated: {} ms of {} ms readable", end, s));
    Ok((end, truncated))
}

impl Recording for SegmentFolder {
    fn describe(&self) -> String {
        format!("segment folder {}", self.dir.display())
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        let mut out: Vec<Span> = Vec::new();
        for s in self.segments(from_ms, to_ms)? {
            let (a, b) = (s.start_ms.max(from_ms), s.end_ms.min(to_ms));
            match out.last_mut() {
                Some(last) if a - last.end_ms <= JOIN_TOLERANCE_MS => {
                    last.end_ms = last.end_ms.max(b)
                }
                _ => out.push(Span::new(a, b)),
            }
        }
        Ok(out)
    }

    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        let segs = self.segments(t_ms, i64::MAX)?;
        if segs.is_empty() {
            return Err(PlaybackError::NoRecording(super::day::format_rfc3339(t_ms)));
        }
        Ok(Box::new(SegmentReader::new(segs, t_ms, decimation, stop)))
    }

    fn problems(&self) -> Vec<String> {
        self.skipped()
            .into_iter()
            .map(|s| format!("{}: {}", s.path.display(), s.reason))
            .collect()
    }

    fn segment_files(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Option<Vec<SegmentFile>>, PlaybackError> {
        Ok(Some(self.segments(from_ms, to_ms)?))
    }
}

/// Reads a run of segment files as one recording.
pub struct SegmentReader {
    segs: Vec<SegmentFile>,
    idx: usize,
    input: Option<RecordedInput>,
    target: i64,
    decimation: Decimation,
    stop: StopFlag,
}

impl SegmentReader {
    pub fn new(segs: Vec<SegmentFile>, t_ms: i64, decimation: Decimation, stop: StopFlag) -> Self {
        let idx = segs
            .iter()
            .position(|s| s.end_ms > t_ms)
            .unwrap_or(segs.len());
        Self {
            segs,
            idx,
            input: None,
            target: t_ms,
            decimation,
            stop,
        }
    }

    fn open_current(&mut self) -> Result<(), MediaError> {
        let seg = &self.segs[self.idx];
        let mut input = RecordedInput::open(
            &seg.path.to_string_lossy(),
            Dictionary::new(),
            self.stop.clone(),
        )?;
        input.set_decimation(self.decimation);
        input.seek_ms((self.target - seg.start_ms).max(0))?;
        self.input = Some(input);
        Ok(())
    }

    /// Moves to the next segment; a hole before it is a gap.
    fn advance(&mut self) -> Option<ReadEvent> {
        let prev_end = self.segs[self.idx].end_ms;
        self.input = None;
        self.idx += 1;
        let next = self.segs.get(self.idx)?;
        self.target = next.start_ms;
        (next.start_ms - prev_end > JOIN_TOLERANCE_MS).then_some(ReadEvent::Gap {
            from_ms: prev_end,
            to_ms: next.start_ms,
        })
    }
}

impl RecordingReader for SegmentReader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        loop {
            if self.stop.is_stopped() {
                return Err(MediaError::Stopped.into());
            }
            if self.idx >= self.segs.len() {
                return Ok(ReadEvent::End);
            }
            if self.input.is_none() {
                if let Err(e) = self.open_current() {
                    tracing::warn!("segment {}: {e}", self.segs[self.idx].path.display());
                    let from_ms = self.segs[self.idx].start_ms;
                    self.advance();
                    let to_ms = self.segs.get(self.idx).map_or(from_ms, |s| s.start_ms);
                    return Ok(ReadEvent::Gap { from_ms, to_ms });
                }
            }
            let seg_start = self.segs[self.idx].start_ms;
            match self.input.as_mut().expect("input").next_frame() {
                Ok(Some(f)) => {
                    return Ok(ReadEvent::Frame(DecodedFrame {
                        frame: f.frame,
                        ts_ms: seg_start + f.offset_ms,
                        keyframe: f.keyframe,
                    }))
                }
                Ok(None) => {}
                Err(MediaError::Stopped) => return Err(MediaError::Stopped.into()),
                // a damaged tail ends the segment; what was read stands
                Err(e) => tracing::warn!("segment {}: {e}", self.segs[self.idx].path.display()),
            }
            if let Some(gap) = self.advance() {
                return Ok(gap);
            }
        }
    }

    fn set_decimation(&mut self, d: Decimation) {
        self.decimation = d;
        if let Some(i) = self.input.as_mut() {
            i.set_decimation(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::file_writer::Container;
    use crate::media::vtc1;
    use crate::playback::day::{parse_rfc3339, zone};
    use crate::playback::demo_segments::{write_segment, SegmentSpec};

    fn spec(container: Container) -> SegmentSpec {
        SegmentSpec {
            camera_index: 1,
            width: 320,
            height: 180,
            fps: 10,
            gop: 10,
            container,
        }
    }

    fn read_all(r: &mut dyn RecordingReader) -> (Vec<i64>, Vec<(i64, i64)>) {
        let (mut ts, mut gaps) = (Vec::new(), Vec::new());
        loop {
            match r.next().unwrap() {
                ReadEvent::Frame(f) => {
                    let tc = vtc1::read_luma(f.frame.data(0), 320, 180, f.frame.stride(0))
                        .expect("VTC1") as i64;
                    assert_eq!(tc, f.ts_ms, "frame time = the time it shows");
                    ts.push(tc);
                }
                ReadEvent::Gap { from_ms, to_ms } => gaps.push((from_ms, to_ms)),
                ReadEvent::End => return (ts, gaps),
            }
        }
    }

    #[test]
    fn seed_naming_spans_seamless_playback_and_a_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        let cam = dir.path().join("camera1");
        std::fs::create_dir(&cam).unwrap();
        let t0 = parse_rfc3339("2025-08-29T14:30:10Z").unwrap();
        let s = spec(Container::Mp4FastStart);
        for (i, name) in ["143010", "143015", "143020"].iter().enumerate() {
            let p = cam.join(format!("camera1_20250829_{name}.mp4"));
            write_segment(&p, &s, t0 + i as i64 * 5000, 5000).unwrap();
        }
        // a hole, then a truncated file, then one more good one
        let bad = cam.join("camera1_20250829_143100.mp4");
        write_segment(&bad, &s, t0 + 50_000, 5000).unwrap();
        let bytes = std::fs::read(&bad).unwrap();
        std::fs::write(&bad, &bytes[..bytes.len() / 3]).unwrap();
        write_segment(
            &cam.join("camera1_20250829_143200.mp4"),
            &s,
            t0 + 110_000,
            5000,
        )
        .unwrap();
        std::fs::write(cam.join("camera1_20250829_143130.mp4"), vec![0x5a; 40_000]).unwrap();
        std::fs::write(cam.join("notes.txt"), "not a segment").unwrap();

        let folder = SegmentFolder::new(cam, zone("UTC").unwrap()).unwrap();
        let spans = folder.spans(t0 - 60_000, t0 + 600_000).unwrap();
        assert_eq!(spans.len(), 3, "{spans:?}");
        assert_eq!(spans[0], Span::new(t0, t0 + 15_000));
        assert_eq!(spans[2], Span::new(t0 + 110_000, t0 + 115_000));
        // the truncated file keeps what is readable, no more
        assert_eq!(spans[1].start_ms, t0 + 50_000);
        assert!(spans[1].end_ms < t0 + 54_000, "{spans:?}");
        let skipped = folder.skipped();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped[0].path.ends_with("camera1_20250829_143100.mp4"));
        assert!(skipped[0].reason.starts_with("truncated"), "{skipped:?}");
        assert!(skipped[1].path.ends_with("camera1_20250829_143130.mp4"));

        let mut r = folder
            .open(t0 + 3_050, Decimation::All, StopFlag::default())
            .unwrap();
        let (ts, gaps) = read_all(&mut *r);
        assert_eq!(ts[0], t0 + 3_100, "first frame at or after the target");
        let before_gap: Vec<i64> = ts.iter().copied().filter(|t| *t < t0 + 15_000).collect();
        let expected: Vec<i64> = (31..150).map(|i| t0 + i * 100).collect();
        assert_eq!(before_gap, expected, "seamless across segment boundaries");
        assert_eq!(gaps[0], (t0 + 15_000, t0 + 50_000));
        assert_eq!(gaps.last().unwrap().1, t0 + 110_000);
        let after: Vec<i64> = ts.iter().copied().filter(|t| *t >= t0 + 110_000).collect();
        assert_eq!(
            after,
            (0..50).map(|i| t0 + 110_000 + i * 100).collect::<Vec<_>>()
        );
    }

    #[test]
    fn mediamtx_naming_in_fmp4_and_mpegts() {
        for (container, ext) in [(Container::FragmentedMp4, "mp4"), (Container::MpegTs, "ts")] {
            let dir = tempfile::tempdir().unwrap();
            let t0 = parse_rfc3339("2025-08-29T14:30:10.250Z").unwrap();
            let s = spec(container);
            write_segment(
                &dir.path().join(format!("2025-08-29_16-30-10-250000.{ext}")),
                &s,
                t0,
                4000,
            )
            .unwrap();
            write_segment(
                &dir.path().join(format!("2025-08-29_16-30-14-250000.{ext}")),
                &s,
                t0 + 4000,
                4000,
            )
            .unwrap();
            let folder =
                SegmentFolder::new(dir.path().into(), zone("Europe/Berlin").unwrap()).unwrap();
            let spans = folder.spans(t0 - 1000, t0 + 60_000).unwrap();
            assert_eq!(spans, vec![Span::new(t0, t0 + 8000)], "{ext}");
            let mut r = folder
                .open(t0 + 3_950, Decimation::All, StopFlag::default())
                .unwrap();
            let (ts, gaps) = read_all(&mut *r);
            assert!(gaps.is_empty());
            assert_eq!(ts.first(), Some(&(t0 + 4000)), "{ext}");
            assert_eq!(ts.len(), 40, "{ext}");
            let mut k = folder
                .open(t0, Decimation::KeyframesOnly, StopFlag::default())
                .unwrap();
            let (ts, _) = read_all(&mut *k);
            assert_eq!(
                ts,
                (0..8).map(|i| t0 + i * 1000).collect::<Vec<_>>(),
                "{ext} keyframes"
            );
        }
    }
}
