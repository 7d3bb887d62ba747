//! WS-Security UsernameToken with PasswordDigest (OASIS UsernameToken
//! Profile 1.0, as ONVIF Core requires): digest = Base64(SHA1(nonce ‖ created
//! ‖ password)); `Created` is stamped with the *device's* clock (local UTC
//! plus the offset measured with GetSystemDateAndTime).
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand::RngCore;
use sha1::{Digest, Sha1};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const DIGEST_TYPE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
const B64_TYPE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";

/// `Base64(SHA1(nonce_raw ‖ created ‖ password))`.
pub fn password_digest(nonce_raw: &[u8], created: &str, password: &str) -> String {
    let mut h = Sha1::new();
    h.update(nonce_raw);
    h.update(created.as_bytes());
    h.update(password.as_bytes());
    B64.encode(h.finalize())
}

/// `Created` text: UTC, millisecond precision, `Z` suffix (what ODM sends and
/// strict firmwares accept).
pub fn created_text(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// The `<wsse:Security>` header for one request: a fresh 16-byte nonce
/// (never reused: devices treat a repeat as replay) and `created` (device time).
pub fn security_header(user: &str, password: &str, created: OffsetDateTime) -> String {
    let mut nonce = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut nonce);
    security_header_with(user, password, &nonce, &created_text(created))
}

fn security_header_with(user: &str, password: &str, nonce: &[u8], created: &str) -> String {
    let digest = password_digest(nonce, created, password);
    format!(
        concat!(
            r#"<wsse:Security s:mustUnderstand="1" xmlns:wsse="{wsse}" xmlns:wsu="{wsu}">"#,
            "<wsse:UsernameToken><wsse:Username>{user}</wsse:Username>",
            r#"<wsse:Password Type="{dt}">{digest}</wsse:Password>"#,
            r#"<wsse:Nonce EncodingType="{bt}">{nonce}</wsse:Nonce>"#,
            "<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
        ),
        wsse = WSSE,
        wsu = WSU,
        user = super::soap::escape(user),
        dt = DIGEST_TYPE,
        digest = digest,
        bt = B64_TYPE,
        nonce = B64.encode(nonce),
        created = created,
    )
}

/// Parses an `xs:dateTime` in UTC (`…Z` or with an offset).
pub fn parse_utc(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ONVIF Application Programmer's Guide vector (PROTOCOLS.md 1.2).
    #[test]
    fn password_digest_matches_the_onvif_guide_vector() {
        let nonce = B64.decode("LKqI6G/AikKCQrN0zqZFlg==").unwrap();
        assert_eq!(
            password_digest(&nonce, "2010-09-16T07:50:45Z", "userpassword"),
            "tuOSpGlFlIXsozq4HFNeeGeFLEI="
        );
    }

    #[test]
    fn header_carries_nonce_created_and_digest() {
        let nonce = B64.decode("LKqI6G/AikKCQrN0zqZFlg==").unwrap();
        let h = security_header_with("admin<1>", "userpassword", &nonce, "2010-09-16T07:50:45Z");
        assert!(
            h.contains("<wsse:Username>admin&lt;1&gt;</wsse:Username>"),
            "{h}"
        );
        assert!(
            h.contains(">tuOSpGlFlIXsozq4HFNeeGeFLEI=</wsse:Password>"),
            "{h}"
        );
        assert!(h.contains(">LKqI6G/AikKCQrN0zqZFlg==</wsse:Nonce>"), "{h}");
        assert!(!h.contains("userpassword"));
        // a fresh header has a fresh nonce
        let t = OffsetDateTime::now_utc();
        assert_ne!(security_header("a", "b", t), security_header("a", "b", t));
    }

    #[test]
    fn created_is_utc_with_millis() {
        let t = parse_utc("2024-03-01T10:20:30.5+02:00").unwrap();
        assert_eq!(created_text(t), "2024-03-01T08:20:30.500Z");
    }
}
