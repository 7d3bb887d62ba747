//! Vigil's engine: everything that is not UI. VMS adapters behind one seam,
//! the video path (ffmpeg-next ingest, decode, scale), the loopback frame hub,
//! the SQLite store and OS-keyring secrets. Builds and tests without WebKit.
pub mod bindings;
pub mod bookmarks;
pub mod bus;
pub mod cases;
pub mod clock;
pub mod config;
pub mod engine;
pub mod engine_sites;
pub mod error;
pub mod evidence;
pub mod file_name;
pub mod footage;
pub mod hub;
pub mod ingest;
pub mod media;
pub mod net;
pub mod offline;
pub mod playback;
pub mod ptz;
pub mod rtsp;
pub mod secrets;
pub mod store;
pub mod thumbnails;
pub mod ui_state;
pub mod vms;
