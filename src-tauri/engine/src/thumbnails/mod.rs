//! Timeline thumbnails: the picture of a camera's recording at a time,
//! scaled to thumbnail size (JPEG), for the playback timeline's hover. Kept
//! in an LRU cache keyed by camera and second; made on blocking threads with
//! bounded concurrency (a semaphore), so hovering never takes a playback
//! session's thread and at most [`Thumbnails::new`]'s `workers` decodes run.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::engine::Engine;
use crate::error::{ErrorKind, HasKind};
use ffmpeg_next::{format::Pixel, frame, software::scaling};

use crate::media::source::StopFlag;
use crate::playback::{Decimation, ReadEvent, Recording};
use crate::vms::StreamKind;

/// Thumbnails are at most this wide and high (the aspect is kept).
pub const THUMB_BOX: (u32, u32) = (192, 108);
/// Times within the same second share a thumbnail.
pub const QUANTUM_MS: i64 = 1_000;

/// A thumbnail as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename_all = "camelCase")]
pub struct Thumbnail {
    pub camera: String,
    /// The time asked for, rounded down to [`QUANTUM_MS`].
    #[ts(type = "number")]
    pub at_ms: i64,
    /// The time of the frame shown.
    #[ts(type = "number")]
    pub frame_ms: i64,
    pub width: u32,
    pub height: u32,
    /// `data:image/jpeg;base64,...`
    pub data_url: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ThumbnailError {
    #[error("thumbnail of {camera}: {source}")]
    Camera {
        camera: String,
        source: Box<crate::vms::VmsError>,
    },
    #[error("thumbnail of {camera}: {source}")]
    Playback {
        camera: String,
        source: Box<crate::playback::PlaybackError>,
    },
    #[error("thumbnail of {camera}: nothing recorded at {at}")]
    NoRecording { camera: String, at: String },
    #[error("thumbnail: {0}")]
    Image(String),
    #[error("thumbnail: the worker stopped")]
    Stopped,
}

impl HasKind for ThumbnailError {
    fn kind(&self) -> ErrorKind {
        match self {
            ThumbnailError::Camera { source, .. } => source.kind(),
            ThumbnailError::Playback { source, .. } => source.kind(),
            ThumbnailError::NoRecording { .. } => ErrorKind::NotFound,
            ThumbnailError::Image(_) | ThumbnailError::Stopped => ErrorKind::Internal,
        }
    }
}

type Key = (String, i64);

/// A small LRU map: a use stamp per entry; the stalest goes when full.
struct Lru {
    cap: usize,
    tick: u64,
    map: HashMap<Key, (u64, Arc<Thumbnail>)>,
}

impl Lru {
    fn get(&mut self, k: &Key) -> Option<Arc<Thumbnail>> {
        self.tick += 1;
        let t = self.tick;
        self.map.get_mut(k).map(|e| {
            e.0 = t;
            e.1.clone()
        })
    }

    fn put(&mut self, k: Key, v: Arc<Thumbnail>) {
        self.tick += 1;
        if !self.map.contains_key(&k) && self.map.len() >= self.cap {
            if let Some(old) = self
                .map
                .iter()
                .min_by_key(|(_, e)| e.0)
                .map(|(k, _)| k.clone())
            {
                self.map.remove(&old);
            }
        }
        self.map.insert(k, (self.tick, v));
    }
}

/// The thumbnail cache and its bounded workers.
pub struct Thumbnails {
    cache: Mutex<Lru>,
    permits: Arc<Semaphore>,
}

impl Thumbnails {
    /// Keeps up to `capacity` thumbnails; makes at most `workers` at once.
    pub fn new(capacity: usize, workers: usize) -> Self {
        Self {
            cache: Mutex::new(Lru {
                cap: capacity.max(1),
                tick: 0,
                map: HashMap::new(),
            }),
            permits: Arc::new(Semaphore::new(workers.max(1))),
        }
    }

    /// How many thumbnails are cached.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached thumbnail for `camera` at `at_ms`, or one made by `make`
    /// (on a blocking thread, one of the bounded workers) and cached.
    pub async fn get_or_make<F>(
        &self,
        camera: &str,
        at_ms: i64,
        make: F,
    ) -> Result<Arc<Thumbnail>, ThumbnailError>
    where
        F: FnOnce(i64) -> Result<Thumbnail, ThumbnailError> + Send + 'static,
    {
        let at = at_ms.div_euclid(QUANTUM_MS) * QUANTUM_MS;
        let key = (camera.to_string(), at);
        if let Some(t) = self.lock().get(&key) {
            return Ok(t);
        }
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ThumbnailError::Stopped)?;
        // another request may have made it while this one waited
        if let Some(t) = self.lock().get(&key) {
            return Ok(t);
        }
        let t = tokio::task::spawn_blocking(move || make(at))
            .await
            .map_err(|_| ThumbnailError::Stopped)??;
        let t = Arc::new(t);
        self.lock().put(key, t.clone());
        Ok(t)
    }
}

