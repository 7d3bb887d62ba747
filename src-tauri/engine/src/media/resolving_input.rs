//! Network sources whose URL is short-lived: a VMS hands out an RTSP or HTTP
//! URL carrying a token (`?token=`, `key=`, `signature=`, user info, or a
//! one-time path such as HikCentral's `openUrl/<id>`), valid for one session
//! or a few minutes. [`ResolvingInput`] asks its resolver for a fresh URL at
//! every open, so every reconnect of the ingest gets a new token, then opens
//! it as [`NetworkInput`] does. The URL is never printed: describe, Debug,
//! logs and error texts use its redacted form (or the adapter's own
//! printable form when the secret is in the path).
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::rtsp_input::{NetworkInput, Transport};
use super::source::{DecodedFrame, FrameSource, SourceOpener, StopFlag};
use super::MediaError;
use crate::secrets::redact::{redact_text, redact_url};

/// A URL to open now, as the VMS handed it out.
#[derive(Clone)]
pub struct ResolvedUrl {
    /// RTSP(S) or HTTP(S); may carry credentials and tokens.
    pub url: String,
    pub transport: Transport,
    /// How to print this URL when its secret is somewhere [`redact_url`]
    /// cannot see (a token in the path); `None`: the redacted URL.
    pub printable: Option<String>,
}

impl ResolvedUrl {
    pub fn new(url: impl Into<String>, transport: Transport) -> Self {
        Self {
            url: url.into(),
            transport,
            printable: None,
        }
    }

    /// What may be printed of this URL.
    pub fn printable(&self) -> String {
        match &self.printable {
            Some(p) => redact_text(p),
            None => redact_url(&self.url),
        }
    }
}

impl std::fmt::Debug for ResolvedUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedUrl")
            .field("url", &self.printable())
            .field("transport", &self.transport)
            .finish()
    }
}

/// Asks the VMS for a fresh URL; called on the ingest thread at every open.
/// It should give up soon after `stop` is set.
pub type Resolver = Arc<dyn Fn(&StopFlag) -> Result<ResolvedUrl, MediaError> + Send + Sync>;

/// A [`SourceOpener`] that resolves its URL again at every connect.
pub struct ResolvingInput {
    /// What the source is (site and camera), printed in status and logs.
    label: String,
    resolver: Resolver,
    pub open_timeout: Duration,
    pub stall_after: Duration,
    /// The printable form of the URL last resolved.
    last: Mutex<Option<String>>,
    resolves: AtomicU64,
}

impl std::fmt::Debug for ResolvingInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvingInput")
            .field("source", &self.describe())
            .field("resolves", &self.resolves())
            .finish()
    }
}

impl ResolvingInput {
    /// A source named `label` whose URL `resolver` gives at every open.
    pub fn new(label: impl Into<String>, resolver: Resolver) -> Self {
        let defaults = NetworkInput::new("", Transport::Tcp);
        Self {
            label: redact_text(&label.into()),
            resolver,
            open_timeout: defaults.open_timeout,
            stall_after: defaults.stall_after,
            last: Mutex::new(None),
            resolves: AtomicU64::new(0),
        }
    }

    /// A source whose resolver is async (an adapter's HTTP call): each open
    /// runs `resolve()` on `handle` and waits for it on the ingest thread,
    /// at most `timeout`, giving up at once when the ingest is stopped.
    /// Safe to call from any thread (it never blocks inside the runtime).
    pub fn with_async<F, Fut>(
        label: impl Into<String>,
        handle: tokio::runtime::Handle,
        timeout: Duration,
        resolve: F,
    ) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ResolvedUrl, MediaError>> + Send + 'static,
    {
        let label = redact_text(&label.into());
        let name = label.clone();
        let resolver: Resolver =
            Arc::new(move |stop: &StopFlag| run_async(&handle, &name, timeout, stop, resolve()));
        Self::new(label, resolver)
    }

    /// How many URLs were resolved so far (one per open attempt).
    pub fn resolves(&self) -> u64 {
        self.resolves.load(Ordering::SeqCst)
    }
}

