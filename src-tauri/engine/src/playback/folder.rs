//! A folder of recorded segments as a recording source. Start times come
//! from the file names (segment_name), durations from the files themselves
//! (every packet read once, cached by size and mtime). Probing is lazy: a
//! coverage query probes the segments of its window, opening at a position
//! probes the segment there (and the next if needed), and the reader probes
//! each following segment when it gets to it, checking the stop flag between
//! probes; nothing walks days of footage for one seek. A file that cannot be
//! read is left out: its time is a gap, and it is listed in `skipped()`.
//! Playback crosses segment boundaries seamlessly and reports real gaps.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use jiff::tz::TimeZone;

use super::bounds;
use super::file_input::open_recorded_file;
use super::segment_name::segment_start;
use super::{Decimation, PlaybackError, ReadEvent, Recording, RecordingReader, SegmentFile, Span};
use crate::media::recorded_input::{RecordedFrame, RecordedInput};
use crate::media::source::{DecodedFrame, StopFlag};
use crate::media::MediaError;

/// Segments closer than this are one continuous recording.
const JOIN_TOLERANCE_MS: i64 = 1_500;

type ProbeKey = (u64, Option<SystemTime>);
/// Readable duration and a damage note, or why nothing is readable.
pub type Probe = Result<(i64, Option<String>), String>;
/// Reads a segment file's duration (the default reads every packet); the
/// stop flag interrupts it.
pub type Prober = Arc<dyn Fn(&Path, &StopFlag) -> Probe + Send + Sync>;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Probe results by file, shared by the folder and its readers.
struct ProbeCache {
    map: Mutex<HashMap<PathBuf, (ProbeKey, Probe)>>,
    prober: Prober,
    /// Probes run (cache hits not counted).
    runs: AtomicU64,
}

impl ProbeCache {
    /// The readable duration of a segment file in ms (`None`: unreadable,
    /// noted in the cache); `Stopped` when the stop flag interrupted it.
    fn duration(&self, path: &Path, stop: &StopFlag) -> Result<Option<i64>, PlaybackError> {
        if stop.is_stopped() {
            return Err(MediaError::Stopped.into());
        }
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("segment {}: {e}", path.display());
                return Ok(None);
            }
        };
        let key = (meta.len(), meta.modified().ok());
        if let Some((k, r)) = self.lock().get(path) {
            if *k == key {
                return Ok(r.as_ref().ok().map(|(d, _)| *d));
            }
        }
        self.runs.fetch_add(1, Ordering::Relaxed);
        let r = (self.prober)(path, stop);
        if stop.is_stopped() {
            // interrupted, not unreadable: nothing to remember
            return Err(MediaError::Stopped.into());
        }
        match &r {
            Err(reason) | Ok((_, Some(reason))) => {
                tracing::warn!("segment {}: {reason}", path.display())
            }
            Ok(_) => {}
        }
        let d = r.as_ref().ok().map(|(d, _)| *d);
        self.lock().insert(path.to_path_buf(), (key, r));
        Ok(d)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, (ProbeKey, Probe)>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The segment starting at `start_ms`, if readable.
    fn segment(
        &self,
        start_ms: i64,
        path: PathBuf,
        stop: &StopFlag,
    ) -> Result<Option<SegmentFile>, PlaybackError> {
        Ok(self.duration(&path, stop)?.map(|d| SegmentFile {
            end_ms: bounds::add(start_ms, d),
            start_ms,
            path,
        }))
    }
}

/// Where a folder's segments and their start times come from.
enum Listing {
    /// The files of one directory, named with their start in `tz`.
    Dir { dir: PathBuf, tz: TimeZone },
    /// Files whose starts are already known (an offline catalog), sorted.
    Files(Vec<(i64, PathBuf)>),
}

pub struct SegmentFolder {
    listing: Listing,
    name: String,
    probes: Arc<ProbeCache>,
}

impl SegmentFolder {
    /// `dir` holds one camera's segments; names are civil time in `tz`.
    pub fn new(dir: PathBuf, tz: TimeZone) -> Result<Self, PlaybackError> {
        Self::with_prober(dir, tz, Arc::new(probe))
    }

