//! The Origin check of a hub upgrade request: no Origin header (the CLI and
//! native clients) or exactly one of the allowed origins; anything else, a
//! repeated header or a non-text value is refused, even with the token.

/// Whether an upgrade request carrying these `Origin` header values may
/// proceed. `values` are the raw header values in order (empty: no header).
pub fn origin_allowed(values: &[&[u8]], allowed: &[String]) -> bool {
    match values {
        [] => true,
        [one] => std::str::from_utf8(one)
            .map(|o| o.trim())
            .is_ok_and(|o| !o.is_empty() && allowed.iter().any(|a| a.eq_ignore_ascii_case(o))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        crate::hub::HubConfig::default().allowed_origins
    }

    #[test]
    fn no_origin_and_app_origins_pass() {
        let a = allowed();
        assert!(origin_allowed(&[], &a));
        for o in [
            "tauri://localhost",
            "http://tauri.localhost",
            "https://tauri.localhost",
        ] {
            assert!(origin_allowed(&[o.as_bytes()], &a), "{o}");
        }
        assert!(origin_allowed(&[b"TAURI://localhost"], &a));
    }

    #[test]
    fn other_origins_fail() {
        let a = allowed();
        for o in [
            "http://evil.example",
            "null",
            "",
            "http://localhost:1420",
            "tauri://localhost.evil.example",
            "http://tauri.localhost:8080",
            "tauri://localhost/",
        ] {
            assert!(!origin_allowed(&[o.as_bytes()], &a), "{o}");
        }
        assert!(!origin_allowed(&[b"\xff\xfe"], &a));
        assert!(!origin_allowed(
            &[b"tauri://localhost", b"http://evil.example"],
            &a
        ));
    }

    #[test]
    fn configured_origin_passes() {
        let mut cfg = crate::hub::HubConfig::default();
        cfg.allow_origin("http://127.0.0.1:5173/");
        assert!(origin_allowed(
            &[b"http://127.0.0.1:5173"],
            &cfg.allowed_origins
        ));
        assert!(!origin_allowed(
            &[b"http://127.0.0.1:5174"],
            &cfg.allowed_origins
        ));
    }
}
