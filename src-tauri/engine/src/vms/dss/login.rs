//! The DSS login signature (PROTOCOLS.md 5.2): all MD5, lowercase hex.
//! `t1 = md5(password)`, `t2 = md5(user + t1)`, `t3 = md5(t2)`,
//! `t4 = md5(user:realm:t3)`, `signature = md5(t4:randomKey)`; the "simple"
//! mode (a first answer with `method: "simple"`) is
//! `md5(md5(user:realm:password):randomKey)`. Also the two request bodies.
use md5::{Digest, Md5};
use serde_json::{json, Value};

/// The client type DSS clients announce.
pub const CLIENT_TYPE: &str = "WINPC_V2";

/// Lowercase hex MD5 of `s`.
pub fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

/// The signature of the second login step.
pub fn signature(user: &str, password: &str, realm: &str, random_key: &str) -> String {
    let t1 = md5_hex(password);
    let t2 = md5_hex(&format!("{user}{t1}"));
    let t3 = md5_hex(&t2);
    let t4 = md5_hex(&format!("{user}:{realm}:{t3}"));
    md5_hex(&format!("{t4}:{random_key}"))
}

/// The signature in the "simple" mode.
pub fn simple_signature(user: &str, password: &str, realm: &str, random_key: &str) -> String {
    md5_hex(&format!(
        "{}:{random_key}",
        md5_hex(&format!("{user}:{realm}:{password}"))
    ))
}

/// The first step's body (asks for realm and random key).
pub fn first_body(user: &str) -> Value {
    json!({"userName": user, "ipAddress": "", "clientType": CLIENT_TYPE})
}

/// The second step's body.
pub fn second_body(user: &str, signature: &str, random_key: &str) -> Value {
    json!({
        "userName": user,
        "signature": signature,
        "randomKey": random_key,
        "encryptType": "MD5",
        "clientType": CLIENT_TYPE,
        "ipAddress": "",
        "mac": "",
        "userType": "0",
        "loginType": "1",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_matches_the_protocols_test_vector() {
        let t1 = md5_hex("admin123");
        assert_eq!(t1, "0192023a7bbd73250516f069df18b500");
        let t2 = md5_hex(&format!("system{t1}"));
        assert_eq!(t2, "5a0fdbe44b86807b5e5e127918bbc475");
        let t3 = md5_hex(&t2);
        assert_eq!(t3, "1e27fadce9af09e120ab5142a83a679e");
        assert_eq!(
            md5_hex(&format!("system:DSS-REALM:{t3}")),
            "34745b7117f16cbc832334200412734d"
        );
        assert_eq!(
            signature("system", "admin123", "DSS-REALM", "0123456789abcdef"),
            "78d602f0a67240f88154394e40e76350"
        );
        let simple = simple_signature("system", "admin123", "DSS-REALM", "0123456789abcdef");
        assert_eq!(
            simple,
            md5_hex(&format!(
                "{}:0123456789abcdef",
                md5_hex("system:DSS-REALM:admin123")
            ))
        );
        assert_ne!(
            simple,
            signature("system", "admin123", "DSS-REALM", "0123456789abcdef")
        );
    }
}
