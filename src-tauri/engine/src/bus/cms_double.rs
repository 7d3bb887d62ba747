//! A recording CMS double for tests and `vigil bench bus`: `POST
//! /cases/{id}/media` appends a link (JSON with `FileName`, `PointerUrl`)
//! and `GET /cases/{id}/media` lists them, on 127.0.0.1 with plain
//! threads. Every POST is recorded, duplicates included, so a test can say
//! "each file linked exactly once"; `fail_next` makes the next requests
//! answer 503 (a CMS outage).
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One recorded POST.
#[derive(Debug, Clone)]
pub struct Link {
    pub case_id: String,
    pub file_name: String,
    pub pointer_url: String,
    /// ms since the epoch when it arrived.
    pub at_ms: i64,
}

#[derive(Default)]
struct State {
    links: Mutex<Vec<Link>>,
    fail: AtomicUsize,
    stop: AtomicBool,
}

/// The running double; stops when dropped.
pub struct CmsDouble {
    pub port: u16,
    state: Arc<State>,
}

impl CmsDouble {
    pub fn start() -> std::io::Result<Self> {
        let l = TcpListener::bind("127.0.0.1:0")?;
        let port = l.local_addr()?.port();
        let state = Arc::new(State::default());
        let st = state.clone();
        std::thread::Builder::new()
            .name("cms-double".into())
            .spawn(move || {
                for s in l.incoming() {
                    if st.stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(s) = s else { continue };
                    let st = st.clone();
                    std::thread::spawn(move || {
                        let _ = serve(s, &st);
                    });
                }
            })?;
        Ok(Self { port, state })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every POST so far, in arrival order.
    pub fn links(&self) -> Vec<Link> {
        self.state
            .links
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// How many times each (case, file name) was posted.
    pub fn counts(&self) -> BTreeMap<(String, String), usize> {
        let mut m = BTreeMap::new();
        for l in self.links() {
            *m.entry((l.case_id, l.file_name)).or_insert(0) += 1;
        }
        m
    }

    /// The next `n` requests answer 503.
    pub fn fail_next(&self, n: usize) {
        self.state.fail.store(n, Ordering::SeqCst);
    }
}

impl Drop for CmsDouble {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(s: TcpStream, st: &State) -> std::io::Result<()> {
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut r = BufReader::new(s.try_clone()?);
    let mut w = s;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_string(),
            parts.next().unwrap_or("").to_string(),
        );
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            if r.read_line(&mut h)? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0).min(1 << 20);
                }
            }
        }
        let mut body = vec![0u8; len];
        r.read_exact(&mut body)?;
        let (status, out) = answer(st, &method, &path, &body);
        write!(
            w,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{out}",
            out.len()
        )?;
        w.flush()?;
    }
}

fn answer(st: &State, method: &str, path: &str, body: &[u8]) -> (&'static str, String) {
    if st
        .fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return ("503 Service Unavailable", "{}".into());
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let case_id = match parts.as_slice() {
        ["cases", id, "media"] => id.to_string(),
        _ => return ("404 Not Found", "{}".into()),
    };
    let mut links = st.links.lock().unwrap_or_else(|p| p.into_inner());
    match method {
        "GET" => {
            let list: Vec<serde_json::Value> = links
                .iter()
                .filter(|l| l.case_id == case_id)
                .map(|l| serde_json::json!({"CaseId": l.case_id, "FileName": l.file_name, "PointerUrl": l.pointer_url}))
                .collect();
            ("200 OK", serde_json::Value::from(list).to_string())
        }
        "POST" => {
            let v: serde_json::Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(_) => return ("400 Bad Request", "{}".into()),
            };
            let (Some(f), Some(p)) = (v["FileName"].as_str(), v["PointerUrl"].as_str()) else {
                return ("400 Bad Request", "{}".into());
            };
            links.push(Link {
                case_id,
                file_name: f.to_string(),
                pointer_url: p.to_string(),
                at_ms: crate::media::source::now_ms(),
            });
            ("201 Created", "{}".into())
        }
        _ => ("405 Method Not Allowed", "{}".into()),
    }
}
