//! The hub's accept loop: a failed `accept()` (EMFILE when descriptors run
//! out, ENOBUFS, ...) pauses the loop with a doubling back-off instead of
//! retrying at once, so a flood of sockets cannot make it spin; the first
//! success resets the back-off.
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// The pause after each failed `accept()` in a row: `min`, doubling up to `max`.
#[derive(Debug, Clone)]
pub struct AcceptBackoff {
    min: Duration,
    max: Duration,
    next: Option<Duration>,
}

impl AcceptBackoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        // a zero pause would be a spin: never below 1 ms
        let min = min.max(Duration::from_millis(1));
        Self {
            min,
            max: max.max(min),
            next: None,
        }
    }

    /// Records a failure; returns how long to pause before the next attempt.
    pub fn failed(&mut self) -> Duration {
        let d = self.next.unwrap_or(self.min);
        self.next = Some((d * 2).min(self.max));
        d
    }

    /// Records a success: the next failure starts again at `min`.
    pub fn succeeded(&mut self) {
        self.next = None;
    }

    /// Whether the last attempt failed.
    pub fn failing(&self) -> bool {
        self.next.is_some()
    }
}

/// Something that hands out connections, as a listening socket does.
pub trait Acceptor {
    type Conn;
    /// The next connection; `None` when the acceptor is closed for good.
    fn accept(
        &mut self,
    ) -> impl std::future::Future<Output = Option<io::Result<(Self::Conn, SocketAddr)>>> + Send;
    /// Waits out a back-off pause (tests replace the clock).
    fn pause(&mut self, d: Duration) -> impl std::future::Future<Output = ()> + Send {
        tokio::time::sleep(d)
    }
}

impl Acceptor for tokio::net::TcpListener {
    type Conn = tokio::net::TcpStream;
    async fn accept(&mut self) -> Option<io::Result<(Self::Conn, SocketAddr)>> {
        Some(tokio::net::TcpListener::accept(self).await)
    }
}

/// Accepts until the acceptor closes, handing each connection to `handle`.
pub async fn accept_loop<A: Acceptor>(
    mut acceptor: A,
    mut backoff: AcceptBackoff,
    mut handle: impl FnMut(A::Conn, SocketAddr),
) {
    while let Some(r) = acceptor.accept().await {
        match r {
            Ok((conn, peer)) => {
                if backoff.failing() {
                    tracing::info!("hub accepts connections again");
                }
                backoff.succeeded();
                handle(conn, peer);
            }
            Err(e) => {
                if !backoff.failing() {
                    tracing::warn!("hub cannot accept connections ({e}); backing off");
                }
                let d = backoff.failed();
                acceptor.pause(d).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let mut b = AcceptBackoff::new(MS(50), MS(1000));
        let got: Vec<_> = (0..8).map(|_| b.failed().as_millis()).collect();
        assert_eq!(got, [50, 100, 200, 400, 800, 1000, 1000, 1000]);
        b.succeeded();
        assert_eq!(b.failed(), MS(50));
    }

    #[test]
    fn backoff_never_zero() {
        let mut b = AcceptBackoff::new(Duration::ZERO, Duration::ZERO);
        assert!((0..5).all(|_| b.failed() >= MS(1)));
    }

    /// Replays a script of accept results and records the pauses asked for.
    struct Scripted {
        script: VecDeque<io::Result<u32>>,
        log: Vec<String>,
    }

    impl Acceptor for &mut Scripted {
        type Conn = u32;
        async fn accept(&mut self) -> Option<io::Result<(u32, SocketAddr)>> {
            let peer: SocketAddr = "127.0.0.1:1".parse().unwrap();
            self.script.pop_front().map(|r| r.map(|c| (c, peer)))
        }
        async fn pause(&mut self, d: Duration) {
            self.log.push(format!("pause {}", d.as_millis()));
        }
    }

    #[tokio::test]
    async fn every_accept_error_is_followed_by_a_pause() {
        let emfile = || Err(io::Error::from_raw_os_error(24));
        let mut s = Scripted {
            script: VecDeque::from(vec![
                Ok(1),
                emfile(),
                emfile(),
                emfile(),
                emfile(),
                emfile(),
                emfile(),
                emfile(),
                Ok(2),
                emfile(),
                Ok(3),
            ]),
            log: Vec::new(),
        };
        let mut conns = Vec::new();
        accept_loop(&mut s, AcceptBackoff::new(MS(50), MS(1000)), |c, _| {
            conns.push(c)
        })
        .await;
        assert_eq!(conns, [1, 2, 3]);
        assert_eq!(
            s.log,
            [
                "pause 50",
                "pause 100",
                "pause 200",
                "pause 400",
                "pause 800",
                "pause 1000",
                "pause 1000",
                "pause 50"
            ]
        );
    }
}
