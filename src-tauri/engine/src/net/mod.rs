//! Network security shared by every HTTP-based site kind and by FFmpeg:
//! certificate pins ([`pin`]), the rustls client configuration with system
//! roots or a per-site pin ([`tls`]), reqwest clients built on it and the
//! typed TLS errors read back from a failed request ([`http`]), requests
//! signed with a site account (digest, or Basic over HTTPS: [`digest`]), a probe
//! that reports a server's certificate whatever its trust ([`probe`]), and
//! the TLS options FFmpeg gets for `https://`/`rtsps://` ([`ffmpeg`]).
//! Design note: docs/tls.md.
pub mod digest;
pub mod error;
pub mod ffmpeg;
pub mod http;
pub mod pin;
pub mod probe;
pub mod tls;

pub use error::TlsError;
pub use pin::CertPin;
