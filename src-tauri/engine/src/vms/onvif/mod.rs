//! ONVIF (Profile S live + PTZ, Profile G search and replay) behind the VMS
//! seam. Wire layers: [`xml`] (tolerant reading), [`auth`] (UsernameToken),
//! [`soap`] (envelopes, HTTP digest, faults), [`clock`] (device time),
//! [`device`], [`media`], [`ptz`],
//! [`search`]; [`client`] ties them to one device. The adapter side: [`site`]
//! (devices and cameras), [`live`] (stream opener), [`control`] (PTZ),
//! [`recording`] (Profile G coverage).
pub mod auth;
pub mod client;
pub mod clock;
pub mod control;
pub mod device;
pub mod error;
pub mod live;
pub mod media;
pub mod ptz;
pub mod recording;
pub mod search;
pub mod site;
pub mod soap;
pub mod stored;
pub mod xml;

pub use client::{OnvifClient, Probe};
pub use error::OnvifError;
pub use site::{AddOnvifDevice, OnvifKind, OnvifSite};

/// Runs a future to completion from sync code (ingest threads, sync trait
/// methods), whether or not the caller is on a runtime thread.
pub(crate) fn block_on<F>(rt: &tokio::runtime::Handle, f: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| rt.block_on(f))
        }
        Ok(_) => std::thread::scope(|s| {
            s.spawn(|| rt.block_on(f))
                .join()
                .expect("ONVIF call thread")
        }),
        Err(_) => rt.block_on(f),
    }
}
