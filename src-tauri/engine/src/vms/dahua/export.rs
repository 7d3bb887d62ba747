//! Case clips from a Dahua device: `loadfile.cgi?action=startLoad` by time
//! (device local time, whole seconds: the window is widened to the seconds
//! around it), downloaded with digest auth. The footage worker keeps a
//! fast-start MP4 as it is and copies anything else (DHAV, MPEG-TS) into an
//! MP4 without re-encoding, cut to the window. Bytes some firmware sends
//! before the first `DHAV` frame are dropped as the download streams
//! ([`super::dhav`]).
use std::sync::Arc;

use super::cgi::{time_param, Cgi};
use super::dhav::PreambleStripper;
use super::site::Inner;
use super::stored::DahuaCamera;
use crate::vms::export::{
    error_chain, ClipExporter, ExportError, ExportErrorKind, ExportFuture, ExportRequest,
    ExportedClip,
};

pub struct DahuaExporter {
    pub(crate) inner: Arc<Inner>,
    pub(crate) cam: DahuaCamera,
    pub(crate) cgi: Arc<Cgi>,
}

impl ClipExporter for DahuaExporter {
    fn describe(&self) -> String {
        format!("{} channel {}", self.inner.label(), self.cam.channel)
    }

    fn http(&self) -> &reqwest::Client {
        self.cgi.digest().http()
    }

    fn prepare<'a>(&'a self, r: &'a ExportRequest) -> ExportFuture<'a, ExportedClip> {
        Box::pin(async move {
            let zone = self.inner.zone().await.map_err(|e| {
                let kind = match crate::error::HasKind::kind(&e) {
                    crate::error::ErrorKind::AuthFailed => ExportErrorKind::AuthFailed,
                    crate::error::ErrorKind::Unreachable => ExportErrorKind::Unreachable,
                    _ => ExportErrorKind::Protocol,
                };
                ExportError::new(kind, &self.describe(), e.to_string())
            })?;
            let from = zone.local(r.from_ms);
            let to = zone.local(r.to_ms + 999);
            let url = self.cgi.url(&format!(
                "loadfile.cgi?action=startLoad&channel={}&startTime={}&endTime={}&subtype=0",
                self.inner.cgi_channel(self.cam.channel),
                time_param(from),
                time_param(to)
            ));
            let mut clip = ExportedClip::get(url);
            clip.starts_at_ms = zone.utc_ms(from);
            Ok(clip)
        })
    }

    fn fetch<'a>(&'a self, clip: &'a ExportedClip) -> ExportFuture<'a, reqwest::Response> {
        Box::pin(async move {
            self.cgi
                .digest()
                .send_streaming(clip.method.clone(), &clip.url, None)
                .await
                .map_err(|e| {
                    let kind = match crate::error::HasKind::kind(&e) {
                        crate::error::ErrorKind::AuthFailed => ExportErrorKind::AuthFailed,
                        crate::error::ErrorKind::Unreachable => ExportErrorKind::Unreachable,
                        _ => ExportErrorKind::Protocol,
                    };
                    ExportError::new(kind, &clip.printable(), error_chain(&e))
                })
                .map(strip_dhav_preamble)
        })
    }
}

/// The same answer with any bytes before the first `DHAV` frame dropped as
/// it streams ([`PreambleStripper`]); an answer shorter than its announced
/// length ends in an error (the footage worker then reports it truncated).
fn strip_dhav_preamble(resp: reqwest::Response) -> reqwest::Response {
    if !resp.status().is_success() {
        return resp;
    }
    let announced = resp.content_length();
    let mut parts = http::Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        if k != reqwest::header::CONTENT_LENGTH {
            parts = parts.header(k, v);
        }
    }
    struct State {
        resp: reqwest::Response,
        strip: PreambleStripper,
        got: u64,
        done: bool,
    }
    let state = State {
        resp,
        strip: PreambleStripper::new(),
        got: 0,
        done: false,
    };
    let body = futures_util::stream::unfold(state, move |mut st| async move {
        loop {
            if st.done {
                return None;
            }
            match st.resp.chunk().await {
                Ok(Some(c)) => {
                    st.got += c.len() as u64;
                    let out = st.strip.push(&c);
                    if !out.is_empty() {
                        return Some((Ok(out), st));
                    }
                }
                Ok(None) => {
                    st.done = true;
                    if announced.is_some_and(|n| n != st.got) {
                        let e = std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            format!(
                                "the answer ended after {} of {} bytes",
                                st.got,
                                announced.unwrap_or_default()
                            ),
                        );
                        return Some((Err(e), st));
                    }
                    if st.strip.skipped() > 0 {
                        tracing::info!(
                            "Dahua download: {} bytes before the first DHAV frame dropped",
                            st.strip.skipped()
                        );
                    }
                    let rest = st.strip.finish();
                    if rest.is_empty() {
                        return None;
                    }
                    return Some((Ok(rest), st));
                }
                Err(e) => {
                    st.done = true;
                    return Some((Err(std::io::Error::other(error_chain(&e))), st));
                }
            }
        }
    });
    match parts.body(reqwest::Body::wrap_stream(body)) {
        Ok(r) => reqwest::Response::from(r),
        Err(_) => unreachable!("the status and headers came from a response"),
    }
}
