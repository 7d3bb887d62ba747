//! Milestone XProtect through its Mobile Server (kind `milestone`,
//! PROTOCOLS.md 6.1): [`crypto`] (Diffie-Hellman, AES-256-CBC credentials,
//! CHAP answers), [`wire`] (the XML envelope and answers, the camera tree,
//! sequences and the binary frame header; pub for fuzzing), [`session`]
//! (Connect + LogIn, CHAP challenges, LiveMessage keepalive, a transparent
//! new connection when the server forgot ours), [`video`] (the video
//! WebSocket), [`stream`] (RequestStream/ChangeStream/CloseStream), and the
//! adapter side: [`site`] (kind and adapter), [`live`] (pushed JPEG frames
//! into the hub path), [`recording`] (GetSequences coverage, playback by
//! frame), [`ptz`] (steps and presets), [`second_step`] (the PIN of a
//! second login step) and [`export`] (investigation
//! exports for case clips).
pub mod crypto;
pub mod export;
pub mod live;
pub mod ptz;
pub mod recording;
pub mod second_step;
pub mod session;
pub mod site;
pub mod stream;
pub mod video;
pub mod wire;

pub use site::{MilestoneKind, MilestoneSite};
