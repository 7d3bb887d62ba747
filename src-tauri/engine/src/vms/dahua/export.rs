//! Case clips from a Dahua device: `loadfile.cgi?action=startLoad` by time
//! (device local time, whole seconds: the window is widened to the seconds
//! around it), downloaded with digest auth. The footage worker keeps a
//! fast-start MP4 as it is and copies anything else (DHAV, MPEG-TS) into an
//! MP4 without re-encoding, cut to the window.
use std::sync::Arc;

use super::cgi::{time_param, Cgi};
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
        })
    }
}
