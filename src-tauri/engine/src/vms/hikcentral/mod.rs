//! HikCentral Professional through its OpenAPI (Artemis) gateway, site kind
//! `hikcentral` (PROTOCOLS.md section 4): AK/SK request signing
//! ([`signer`]), the gateway client ([`client`]), the answers' parsers
//! ([`api`]), the kind and adapter ([`site`]), recordings from the playback
//! URL answers ([`recording`]), PTZ ([`ptz`]) and case clips from the
//! download flow ([`export`]) or, without one, from the playback stream
//! copied to local files ([`stream_copy`]).
pub mod api;
pub mod client;
pub mod export;
pub mod ptz;
pub mod recording;
pub mod signer;
pub mod site;
pub mod stream_copy;

pub use site::HikCentralKind;