    /// As `new`, with another way to read a segment's duration (tests count
    /// and fake probes with it).
    pub fn with_prober(dir: PathBuf, tz: TimeZone, prober: Prober) -> Result<Self, PlaybackError> {
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
            listing: Listing::Dir { dir, tz },
            name,
            probes: new_cache(prober),
        })
    }

    /// Recordings made of files whose UTC starts (ms) are known already (an
    /// offline catalog: sidecars, names of any scheme, container times, the
    /// operator); durations still come from the files.
    pub fn from_files(name: String, mut files: Vec<(i64, PathBuf)>) -> Self {
        files.sort();
        Self {
            listing: Listing::Files(files),
            name,
            probes: new_cache(Arc::new(probe)),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many segment probes ran so far (cached answers not counted).
    pub fn probe_count(&self) -> u64 {
        self.probes.runs.load(Ordering::Relaxed)
    }

    /// Segment files by start time (names only; nothing probed).
    fn listing(&self) -> Result<Vec<(i64, PathBuf)>, PlaybackError> {
        let (dir, tz) = match &self.listing {
            Listing::Dir { dir, tz } => (dir, tz),
            Listing::Files(files) => return Ok(files.clone()),
        };
        let entries = std::fs::read_dir(dir).map_err(|source| PlaybackError::Io {
            what: format!("listing {}", dir.display()),
            source,
        })?;
        let mut out: Vec<(i64, PathBuf)> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name();
                let start = segment_start(name.to_str()?, tz)?;
                Some((start, e.path()))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// The listing from the last segment starting at or before `t_ms` (it
    /// may reach past `t_ms`) on.
    fn listing_from(&self, t_ms: i64) -> Result<Vec<(i64, PathBuf)>, PlaybackError> {
        let mut list = self.listing()?;
        let first = list.partition_point(|(s, _)| *s <= t_ms).saturating_sub(1);
        list.drain(..first);
        Ok(list)
    }

    /// Readable segments that may overlap `[from_ms, to_ms)`: the ones of the
    /// window are probed, no others.
    fn segments(&self, from_ms: i64, to_ms: i64) -> Result<Vec<SegmentFile>, PlaybackError> {
        let stop = StopFlag::default();
        let mut out = Vec::new();
        for (start, path) in self.listing_from(from_ms)? {
            if start >= to_ms {
                break;
            }
            match self.probes.segment(start, path, &stop)? {
                Some(s) if s.end_ms > from_ms => out.push(s),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Files left out (unreadable) or cut short (truncated), with why.
    pub fn skipped(&self) -> Vec<Skipped> {
        let mut v: Vec<Skipped> = self
            .probes
            .lock()
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

fn new_cache(prober: Prober) -> Arc<ProbeCache> {
    Arc::new(ProbeCache {
        map: Mutex::new(HashMap::new()),
        prober,
        runs: AtomicU64::new(0),
    })
}

/// The readable duration of a segment; a file whose index promises more
/// than its data holds is truncated: what is readable stays, and it is
/// reported.
fn probe(path: &Path, stop: &StopFlag) -> Probe {
    let mut input = open_recorded_file(path, stop.clone()).map_err(|e| e.to_string())?;
    let stated = input.stated_duration_ms();
    let (end, packets) = input.scan_duration_ms().map_err(|e| e.to_string())?;
    if packets == 0 || end <= 0 {
        return Err("no video frames".into());
    }
    let truncated = stated
        .filter(|s| *s > end.saturating_add(JOIN_TOLERANCE_MS))
        .map(|s| format!("truncated: {} ms of {} ms readable", end, s));
    Ok((end, truncated))
}

impl Recording for SegmentFolder {
    fn describe(&self) -> String {
        match &self.listing {
            Listing::Dir { dir, .. } => format!("segment folder {}", dir.display()),
            Listing::Files(f) => format!("{} offline files of {}", f.len(), self.name),
        }
    }

    fn spans(&self, from_ms: i64, to_ms: i64) -> Result<Vec<Span>, PlaybackError> {
        let mut out: Vec<Span> = Vec::new();
        for s in self.segments(from_ms, to_ms)? {
            let (a, b) = (s.start_ms.max(from_ms), s.end_ms.min(to_ms));
            match out.last_mut() {
                Some(last) if a.saturating_sub(last.end_ms) <= JOIN_TOLERANCE_MS => {
                    last.end_ms = last.end_ms.max(b)
                }
                _ => out.push(Span::new(a, b)),
            }
        }
        Ok(out)
    }

    /// Probes the segment at `t_ms` (and, when it is unreadable or ends
    /// before `t_ms`, the following ones until a readable one), no more.
    fn open(
        &self,
        t_ms: i64,
        decimation: Decimation,
        stop: StopFlag,
    ) -> Result<Box<dyn RecordingReader>, PlaybackError> {
        let mut reader = SegmentReader {
            cur: None,
            rest: self.listing_from(t_ms)?.into_iter(),
            probes: self.probes.clone(),
            input: None,
            pending: None,
            target: t_ms,
            decimation,
            stop,
        };
        loop {
            match reader.next_readable()? {
                None => return Err(PlaybackError::NoRecording(super::day::format_rfc3339(t_ms))),
                Some(seg) if seg.end_ms <= t_ms => continue,
                Some(seg) => {
                    reader.cur = Some(seg);
                    return Ok(Box::new(reader));
                }
            }
        }
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

/// Reads a run of segment files as one recording, probing each when it
/// gets to it.
pub struct SegmentReader {
    /// The segment being read (probed).
    cur: Option<SegmentFile>,
    /// The segments after it, not probed yet.
    rest: std::vec::IntoIter<(i64, PathBuf)>,
    probes: Arc<ProbeCache>,
    input: Option<RecordedInput>,
    /// The first frame of a fresh input, read while checking its seek.
    pending: Option<RecordedFrame>,
    target: i64,
    decimation: Decimation,
    stop: StopFlag,
}

/// How far back an inexact seek is retried at most (doubling from 1 s).
const MAX_SEEK_BACK_MS: i64 = 16_000;

impl SegmentReader {
    /// The next readable segment of `rest`, probing one at a time.
    fn next_readable(&mut self) -> Result<Option<SegmentFile>, PlaybackError> {
        for (start, path) in self.rest.by_ref() {
            if let Some(seg) = self.probes.segment(start, path, &self.stop)? {
                return Ok(Some(seg));
            }
        }
        Ok(None)
    }

    /// Opens the segment at the target. Containers without an index
    /// (MPEG-TS, some AVI) may seek past the keyframe before the target: when
    /// the first frame is a keyframe after it, the seek is retried from
    /// further back (1 s, doubling) and the frames before the target dropped.
    fn open_current(&mut self, seg: &SegmentFile) -> Result<(), MediaError> {
        let want = self.target.saturating_sub(seg.start_ms).max(0);
        let mut back = 0i64;
        // the first frame's offset at the last try: a retry that finds the
        // same frame shows the seek was exact (every frame a keyframe)
        let mut last: Option<Option<i64>> = None;
        loop {
            let from = want.saturating_sub(back).max(0);
            let mut input = open_recorded_file(&seg.path, self.stop.clone())?;
            input.set_decimation(self.decimation);
            input.seek_ms(from)?;
            let first = loop {
                match input.next_frame()? {
                    Some(f) if f.offset_ms < want => continue,
                    other => break other,
                }
            };
            let overshot = match &first {
                Some(f) => f.keyframe && f.offset_ms > want,
                None => true,
            };
            let exact_needed = !matches!(self.decimation, Decimation::KeyframesOnly);
            let seen = first.as_ref().map(|f| f.offset_ms);
            let same = last == Some(seen);
            last = Some(seen);
            if overshot && exact_needed && !same && from > 0 && back < MAX_SEEK_BACK_MS {
                back = if back == 0 { 1000 } else { back * 2 };
                continue;
            }
            self.pending = first;
            self.input = Some(input);
            return Ok(());
        }
    }

    /// Moves to the next readable segment; a hole before it is a gap.
    fn advance(&mut self) -> Result<Option<ReadEvent>, PlaybackError> {
        let prev_end = self.cur.take().map(|s| s.end_ms);
        self.input = None;
        self.pending = None;
        self.cur = self.next_readable()?;
        let Some(next) = &self.cur else {
            return Ok(None);
        };
        self.target = next.start_ms;
        Ok(prev_end
            .filter(|end| next.start_ms.saturating_sub(*end) > JOIN_TOLERANCE_MS)
            .map(|end| ReadEvent::Gap {
                from_ms: end,
                to_ms: next.start_ms,
            }))
    }
}

impl RecordingReader for SegmentReader {
    fn next(&mut self) -> Result<ReadEvent, PlaybackError> {
        loop {
            if self.stop.is_stopped() {
                return Err(MediaError::Stopped.into());
            }
            let Some(seg) = self.cur.clone() else {
                return Ok(ReadEvent::End);
            };
            if self.input.is_none() {
                if let Err(e) = self.open_current(&seg) {
                    if matches!(e, MediaError::Stopped) {
                        return Err(e.into());
                    }
                    tracing::warn!("segment {}: {e}", seg.path.display());
                    self.advance()?;
                    let to_ms = self.cur.as_ref().map_or(seg.start_ms, |s| s.start_ms);
                    return Ok(ReadEvent::Gap {
                        from_ms: seg.start_ms,
                        to_ms,
                    });
                }
            }
            let next = match self.pending.take() {
                Some(f) => Ok(Some(f)),
                None => self.input.as_mut().expect("input").next_frame(),
            };
            match next {
                Ok(Some(f)) => match seg.start_ms.checked_add(f.offset_ms) {
                    Some(ts) if bounds::in_bounds(ts) => {
                        return Ok(ReadEvent::Frame(DecodedFrame {
                            frame: f.frame,
                            ts_ms: ts,
                            keyframe: f.keyframe,
                        }))
                    }
                    // a timestamp out of any recording's range: a damaged tail
                    _ => tracing::warn!(
                        "segment {}: a frame {} ms in is out of range",
                        seg.path.display(),
                        f.offset_ms
                    ),
                },
                Ok(None) => {}
                Err(MediaError::Stopped) => return Err(MediaError::Stopped.into()),
                // a damaged tail ends the segment; what was read stands
                Err(e) => tracing::warn!("segment {}: {e}", seg.path.display()),
            }
            if let Some(gap) = self.advance()? {
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

    /// `n` empty files named as 5 s segments from `t0`; the probes are faked.
    fn fake_folder(n: i64, t0: i64, prober: Prober) -> (tempfile::TempDir, SegmentFolder) {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..n {
            let name = jiff::Timestamp::from_millisecond(t0 + i * 5000)
                .unwrap()
                .strftime("cam_%Y%m%d_%H%M%S.mp4")
                .to_string();
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let f = SegmentFolder::with_prober(dir.path().into(), TimeZone::UTC, prober).unwrap();
        (dir, f)
    }

    #[test]
    fn opening_at_a_position_probes_only_the_segments_there() {
        let t0 = parse_rfc3339("2025-08-29T00:00:00Z").unwrap();
        // 3000 segments (over 4 hours); every one 5 s long
        let (_dir, folder) = fake_folder(3000, t0, Arc::new(|_, _| Ok((5000, None))));
        let r = folder.open(t0 + 7_777_777, Decimation::All, StopFlag::default());
        assert!(r.is_ok());
        assert_eq!(folder.probe_count(), 1, "only the segment at the position");
        // in the last 100 ms of a segment that ends early: that one and the next
        let (_dir2, short) = fake_folder(3000, t0, Arc::new(|_, _| Ok((4000, None))));
        short
            .open(
                t0 + 5000 * 1500 + 4500,
                Decimation::All,
                StopFlag::default(),
            )
            .unwrap();
        assert_eq!(short.probe_count(), 2);
        // a coverage query probes its window only, and caches
        let spans = folder.spans(t0 + 60_000, t0 + 120_000).unwrap();
        assert_eq!(spans, vec![Span::new(t0 + 60_000, t0 + 120_000)]);
        assert_eq!(folder.probe_count(), 1 + 12);
        folder.spans(t0 + 60_000, t0 + 120_000).unwrap();
        assert_eq!(folder.probe_count(), 13, "cached");
        // past the last segment: nothing recorded, nothing probed beyond it
        let after = folder.open(t0 + 86_400_000, Decimation::All, StopFlag::default());
        assert!(matches!(after, Err(PlaybackError::NoRecording(_))));
        assert_eq!(folder.probe_count(), 14);
    }

    #[test]
    fn a_stop_flag_ends_a_run_of_probes_promptly() {
        let t0 = parse_rfc3339("2025-08-29T00:00:00Z").unwrap();
        let stop = StopFlag::default();
        let calls = Arc::new(AtomicU64::new(0));
        let (s2, c2) = (stop.clone(), calls.clone());
        // every file unreadable (a NAS full of damaged footage); the session
        // stops during the fifth probe
        let prober: Prober = Arc::new(move |_, _| {
            if c2.fetch_add(1, Ordering::SeqCst) + 1 == 5 {
                s2.stop();
            }
            Err("moov atom not found".into())
        });
        let (_dir, folder) = fake_folder(2000, t0, prober);
        let r = folder.open(t0 + 1000, Decimation::All, stop.clone());
        assert!(
            matches!(r, Err(PlaybackError::Media(MediaError::Stopped))),
            "stopped"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 5, "no probe after the stop");
        assert_eq!(
            folder.skipped().len(),
            4,
            "the interrupted probe is not cached"
        );
        // already stopped: nothing probed at all
        let r = folder.open(t0 + 500_000, Decimation::All, stop);
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn the_reader_probes_each_next_segment_when_it_gets_there() {
        let t0 = parse_rfc3339("2025-08-29T14:30:10Z").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let s = spec(Container::Mp4FastStart);
        for i in 0..4 {
            let name = format!("camera1_20250829_1430{}.mp4", 10 + i * 2);
            write_segment(&dir.path().join(name), &s, t0 + i * 2000, 2000).unwrap();
        }
        let folder = SegmentFolder::new(dir.path().into(), zone("UTC").unwrap()).unwrap();
        let mut r = folder
            .open(t0 + 500, Decimation::All, StopFlag::default())
            .unwrap();
        assert_eq!(folder.probe_count(), 1);
        let mut last = 0;
        for _ in 0..20 {
            match r.next().unwrap() {
                ReadEvent::Frame(f) => last = f.ts_ms,
                _ => panic!("no gap or end yet"),
            }
        }
        assert_eq!(last, t0 + 2400, "into the second segment");
        assert_eq!(folder.probe_count(), 2, "the third is not probed yet");
        let (ts, gaps) = read_all(&mut *r);
        assert!(gaps.is_empty());
        assert_eq!(ts.last(), Some(&(t0 + 7900)));
        assert_eq!(folder.probe_count(), 4);
    }
}
