//! RTSP/1.0 messages as they arrive on a TCP connection: responses
//! (status line, headers, a body of `Content-Length` bytes) interleaved with
//! `$`-framed RTP/RTCP data (RFC 2326 §10.12), and the odd request a server
//! sends to its client. [`parse_item`] is incremental: it returns `None`
//! until a whole item is buffered, and refuses heads and bodies beyond caps.

/// Largest status line + headers accepted.
pub const MAX_HEAD: usize = 16 * 1024;
/// Largest body accepted (an SDP, a GET_PARAMETER answer).
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// Every header named `name`, in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn cseq(&self) -> Option<u32> {
        self.header("CSeq")?.trim().parse().ok()
    }
}

/// One item read from the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Response(Response),
    /// Interleaved data on `channel` (even: RTP, odd: RTCP by convention).
    Data {
        channel: u8,
        payload: Vec<u8>,
    },
    /// A request from the server (ignored: servers tolerate no answer to
    /// the few they send, such as a keepalive of their own).
    Request {
        method: String,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MessageError {
    #[error("the server's message head is over {MAX_HEAD} bytes")]
    HeadTooLarge,
    #[error("the server's message body of {0} bytes is over {MAX_BODY}")]
    BodyTooLarge(usize),
    #[error("unreadable status line {0:?}")]
    BadStatusLine(String),
    #[error("unreadable header line {0:?}")]
    BadHeader(String),
    #[error("unreadable Content-Length {0:?}")]
    BadLength(String),
}

/// The next complete item at the start of `buf` and how many bytes it took;
/// `Ok(None)` when more bytes are needed.
pub fn parse_item(buf: &[u8]) -> Result<Option<(Item, usize)>, MessageError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    if first == b'$' {
        if buf.len() < 4 {
            return Ok(None);
        }
        let len = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
        if buf.len() < 4 + len {
            return Ok(None);
        }
        return Ok(Some((
            Item::Data {
                channel: buf[1],
                payload: buf[4..4 + len].to_vec(),
            },
            4 + len,
        )));
    }
    // blank lines between messages are allowed
    let skip = buf
        .iter()
        .take_while(|b| **b == b'\r' || **b == b'\n')
        .count();
    if skip > 0 {
        return Ok(parse_item(&buf[skip..])?.map(|(item, n)| (item, n + skip)));
    }
    let Some(head_end) = find_head_end(buf) else {
        if buf.len() > MAX_HEAD {
            return Err(MessageError::HeadTooLarge);
        }
        return Ok(None);
    };
    if head_end.0 > MAX_HEAD {
        return Err(MessageError::HeadTooLarge);
    }
    let head = String::from_utf8_lossy(&buf[..head_end.0]);
    let mut lines = head.split('\n').map(|l| l.trim_end_matches('\r'));
    let start = lines.next().unwrap_or_default().to_string();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // a folded continuation of the previous header
            match headers.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                None => return Err(MessageError::BadHeader(clip(line))),
            }
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| MessageError::BadHeader(clip(line)))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let length = match headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
    {
        Some((_, v)) => v
            .parse::<usize>()
            .map_err(|_| MessageError::BadLength(clip(v)))?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err(MessageError::BodyTooLarge(length));
    }
    let total = head_end.1 + length;
    if buf.len() < total {
        return Ok(None);
    }
    let body = buf[head_end.1..total].to_vec();
    if let Some(rest) = start.strip_prefix("RTSP/") {
        let mut parts = rest.splitn(3, ' ');
        let _version = parts.next();
        let status = parts
            .next()
            .and_then(|s| s.parse::<u16>().ok())
            .filter(|s| (100..1000).contains(s))
            .ok_or_else(|| MessageError::BadStatusLine(clip(&start)))?;
        let reason = parts.next().unwrap_or_default().to_string();
        return Ok(Some((
            Item::Response(Response {
                status,
                reason,
                headers,
                body,
            }),
            total,
        )));
    }
    let mut parts = start.split(' ');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(method), Some(_), Some(v)) if v.starts_with("RTSP/") && !method.is_empty() => {
            Ok(Some((
                Item::Request {
                    method: clip(method),
                },
                total,
            )))
        }
        _ => Err(MessageError::BadStatusLine(clip(&start))),
    }
}

/// (end of the head without the blank line, start of the body).
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let limit = buf.len().min(MAX_HEAD + 4);
    let b = &buf[..limit];
    for i in 0..b.len() {
        if b[i..].starts_with(b"\r\n\r\n") {
            return Some((i, i + 4));
        }
        if b[i..].starts_with(b"\n\n") {
            return Some((i, i + 2));
        }
    }
    None
}

/// At most 80 characters of a hostile line, for an error message.
fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// The session id and timeout (seconds, 60 when absent) of a `Session` header.
pub fn parse_session(value: &str) -> (String, u64) {
    let mut parts = value.split(';');
    let id = parts.next().unwrap_or_default().trim().to_string();
    let timeout = parts
        .filter_map(|p| p.trim().strip_prefix("timeout="))
        .find_map(|t| t.trim().parse::<u64>().ok())
        .filter(|t| *t > 0)
        .unwrap_or(60);
    (id, timeout.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_then_data() {
        let mut buf =
            b"RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Length: 3\r\nSession: 12;timeout=30\r\n\r\nv=0"
                .to_vec();
        buf.extend_from_slice(&[b'$', 0, 0, 2, 0xAA, 0xBB]);
        let (item, n) = parse_item(&buf).unwrap().unwrap();
        let Item::Response(r) = item else { panic!() };
        assert_eq!(
            (r.status, r.cseq(), r.body.as_slice()),
            (200, Some(2), &b"v=0"[..])
        );
        assert_eq!(
            parse_session(r.header("session").unwrap()),
            ("12".into(), 30)
        );
        let (item, m) = parse_item(&buf[n..]).unwrap().unwrap();
        assert_eq!(
            item,
            Item::Data {
                channel: 0,
                payload: vec![0xAA, 0xBB]
            }
        );
        assert_eq!(n + m, buf.len());
    }

    #[test]
    fn partial_and_hostile_input() {
        assert_eq!(parse_item(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n").unwrap(), None);
        assert_eq!(parse_item(&[b'$', 0, 0, 9, 1]).unwrap(), None);
        assert!(parse_item(b"RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n").is_err());
        assert!(parse_item(b"RTSP/1.0 xx OK\r\n\r\n").is_err());
        assert!(parse_item(&vec![b'a'; MAX_HEAD + 10]).is_err());
        let (item, _) = parse_item(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(
            item,
            Item::Request {
                method: "OPTIONS".into()
            }
        );
    }
}
