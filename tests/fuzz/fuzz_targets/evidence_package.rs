//! Incident package inputs a verifier reads from a package of unknown
//! origin: manifest.json (Manifest::parse), clip annotations, SHA256SUMS,
//! public_key.pem, trusted-key files and fingerprints, all on the same bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vigil_engine::evidence::annotation::Annotation;
use vigil_engine::evidence::key::{normalize_fingerprint, parse_public_key_pem, parse_trust_file};
use vigil_engine::evidence::package::manifest::{is_plain_path, is_reserved, Manifest};
use vigil_engine::evidence::package::sums::parse_sums;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::parse(data) {
        for f in &m.files {
            assert!(is_plain_path(&f.path) && !is_reserved(&f.path));
            assert!(!f.path.split('/').any(|p| p == ".."));
        }
        assert!(m.signing_key.verifying_key().is_some());
        let again = serde_json::to_vec(&m).unwrap();
        assert_eq!(Manifest::parse(&again).unwrap(), m);
    }
    let _ = Annotation::parse(data);
    let text = String::from_utf8_lossy(data);
    if let Ok(sums) = parse_sums(&text) {
        for (p, h) in sums {
            assert!(!p.is_empty() && h.len() == 64);
        }
    }
    let _ = parse_public_key_pem(&text);
    for fp in parse_trust_file(&text) {
        assert_eq!(fp.len(), 64);
    }
    if let Some(fp) = normalize_fingerprint(&text) {
        assert_eq!(normalize_fingerprint(&fp), Some(fp.clone()));
    }
});
