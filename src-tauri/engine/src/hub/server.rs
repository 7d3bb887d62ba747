//! Accepts hub connections: loopback peers only, token checked in constant
//! time during the WebSocket upgrade, then one session task per socket.
use std::net::SocketAddr;
use std::sync::Arc;

use rand::RngCore;
use serde::Serialize;
use subtle::ConstantTimeEq;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

use super::playback_query::{parse_playback_query, PlaybackRequest};
use super::protocol::{parse_live_query, LiveRequest};
use crate::ingest::IngestManager;
use crate::playback::service::PlaybackService;

/// Where the hub is and the token to use it. Give it only to our own UI.
#[derive(Clone, Serialize)]
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

/// Binds 127.0.0.1:0 and serves until dropped. Call inside a tokio runtime.
pub async fn start(
    ingests: Arc<IngestManager>,
    playback: Arc<PlaybackService>,
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
    let token = Arc::new(token);
    let task = tokio::spawn(async move {
        loop {
            let Ok((sock, peer)) = listener.accept().await else {
                continue;
            };
            let (token, ingests, playback) = (token.clone(), ingests.clone(), playback.clone());
            tokio::spawn(async move {
                if let Err(e) = serve(sock, peer, &token, ingests, playback).await {
                    tracing::debug!("hub connection from {peer}: {e}");
                }
            });
        }
    });
    Ok(Hub { info, addr, task })
}

// tungstenite's handshake callback returns its (large) ErrorResponse by value.
#[allow(clippy::result_large_err)]
async fn serve(
    sock: TcpStream,
    peer: SocketAddr,
    token: &str,
    ingests: Arc<IngestManager>,
    playback: Arc<PlaybackService>,
) -> Result<(), String> {
    if !peer.ip().is_loopback() {
        return Err(format!("refused non-loopback peer {peer}"));
    }
    let _ = sock.set_nodelay(true);
    let mut request: Option<Route> = None;
    let ws =
        tokio_tungstenite::accept_hdr_async(sock, |req: &Request, resp: Response| {
            match check(req, token) {
                Ok(r) => {
                    request = Some(r);
                    Ok(resp)
                }
                Err((status, why)) => {
                    let mut e = ErrorResponse::new(Some(why));
                    *e.status_mut() = status;
                    Err(e)
                }
            }
        })
        .await
        .map_err(|e| e.to_string())?;
    match request.ok_or("no request")? {
        Route::Live(r) => super::session::run(ws, r, ingests).await,
        Route::Playback(r) => super::playback_socket::run(ws, r, playback).await,
    }
    Ok(())
}

/// What an upgrade request asks for.
enum Route {
    Live(LiveRequest),
    Playback(PlaybackRequest),
}

fn check(req: &Request, token: &str) -> Result<Route, (StatusCode, String)> {
    let query = req.uri().query().unwrap_or("");
    let given = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if given.is_empty() || !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
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
