//! Stream URLs with short-lived tokens (DSS, HikCentral, presigned links):
//! the ingest asks the resolver for a fresh URL at every connect and every
//! reconnect, against the real RTSP peer (GStreamer's server ignores the
//! query, as a VMS that checks the token would accept it), and the token
//! never appears in a status, describe() or Debug text.
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vigil_engine::ingest::{Ingest, Policy, State, StreamStatus};
use vigil_engine::media::resolving_input::{ResolvedUrl, Resolver, ResolvingInput};
use vigil_engine::media::rtsp_input::Transport;
use vigil_engine::media::source::{SourceOpener, StopFlag};
use vigil_engine::vms::StreamKind;
use vigil_tests::*;

const SECRET: &str = "s3cr3t-Tk";

fn policy() -> Policy {
    Policy {
        backoff_base: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(2),
        auth_attempts: 1,
    }
}

/// A resolver handing out `rtsp://…/cam1?token=<n>-SECRET` (user info
/// from `creds`), counting its calls and keeping the URLs it gave.
fn resolver(
    port: u16,
    creds: Option<&str>,
    calls: Arc<AtomicU32>,
    given: Arc<Mutex<Vec<String>>>,
) -> Resolver {
    let creds = creds.map(|c| format!("{c}@")).unwrap_or_default();
    Arc::new(move |_: &StopFlag| {
        let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
        let url = format!("rtsp://{creds}127.0.0.1:{port}/cam1?token={n}-{SECRET}&channel=1");
        given.lock().unwrap().push(url.clone());
        Ok(ResolvedUrl::new(url, Transport::Tcp))
    })
}

/// Waits until the status is `want`, collecting every status text seen.
async fn wait_for(
    rx: &mut tokio::sync::watch::Receiver<StreamStatus>,
    want: State,
    within: Duration,
    seen: &mut Vec<String>,
) -> bool {
    let deadline = Instant::now() + within;
    loop {
        {
            let s = rx.borrow_and_update();
            seen.push(format!("{:?} {:?}", s.state, s.reason));
            if s.state == want {
                return true;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.changed()).await {
            Ok(Ok(())) => {}
            _ => return false,
        }
    }
}

/// Waits for a picture whose VTC1 timecode is at least `after_ms`.
async fn picture_after(
    rx: &mut vigil_engine::ingest::PictureRx,
    after_ms: i64,
    within: Duration,
) -> Option<u64> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(tc) = rx
            .borrow_and_update()
            .as_ref()
            .and_then(|p| p.read_vtc1())
            .filter(|tc| *tc as i64 >= after_ms)
        {
            return Some(tc);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.changed()).await {
            Ok(Ok(())) => {}
            _ => return None,
        }
    }
}

fn assert_no_token(texts: &[String]) {
    for t in texts {
        assert!(!t.contains(SECRET), "token printed: {t}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reconnect_resolves_a_fresh_token_url_and_never_prints_it() {
    let port = free_port();
    let server = RtspServer::start(port, &[]);
    let calls = Arc::new(AtomicU32::new(0));
    let given = Arc::new(Mutex::new(Vec::new()));
    let input = Arc::new(ResolvingInput::new(
        "token site / camera 1",
        resolver(port, None, calls.clone(), given.clone()),
    ));
    let ingest = Ingest::start(
        1,
        "token-cam",
        StreamKind::Main,
        input.clone(),
        policy(),
        Box::new(|_, _| {}),
    );
    let mut pictures = ingest.subscribe((320, 180));
    let mut status = ingest.status();
    let mut seen = Vec::new();
    assert!(
        wait_for(&mut status, State::Live, Duration::from_secs(20), &mut seen).await,
        "live through a token URL: {seen:?}"
    );
    assert!(
        picture_after(&mut pictures, 0, Duration::from_secs(20))
            .await
            .is_some(),
        "pictures with VTC1"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one resolve per connect");

    server.stop();
    assert!(
        wait_for(
            &mut status,
            State::Reconnecting,
            Duration::from_secs(15),
            &mut seen
        )
        .await,
        "{seen:?}"
    );
    let restarted_at = vigil_engine::media::source::now_ms();
    let _server = RtspServer::start(port, &[]);
    assert!(
        wait_for(&mut status, State::Live, Duration::from_secs(30), &mut seen).await,
        "live again: {seen:?}"
    );
    assert!(
        picture_after(&mut pictures, restarted_at, Duration::from_secs(20))
            .await
            .is_some(),
        "new pictures after the restart"
    );
    let n = calls.load(Ordering::SeqCst);
    assert!(n >= 2, "every reconnect resolves again ({n} resolves)");
    assert_eq!(input.resolves(), n as u64);
    assert_eq!(ingest.attempts(), n, "one resolve per open attempt");
    // each connect used its own token
    let urls = given.lock().unwrap().clone();
    for (i, u) in urls.iter().enumerate() {
        assert!(u.contains(&format!("token={}-", i + 1)), "{u}");
    }
    seen.push(input.describe());
    seen.push(format!("{input:?}"));
    assert_no_token(&seen);
    assert!(
        seen.iter().any(|s| s.contains("token=***")),
        "the redacted URL is shown: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_url_is_auth_failed_once_without_the_secret() {
    let port = free_port();
    let _server = RtspServer::start(port, &["--user", "admin", "--password", "right"]);
    let calls = Arc::new(AtomicU32::new(0));
    let given = Arc::new(Mutex::new(Vec::new()));
    let input = Arc::new(ResolvingInput::new(
        "token site / camera 1",
        resolver(
            port,
            Some(&format!("admin:{SECRET}")),
            calls.clone(),
            given.clone(),
        ),
    ));
    // a direct open: the error text names the redacted URL only
    let e = input.open(StopFlag::default()).err().expect("refused");
    assert!(e.is_auth(), "{e}");
    let mut texts = vec![e.to_string(), format!("{e:?}")];
    assert!(texts[0].contains("rtsp://***@127.0.0.1"), "{}", texts[0]);

    let ingest = Ingest::start(
        2,
        "token-cam",
        StreamKind::Main,
        input.clone(),
        policy(),
        Box::new(|_, _| {}),
    );
    let mut status = ingest.status();
    assert!(
        wait_for(
            &mut status,
            State::AuthFailed,
            Duration::from_secs(15),
            &mut texts
        )
        .await,
        "{texts:?}"
    );
    // parked: no retry storm, so no further resolve
    let more = wait_for(
        &mut status,
        State::Live,
        Duration::from_secs(2),
        &mut Vec::new(),
    )
    .await;
    assert!(!more);
    assert_eq!(ingest.attempts(), 1);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "the direct open and one attempt"
    );
    texts.push(input.describe());
    assert_no_token(&texts);
}
