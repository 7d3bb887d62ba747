//! The local frame hub: a WebSocket server on 127.0.0.1 (random port) that
//! needs a per-launch token, and streams each tile's frames as binary
//! messages with latest-frame-wins backpressure (docs/hub-protocol.md).
pub mod accept;
pub mod client;
pub mod config;
pub mod origin;
pub mod playback_query;
mod playback_socket;
pub mod protocol;
mod server;
mod session;

pub use config::HubConfig;
pub use server::{start, Hub, HubInfo};
