//! Accepts hub connections: loopback peers only, at most `max_connections`
//! at once (extras get a 503 and are closed), the WebSocket upgrade within
//! the handshake timeout, the Origin checked against the allow-list and the
//! token in constant time during the upgrade, then one session task per socket.
use std::net::SocketAddr;
use std::sync::Arc;

use rand::RngCore;
use serde::Serialize;
use subtle::ConstantTimeEq;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::accept::{accept_loop, AcceptBackoff};
use super::config::HubConfig;
use super::origin::origin_allowed;
use super::playback_query::{parse_playback_query, PlaybackRequest};
use super::protocol::{parse_live_query, LiveRequest, MAX_CONTROL_MESSAGE};
use crate::ingest::IngestManager;
use crate::playback::service::PlaybackService;

/// Where the hub is and the token to use it. Give it only to our own UI.
#[derive(Clone, Serialize, ts_rs::TS)]
pub struct HubInfo {
    pub url: String,
    pub token: String,
}

impl std::fmt::Debug for HubInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubInfo")
            .field("url", &self.url)
            .field("token", &"***")
            .finish()
    }
}

/// A running hub; dropping it stops accepting.
pub struct Hub {
    pub info: HubInfo,
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What every connection task shares.
struct Shared {
    token: String,
    cfg: HubConfig,
    ingests: Arc<IngestManager>,
    playback: Arc<PlaybackService>,
}

/// The whole answer to a connection over the cap.
const BUSY: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/// Binds 127.0.0.1:0 and serves until dropped. Call inside a tokio runtime.
pub async fn start(
    ingests: Arc<IngestManager>,
    playback: Arc<PlaybackService>,
    cfg: HubConfig,
) -> std::io::Result<Hub> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let info = HubInfo {
        url: format!("ws://{addr}"),
        token: token.clone(),
    };
    let slots = Arc::new(Semaphore::new(cfg.max_connections));
    let backoff = AcceptBackoff::new(cfg.accept_backoff_min, cfg.accept_backoff_max);
    let shared = Arc::new(Shared {
        token,
        cfg,
        ingests,
        playback,
    });
    let task = tokio::spawn(accept_loop(listener, backoff, move |sock, peer| {
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            // never blocks: a fresh socket's send buffer is empty
            let _ = sock.try_write(BUSY);
            tracing::debug!(
                "hub refused {peer}: {} connections open",
                shared.cfg.max_connections
            );
            return;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            if let Err(e) = serve(sock, peer, &shared).await {
                tracing::debug!("hub connection from {peer}: {e}");
            }
            drop(permit);
        });
    }));
    Ok(Hub { info, addr, task })
}

// tungstenite's handshake callback returns its (large) ErrorResponse by value.
#[allow(clippy::result_large_err)]
async fn serve(sock: TcpStream, peer: SocketAddr, shared: &Shared) -> Result<(), String> {
    if !peer.ip().is_loopback() {
        return Err(format!("refused non-loopback peer {peer}"));
    }
    let _ = sock.set_nodelay(true);
    let mut request: Option<Route> = None;
    let ws_cfg = WebSocketConfig {
        max_message_size: Some(MAX_CONTROL_MESSAGE),
        max_frame_size: Some(MAX_CONTROL_MESSAGE),
        ..Default::default()
    };
    let upgrade = tokio_tungstenite::accept_hdr_async_with_config(
        sock,
        |req: &Request, resp: Response| match check(req, shared) {
            Ok(r) => {
                request = Some(r);
                Ok(resp)
            }
            Err((status, why)) => {
                let mut e = ErrorResponse::new(Some(why));
                *e.status_mut() = status;
                Err(e)
            }
        },
        Some(ws_cfg),
    );
    let ws = tokio::time::timeout(shared.cfg.handshake_timeout, upgrade)
        .await
        .map_err(|_| "no WebSocket upgrade within the handshake timeout".to_string())?
        .map_err(|e| e.to_string())?;
    match request.ok_or("no request")? {
        Route::Live(r) => super::session::run(ws, r, shared.ingests.clone()).await,
        Route::Playback(r) => super::playback_socket::run(ws, r, shared.playback.clone()).await,
    }
    Ok(())
}

/// What an upgrade request asks for.
enum Route {
    Live(LiveRequest),
    Playback(PlaybackRequest),
}

fn check(req: &Request, shared: &Shared) -> Result<Route, (StatusCode, String)> {
    let origins: Vec<&[u8]> = req
        .headers()
        .get_all("origin")
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    if !origin_allowed(&origins, &shared.cfg.allowed_origins) {
        return Err((StatusCode::FORBIDDEN, "origin not allowed".into()));
    }
    let query = req.uri().query().unwrap_or("");
    let given = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if given.is_empty() || !bool::from(given.as_bytes().ct_eq(shared.token.as_bytes())) {
        return Err((StatusCode::UNAUTHORIZED, "missing or wrong token".into()));
    }
    let bad = |e: String| (StatusCode::BAD_REQUEST, e);
    match req.uri().path() {
        "/v1/live" => parse_live_query(query).map(Route::Live).map_err(bad),
        "/v1/playback" => parse_playback_query(query)
            .map(Route::Playback)
            .map_err(bad),
        other => Err((StatusCode::NOT_FOUND, format!("no such path {other}"))),
    }
}
