//! Dahua DSS Pro / DSS Express as a site (kind `dss`), from PROTOCOLS.md 5.2
//! and 5.3: [`login`] (the two-step MD5 signature), [`wire`] (the JSON
//! answers: challenge, login, tree, media URLs, records; pub for fuzzing),
//! [`session`] (one logged-in token per site, kept alive before it expires,
//! logged in again after it has, logged out on close), and the adapter side:
//! [`site`] (kind and adapter), [`live`] (token URLs resolved per connect),
//! [`recording`] (QueryRecords coverage and playback by time) and [`ptz`].
pub mod live;
pub mod login;
pub mod ptz;
pub mod recording;
pub mod session;
pub mod site;
pub mod wire;

pub use site::{DssKind, DssSite};

/// Runs a future to completion from sync code (ingest and playback
/// threads, sync trait methods), whether or not the caller is on a runtime.
pub(crate) fn block_on<F>(rt: &tokio::runtime::Handle, f: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| rt.block_on(f))
        }
        Ok(_) => {
            std::thread::scope(|s| s.spawn(|| rt.block_on(f)).join().expect("DSS call thread"))
        }
        Err(_) => rt.block_on(f),
    }
}