/// Runs `fut` on `handle` and waits for its answer on this thread.
fn run_async(
    handle: &tokio::runtime::Handle,
    name: &str,
    timeout: Duration,
    stop: &StopFlag,
    fut: impl Future<Output = Result<ResolvedUrl, MediaError>> + Send + 'static,
) -> Result<ResolvedUrl, MediaError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let task = handle.spawn(async move {
        let _ = tx.send(fut.await);
    });
    let started = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(r) => return r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if stop.is_stopped() {
                    task.abort();
                    return Err(MediaError::Stopped);
                }
                if started.elapsed() >= timeout {
                    task.abort();
                    return Err(MediaError::Resolve {
                        source_name: name.to_string(),
                        reason: format!("no answer within {} s", timeout.as_secs_f32()),
                    });
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(MediaError::Resolve {
                    source_name: name.to_string(),
                    reason:
                        "the resolver stopped without an answer (runtime shut down or task failed)"
                            .into(),
                })
            }
        }
    }
}

/// The error with every URL it names replaced by `printable`, and any
/// free text redacted (an adapter's resolver error is its own text).
pub fn with_printable_url(e: MediaError, printable: &str) -> MediaError {
    let p = || printable.to_string();
    match e {
        MediaError::AuthFailed { .. } => MediaError::AuthFailed { url: p() },
        MediaError::Open { source, .. } => MediaError::Open { url: p(), source },
        MediaError::NoVideo { .. } => MediaError::NoVideo { url: p() },
        MediaError::UnsupportedCodec { codec, .. } => {
            MediaError::UnsupportedCodec { url: p(), codec }
        }
        MediaError::Ended { .. } => MediaError::Ended { url: p() },
        MediaError::Read { source, .. } => MediaError::Read { url: p(), source },
        MediaError::Rtsp { reason, .. } => MediaError::Rtsp {
            url: p(),
            reason: redact_text(&reason),
        },
        other => scrub(other),
    }
}

/// Redacts the free-text fields of an error (resolver errors come from
/// adapters, which may quote the URL they fetched).
fn scrub(e: MediaError) -> MediaError {
    match e {
        MediaError::AuthFailed { url } => MediaError::AuthFailed {
            url: redact_text(&url),
        },
        MediaError::Open { url, source } => MediaError::Open {
            url: redact_text(&url),
            source,
        },
        MediaError::NoVideo { url } => MediaError::NoVideo {
            url: redact_text(&url),
        },
        MediaError::UnsupportedCodec { url, codec } => MediaError::UnsupportedCodec {
            url: redact_text(&url),
            codec,
        },
        MediaError::Ended { url } => MediaError::Ended {
            url: redact_text(&url),
        },
        MediaError::Read { url, source } => MediaError::Read {
            url: redact_text(&url),
            source,
        },
        MediaError::Resolve {
            source_name,
            reason,
        } => MediaError::Resolve {
            source_name: redact_text(&source_name),
            reason: redact_text(&reason),
        },
        MediaError::BadPicture {
            source_name,
            reason,
        } => MediaError::BadPicture {
            source_name: redact_text(&source_name),
            reason: redact_text(&reason),
        },
        MediaError::Encode(s) => MediaError::Encode(redact_text(&s)),
        other => other,
    }
}

impl SourceOpener for ResolvingInput {
    fn open(&self, stop: StopFlag) -> Result<Box<dyn FrameSource>, MediaError> {
        self.resolves.fetch_add(1, Ordering::SeqCst);
        let resolved = (self.resolver)(&stop).map_err(scrub)?;
        if stop.is_stopped() {
            return Err(MediaError::Stopped);
        }
        let printable = resolved.printable();
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(printable.clone());
        tracing::debug!("{}: opening {printable}", self.label);
        let input = NetworkInput {
            url: resolved.url,
            transport: resolved.transport,
            open_timeout: self.open_timeout,
            stall_after: self.stall_after,
        };
        let inner = input
            .open(stop)
            .map_err(|e| with_printable_url(e, &printable))?;
        Ok(Box::new(ResolvedSource { inner, printable }))
    }

    fn describe(&self) -> String {
        match &*self.last.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(url) => format!("{} ({url})", self.label),
            None => format!("{} (URL resolved at connect)", self.label),
        }
    }
}

/// An open stream whose errors name the printable URL only.
struct ResolvedSource {
    inner: Box<dyn FrameSource>,
    printable: String,
}

