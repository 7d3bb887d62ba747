//! The worker's local health endpoint: any HTTP GET on the address answers
//! the worker's figures as JSON (`connected`, `inFlight`, `done`,
//! `deadLettered`, `failed`, `lastError`). Requests are read up to 8 KiB
//! with a 2 s deadline; nothing in them is interpreted.
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::stats::Stats;
use super::BusError;

/// Binds `addr` and serves the figures until the task is aborted; returns
/// the bound address (port 0 picks one).
pub async fn serve(
    addr: SocketAddr,
    stats: Arc<Stats>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), BusError> {
    let l = TcpListener::bind(addr)
        .await
        .map_err(|e| BusError::Config(format!("--health {addr}: {e}")))?;
    let bound = l
        .local_addr()
        .map_err(|e| BusError::Config(format!("--health {addr}: {e}")))?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                continue;
            };
            let stats = stats.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut n = 0;
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    while n < buf.len() {
                        match s.read(&mut buf[n..]).await {
                            Ok(0) | Err(_) => break,
                            Ok(k) => n += k,
                        }
                        if buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                            break;
                        }
                    }
                })
                .await;
                let body = serde_json::to_string(&stats.health()).unwrap_or_default();
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    Ok((bound, task))
}