/// The frame shown at `at_ms`: the last at or before it, or the first
/// after it within one frame interval (a recording starting just later).
fn frame_at(
    rec: &dyn Recording,
    camera: &str,
    at_ms: i64,
) -> Result<(frame::Video, i64), ThumbnailError> {
    let interval = rec.frame_interval_ms().unwrap_or(40.0).max(1.0);
    let pb = |source| ThumbnailError::Playback {
        camera: camera.to_string(),
        source: Box::new(source),
    };
    let lead = (2.0 * interval).ceil() as i64 + 1;
    let mut reader = rec
        .open(at_ms - lead, Decimation::All, StopFlag::default())
        .map_err(pb)?;
    let mut best = None;
    loop {
        match reader.next().map_err(pb)? {
            ReadEvent::Frame(f) if f.ts_ms <= at_ms => best = Some((f.frame, f.ts_ms)),
            ReadEvent::Frame(f) => {
                if best.is_none() && (f.ts_ms - at_ms) as f64 <= interval {
                    best = Some((f.frame, f.ts_ms));
                }
                break;
            }
            ReadEvent::Gap { .. } => {}
            ReadEvent::End => break,
        }
    }
    best.ok_or_else(|| ThumbnailError::NoRecording {
        camera: camera.to_string(),
        at: crate::cases::rfc3339_ms(at_ms),
    })
}

/// Scales a decoded frame into [`THUMB_BOX`] (aspect kept) and encodes it
/// as JPEG (quality 75).
pub fn thumbnail_jpeg(f: &frame::Video) -> Result<(Vec<u8>, u32, u32), ThumbnailError> {
    let err = ThumbnailError::Image;
    let (w, h) = crate::media::picture::fit_size((f.width(), f.height()), THUMB_BOX);
    let (w, h) = (w.max(2), h.max(2));
    let mut sws = scaling::Context::get(
        f.format(),
        f.width(),
        f.height(),
        Pixel::RGB24,
        w,
        h,
        scaling::Flags::AREA,
    )
    .map_err(|e| err(e.to_string()))?;
    let mut rgb = frame::Video::empty();
    sws.run(f, &mut rgb).map_err(|e| err(e.to_string()))?;
    let stride = rgb.stride(0);
    let mut packed = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h as usize {
        packed.extend_from_slice(&rgb.data(0)[y * stride..y * stride + w as usize * 3]);
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 75)
        .encode(&packed, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|e| err(e.to_string()))?;
    Ok((out, w, h))
}

impl Engine {
    /// The picture of `camera`'s recording at `at_ms` (the frame shown at
    /// that time), thumbnail-sized, from `cache` or decoded and cached.
    /// The sub stream's recording is used when the camera records one.
    pub async fn thumbnail(
        &self,
        cache: &Thumbnails,
        camera: &str,
        at_ms: i64,
    ) -> Result<Arc<Thumbnail>, ThumbnailError> {
        let cam_err = |source| ThumbnailError::Camera {
            camera: camera.to_string(),
            source: Box::new(source),
        };
        let rec = match self.registry.recording(camera, StreamKind::Sub) {
            Ok(r) => r,
            Err(_) => self
                .registry
                .recording(camera, StreamKind::Main)
                .map_err(cam_err)?,
        };
        let cam = camera.to_string();
        cache
            .get_or_make(camera, at_ms, move |at| {
                let (f, frame_ms) = frame_at(rec.as_ref(), &cam, at)?;
                let (jpeg, width, height) = thumbnail_jpeg(&f)?;
                Ok(Thumbnail {
                    camera: cam,
                    at_ms: at,
                    frame_ms,
                    width,
                    height,
                    data_url: format!(
                        "data:image/jpeg;base64,{}",
                        base64::engine::general_purpose::STANDARD.encode(jpeg)
                    ),
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn thumb(cam: &str, at: i64) -> Thumbnail {
        Thumbnail {
            camera: cam.into(),
            at_ms: at,
            frame_ms: at,
            width: 1,
            height: 1,
            data_url: String::new(),
        }
    }

    #[tokio::test]
    async fn cached_per_second_and_least_recently_used_goes() {
        let t = Thumbnails::new(2, 1);
        let made = Arc::new(AtomicUsize::new(0));
        let get = |at: i64| {
            let made = made.clone();
            let t = &t;
            async move {
                t.get_or_make("c", at, move |a| {
                    made.fetch_add(1, Ordering::SeqCst);
                    Ok(thumb("c", a))
                })
                .await
                .unwrap()
            }
        };
        assert_eq!(get(1_500).await.at_ms, 1_000);
        assert_eq!(get(1_999).await.at_ms, 1_000); // same second: cached
        assert_eq!(made.load(Ordering::SeqCst), 1);
        get(2_000).await;
        get(1_000).await; // touch 1 s: 2 s is now the stalest
        get(3_000).await; // evicts 2 s
        assert_eq!(t.len(), 2);
        assert_eq!(made.load(Ordering::SeqCst), 3);
        get(1_000).await;
        assert_eq!(made.load(Ordering::SeqCst), 3, "1 s stayed");
        get(2_000).await;
        assert_eq!(made.load(Ordering::SeqCst), 4, "2 s was evicted");
    }

    #[test]
    fn scales_into_the_box_keeping_the_aspect() {
        crate::media::init();
        let mut f = frame::Video::new(Pixel::YUV420P, 640, 360);
        for (plane, v) in [(0, 150u8), (1, 44), (2, 21)] {
            f.data_mut(plane).fill(v);
        }
        let (out, w, h) = thumbnail_jpeg(&f).unwrap();
        assert_eq!((w, h), (192, 108));
        let back = image::load_from_memory(&out).unwrap().to_rgb8();
        let p = back.get_pixel(96, 54);
        assert!(p[1] > 150 && p[0] < 100 && p[2] < 100, "green: {p:?}");
    }
}
