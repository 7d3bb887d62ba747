//! TLS verification for what FFmpeg opens itself (`https://` streams and
//! recordings, `rtsps://`). FFmpeg's `tls` protocol verifies nothing unless
//! `tls_verify=1`; these options are set on every network open (an
//! `http://` URL may redirect to `https://`).
//!
//! Backends: the Linux build links GnuTLS (Debian's FFmpeg), pointed at
//! the system CA bundle with `ca_file` (GnuTLS also checks the host name);
//! the Windows build (PyAV's FFmpeg DLLs, `--disable-gnutls`) uses
//! Schannel, which verifies against the Windows store and ignores
//! `ca_file`. What cannot be done through FFmpeg options (a pinned
//! self-signed certificate; `rtsps://`, whose RTSP client opens its TLS
//! connection without the caller's options) is in docs/tls.md.
use std::path::Path;
use std::sync::OnceLock;

/// Where Linux distributions keep the system CA bundle (PEM), in the
/// order rustls-native-certs and OpenSSL probe them.
const CA_BUNDLES: [&str; 5] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The system CA bundle FFmpeg's TLS is pointed to (`SSL_CERT_FILE` first,
/// as OpenSSL and rustls-native-certs read it); `None` on Windows, where
/// Schannel uses the system store.
pub fn system_ca_file() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if cfg!(windows) {
                return None;
            }
            std::env::var_os("SSL_CERT_FILE")
                .map(std::path::PathBuf::from)
                .into_iter()
                .chain(CA_BUNDLES.iter().map(std::path::PathBuf::from))
                .find(|p| p.is_file())
        })
        .as_deref()
}

/// The FFmpeg open options that make its TLS verify the server.
pub fn tls_options() -> Vec<(&'static str, String)> {
    let mut out = vec![("tls_verify", "1".to_string())];
    if let Some(ca) = system_ca_file().and_then(Path::to_str) {
        out.push(("ca_file", ca.to_string()));
    }
    out
}

/// Sets [`tls_options`] on FFmpeg open options.
pub fn require_verification(options: &mut ffmpeg_next::Dictionary<'_>) {
    for (k, v) in tls_options() {
        options.set(k, &v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_is_always_asked_for() {
        let opts = tls_options();
        assert_eq!(opts[0], ("tls_verify", "1".to_string()));
        if cfg!(target_os = "linux") {
            let ca = opts.iter().find(|(k, _)| *k == "ca_file");
            assert!(
                ca.is_some_and(|(_, p)| Path::new(p).is_file()),
                "a Linux machine has a CA bundle: {opts:?}"
            );
        }
        let mut d = ffmpeg_next::Dictionary::new();
        require_verification(&mut d);
        assert_eq!(d.get("tls_verify"), Some("1"));
    }
}
