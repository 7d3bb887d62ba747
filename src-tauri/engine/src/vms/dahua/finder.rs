//! Recording search with `mediaFileFind.cgi`: `factory.create` a finder,
//! `findFile` the window (device local time), page with `findNextFile`
//! (at most 100 a page, until `found=0`), then always `close` and
//! `destroy` it, also on errors and when the search is dropped half-way
//! (the [`FinderGuard`] releases it from its `Drop`): finder handles are a
//! scarce device resource.
use std::sync::Arc;

use jiff::civil::DateTime;

use super::cgi::{time_param, Cgi};
use super::kv::{self, FoundFile};
use crate::vms::remote_error::RemoteError;

/// Files asked for per page (the documented maximum).
pub const PAGE: usize = 100;
/// A search stops after this many pages (100 000 files).
pub const MAX_PAGES: usize = 1000;

/// An open finder; released exactly once, by [`FinderGuard::release`] or on drop.
pub struct FinderGuard {
    cgi: Arc<Cgi>,
    id: Option<String>,
}

impl FinderGuard {
    /// `factory.create`.
    pub async fn create(cgi: Arc<Cgi>) -> Result<Self, RemoteError> {
        let pq = "mediaFileFind.cgi?action=factory.create";
        let t = cgi.get_text(pq).await?;
        let id = kv::value(&kv::parse_kv(&t), "result")
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string)
            .ok_or_else(|| cgi.protocol(pq, "no finder id (result=) in the answer"))?;
        Ok(Self { cgi, id: Some(id) })
    }

    pub fn id(&self) -> &str {
        self.id.as_deref().unwrap_or_default()
    }

    /// `close` then `destroy` (both tried; the first failure is returned).
    pub async fn release(mut self) -> Result<(), RemoteError> {
        match self.id.take() {
            Some(id) => release(&self.cgi, &id).await,
            None => Ok(()),
        }
    }
}

async fn release(cgi: &Cgi, id: &str) -> Result<(), RemoteError> {
    let close = cgi
        .action(&format!("mediaFileFind.cgi?action=close&object={id}"))
        .await;
    let destroy = cgi
        .action(&format!("mediaFileFind.cgi?action=destroy&object={id}"))
        .await;
    close.and(destroy)
}

impl Drop for FinderGuard {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let cgi = self.cgi.clone();
            match tokio::runtime::Handle::try_current() {
                Ok(h) => {
                    h.spawn(async move {
                        if let Err(e) = release(&cgi, &id).await {
                            tracing::warn!("releasing finder {id}: {e}");
                        }
                    });
                }
                Err(_) => tracing::warn!("finder {id} dropped outside a runtime: not released"),
            }
        }
    }
}

/// The files of `channel` (1-based) overlapping `[from, to]` (device local time).
pub async fn find_files(
    cgi: &Arc<Cgi>,
    channel: u32,
    from: DateTime,
    to: DateTime,
) -> Result<Vec<FoundFile>, RemoteError> {
    let finder = FinderGuard::create(cgi.clone()).await?;
    let r = search(cgi, finder.id(), channel, from, to).await;
    let released = finder.release().await;
    let files = r?;
    if let Err(e) = released {
        tracing::warn!("{e}");
    }
    Ok(files)
}

async fn search(
    cgi: &Cgi,
    id: &str,
    channel: u32,
    from: DateTime,
    to: DateTime,
) -> Result<Vec<FoundFile>, RemoteError> {
    let pq = format!(
        "mediaFileFind.cgi?action=findFile&object={id}&condition.Channel={channel}&condition.StartTime={}&condition.EndTime={}",
        time_param(from),
        time_param(to)
    );
    match cgi.get_text(&pq).await {
        Ok(t) if kv::is_ok(&t) => {}
        Ok(_) => return Err(cgi.protocol(&pq, "findFile did not answer OK")),
        // firmware answers findFile with "Error" when the window holds nothing
        Err(e) if e.status == Some(400) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    }
    let mut out = Vec::new();
    for _ in 0..MAX_PAGES {
        let pq = format!("mediaFileFind.cgi?action=findNextFile&object={id}&count={PAGE}");
        let t = cgi.get_text(&pq).await?;
        match kv::find_page(&t) {
            Some((0, _)) | None => break,
            Some((_, files)) => out.extend(files),
        }
    }
    Ok(out)
}