impl FrameSource for ResolvedSource {
    fn next_frame(&mut self) -> Result<DecodedFrame, MediaError> {
        self.inner
            .next_frame()
            .map_err(|e| with_printable_url(e, &self.printable))
    }
    fn timing(&self) -> Option<super::source::FrameTiming> {
        self.inner.timing()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    const SECRET: &str = "Tk9-secret-value";

    fn closed_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    fn counting(url: String, printable: Option<String>) -> (Resolver, Arc<AtomicU32>) {
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let r: Resolver = Arc::new(move |_: &StopFlag| {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(ResolvedUrl {
                url: url.replace("{n}", &n.to_string()),
                transport: Transport::Tcp,
                printable: printable.clone(),
            })
        });
        (r, calls)
    }

    fn assert_clean(text: &str) {
        for s in [SECRET, "pw-Zz8", "sg-77", "ak-42"] {
            assert!(!text.contains(s), "{s} printed in: {text}");
        }
    }

    #[test]
    fn every_open_resolves_again_and_nothing_prints_the_token() {
        let port = closed_port();
        for url in [
            format!("rtsp://127.0.0.1:{port}/live/cam1?token={SECRET}{{n}}&channel=1"),
            format!("rtsp://admin:pw-Zz8@127.0.0.1:{port}/s?signature=sg-77&key={SECRET}"),
            format!("http://127.0.0.1:{port}/mjpg?access_token={SECRET}&X-Auth-Token=ak-42"),
        ] {
            let (resolver, calls) = counting(url, None);
            let input = ResolvingInput::new("dss site 1 camera 7", resolver);
            assert_clean(&input.describe());
            for attempt in 1..=3 {
                let e = match input.open(StopFlag::default()) {
                    Err(e) => e,
                    Ok(_) => panic!("nothing listens on {port}"),
                };
                assert_eq!(calls.load(Ordering::SeqCst), attempt);
                assert_clean(&e.to_string());
                assert_clean(&format!("{e:?}"));
                assert!(e.to_string().contains("127.0.0.1"), "{e}");
                assert_clean(&input.describe());
                assert_clean(&format!("{input:?}"));
            }
            assert_eq!(input.resolves(), 3);
            assert!(
                input.describe().contains("127.0.0.1"),
                "{}",
                input.describe()
            );
        }
    }

    #[test]
    fn a_token_in_the_path_prints_as_the_adapter_says() {
        let port = closed_port();
        let (resolver, _) = counting(
            format!("rtsp://127.0.0.1:{port}/openUrl/{SECRET}"),
            Some(format!("rtsp://127.0.0.1:{port}/openUrl/***")),
        );
        let input = ResolvingInput::new("hikcentral camera 3", resolver);
        let e = input.open(StopFlag::default()).err().expect("refused");
        assert_clean(&e.to_string());
        assert!(e.to_string().contains("openUrl/***"), "{e}");
        assert_clean(&input.describe());
    }

    #[test]
    fn a_resolver_error_is_redacted_and_keeps_its_kind() {
        let r: Resolver = Arc::new(|_: &StopFlag| {
            Err(MediaError::AuthFailed {
                url: format!("https://dss/brms/api/v1.0/accounts/authorize?token={SECRET}"),
            })
        });
        let input = ResolvingInput::new("dss", r);
        let e = input.open(StopFlag::default()).err().expect("fails");
        assert!(e.is_auth(), "{e}");
        assert_clean(&e.to_string());
    }

    #[test]
    fn an_async_resolver_runs_on_the_runtime_times_out_and_stops() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let port = closed_port();
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        let input = ResolvingInput::with_async(
            "async site",
            rt.handle().clone(),
            Duration::from_secs(5),
            move || {
                let n = c.fetch_add(1, Ordering::SeqCst);
                async move {
                    tokio::task::yield_now().await;
                    Ok(ResolvedUrl::new(
                        format!("rtsp://127.0.0.1:{port}/a?token={SECRET}{n}"),
                        Transport::Tcp,
                    ))
                }
            },
        );
        let e = input.open(StopFlag::default()).err().expect("refused");
        assert!(matches!(e, MediaError::Open { .. }), "{e}");
        assert_clean(&e.to_string());
        input.open(StopFlag::default()).err().expect("refused");
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        // a resolver that never answers: a timeout, or Stopped when asked to stop
        let slow = ResolvingInput::with_async(
            "slow site",
            rt.handle().clone(),
            Duration::from_millis(200),
            std::future::pending,
        );
        let e = slow.open(StopFlag::default()).err().expect("times out");
        assert!(matches!(e, MediaError::Resolve { .. }), "{e}");
        assert!(e.to_string().contains("slow site"), "{e}");
        let stop = StopFlag::default();
        stop.stop();
        let slow = ResolvingInput::with_async(
            "slow site",
            rt.handle().clone(),
            Duration::from_secs(60),
            std::future::pending,
        );
        assert!(matches!(slow.open(stop), Err(MediaError::Stopped)));
    }
}
