//! Artemis AK/SK request signing (PROTOCOLS.md 4.1, the official SDK's
//! `SignUtil.buildStringToSign`): the method, then the `Accept`,
//! `Content-MD5`, `Content-Type` (without `boundary=`) and `Date` lines, each
//! only when that header is sent, then every `x-ca-*` header sent (name in
//! lower case, sorted) as `name:value`, then the path with the query sorted
//! by key (`k=` for an empty value, values URL-decoded). The signature is
//! Base64(HMAC-SHA256(AppSecret, string)). Sign exactly the headers sent:
//! [`Signer::sign`] returns the complete header list to send.
use base64::Engine as _;
use md5::{Digest as _, Md5};
use sha2::Sha256;

/// The four plain headers that have a line of their own when sent.
const PLAIN: [&str; 4] = ["accept", "content-md5", "content-type", "date"];

/// One request as it goes out (before signing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsigned<'a> {
    pub method: &'a str,
    /// The path including `/artemis`, no query.
    pub path: &'a str,
    /// The raw query (percent-encoded, no `?`), may be empty.
    pub query: &'a str,
    /// Headers to send (any case), except the ones the signer adds.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// The AppKey and AppSecret of a site (the secret never printed).
#[derive(Clone)]
pub struct Signer {
    app_key: String,
    app_secret: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("app_key", &self.app_key)
            .field("app_secret", &"***")
            .finish()
    }
}

/// Base64 of the MD5 of `body`.
pub fn content_md5(body: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(body))
}

/// HMAC-SHA256 (RFC 2104) of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.map(|x| x ^ b);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// `Content-Type` without a `boundary=` parameter.
fn strip_boundary(ct: &str) -> String {
    ct.split(';')
        .filter(|p| !p.trim().to_ascii_lowercase().starts_with("boundary="))
        .collect::<Vec<_>>()
        .join(";")
}

/// Query (and form body) pairs, URL-decoded, sorted by key (stable).
fn sorted_params(query: &str, content_type: Option<&str>, body: &[u8]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let form = content_type.is_some_and(|c| {
        c.trim()
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    if form {
        pairs.extend(
            url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())),
        );
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
}

/// The string to sign for a request whose complete header list (as sent,
/// with `X-Ca-*` already in it) is `headers`.
pub fn string_to_sign(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> String {
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let mut s = format!("{}\n", method.to_ascii_uppercase());
    for name in PLAIN {
        if let Some(v) = get(name) {
            if name == "content-type" {
                s.push_str(&strip_boundary(v));
            } else {
                s.push_str(v);
            }
            s.push('\n');
        }
    }
    for (name, value) in signed_headers(headers) {
        s.push_str(&format!("{name}:{value}\n"));
    }
    s.push_str(path);
    let params = sorted_params(query, get("content-type"), body);
    if !params.is_empty() {
        s.push('?');
        let joined: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        s.push_str(&joined.join("&"));
    }
    s
}

/// The `x-ca-*` headers that are signed (lower-case names, sorted), without
/// the signature and its list.
fn signed_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .filter(|(n, _)| {
            n.starts_with("x-ca-") && n != "x-ca-signature" && n != "x-ca-signature-headers"
        })
        .collect();
    out.sort();
    out
}

impl Signer {
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Self {
        Self {
            app_key: app_key.into(),
            app_secret: app_secret.into(),
        }
    }

    pub fn app_key(&self) -> &str {
        &self.app_key
    }

    /// Base64(HMAC-SHA256(AppSecret, text)).
    pub fn signature(&self, text: &str) -> String {
        base64::engine::general_purpose::STANDARD
            .encode(hmac_sha256(self.app_secret.as_bytes(), text.as_bytes()))
    }

    /// Every header to send: the request's own, `Content-MD5` (with a body),
    /// `X-Ca-Key`, `X-Ca-Nonce`, `X-Ca-Timestamp`, `X-Ca-Signature-Headers`
    /// and `X-Ca-Signature`; plus the string that was signed (for tests,
    /// never logged: it names no secret but is of no use in logs either).
    pub fn sign(
        &self,
        req: &Unsigned<'_>,
        nonce: &str,
        timestamp_ms: i64,
    ) -> (Vec<(String, String)>, String) {
        let mut headers: Vec<(String, String)> = req
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        if !req.body.is_empty() {
            headers.push(("Content-MD5".into(), content_md5(req.body)));
        }
        headers.push(("X-Ca-Key".into(), self.app_key.clone()));
        headers.push(("X-Ca-Nonce".into(), nonce.to_string()));
        headers.push(("X-Ca-Timestamp".into(), timestamp_ms.to_string()));
        let text = string_to_sign(req.method, req.path, req.query, &headers, req.body);
        let names: Vec<String> = signed_headers(&headers)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        headers.push(("X-Ca-Signature-Headers".into(), names.join(",")));
        headers.push(("X-Ca-Signature".into(), self.signature(&text)));
        (headers, text)
    }
}

/// A random UUID (version 4) for `X-Ca-Nonce`.
pub fn nonce() -> String {
    let b: [u8; 16] = rand::random();
    let h = hex::encode(
        [
            &b[..6],
            &[(b[6] & 0x0f) | 0x40],
            &b[7..8],
            &[(b[8] & 0x3f) | 0x80],
            &b[9..],
        ]
        .concat(),
    );
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// tests/hikcentral_sim/signing_vectors.json, written by the simulator's
    /// own (Python) implementation; its first two cases are PROTOCOLS.md's.
    const VECTORS: &str = include_str!("../../../../../tests/hikcentral_sim/signing_vectors.json");

    #[test]
    fn protocols_md_vectors() {
        let s = Signer::new("12345678", "abcdefghijklmnopqrst");
        assert_eq!(
            s.signature(
                "POST\n*/*\napplication/json\nx-ca-key:12345678\n/artemis/api/resource/v1/cameras"
            ),
            "1flcroST6X8OoaPZDql+7whXXdWHDDWowxqXSxonx34="
        );
        let body = br#"{"pageNo":1,"pageSize":100}"#;
        assert_eq!(content_md5(body), "U0Xj//qmRi3zoyapfAAuXw==");
        let req = Unsigned {
            method: "POST",
            path: "/artemis/api/resource/v1/cameras",
            query: "",
            headers: &[
                ("Accept", "application/json"),
                ("Content-Type", "application/json"),
            ],
            body,
        };
        let (headers, text) = s.sign(
            &req,
            "9d4f6b3e-0000-4000-8000-000000000001",
            1_700_000_000_000,
        );
        assert_eq!(text, "POST\napplication/json\nU0Xj//qmRi3zoyapfAAuXw==\napplication/json\nx-ca-key:12345678\nx-ca-nonce:9d4f6b3e-0000-4000-8000-000000000001\nx-ca-timestamp:1700000000000\n/artemis/api/resource/v1/cameras");
        let get = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            get("X-Ca-Signature"),
            Some("hqdC+3hRdV3G+IFwCdQ9eO0yosSZoA9GOX8BF4uHWKw=")
        );
        assert_eq!(
            get("X-Ca-Signature-Headers"),
            Some("x-ca-key,x-ca-nonce,x-ca-timestamp")
        );
    }

    #[test]
    fn the_simulators_published_vectors() {
        let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let s = Signer::new(
            v["app_key"].as_str().unwrap(),
            v["app_secret"].as_str().unwrap(),
        );
        let cases = v["cases"].as_array().unwrap();
        assert!(cases.len() >= 7);
        for c in cases {
            let name = c["name"].as_str().unwrap();
            let owned: Vec<(String, String)> = c["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    (
                        h[0].as_str().unwrap().to_string(),
                        h[1].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let hdrs: Vec<(&str, &str)> = owned
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            let body = c["body"].as_str().unwrap().as_bytes();
            let req = Unsigned {
                method: c["method"].as_str().unwrap(),
                path: c["path"].as_str().unwrap(),
                query: c["query"].as_str().unwrap(),
                headers: &hdrs,
                body,
            };
            let Some(nonce) = c["nonce"].as_str() else {
                // key-only case: the string and signature with X-Ca-Key alone
                let mut all = owned.clone();
                all.push(("X-Ca-Key".into(), "12345678".into()));
                let text = string_to_sign(req.method, req.path, req.query, &all, body);
                assert_eq!(text, c["string_to_sign"].as_str().unwrap(), "{name}");
                assert_eq!(
                    s.signature(&text),
                    c["signature"].as_str().unwrap(),
                    "{name}"
                );
                continue;
            };
            let (headers, text) = s.sign(&req, nonce, c["timestamp_ms"].as_i64().unwrap());
            let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            assert_eq!(text, c["string_to_sign"].as_str().unwrap(), "{name}");
            assert_eq!(
                get("Content-MD5").as_deref(),
                c["content_md5"].as_str(),
                "{name}"
            );
            assert_eq!(
                get("X-Ca-Signature-Headers").unwrap(),
                c["signature_headers"].as_str().unwrap(),
                "{name}"
            );
            assert_eq!(
                get("X-Ca-Signature").unwrap(),
                c["signature"].as_str().unwrap(),
                "{name}"
            );
        }
    }

    #[test]
    fn absent_headers_have_no_line_and_the_body_counts_only_through_md5() {
        let s = Signer::new("k", "s");
        let req = Unsigned {
            method: "post",
            path: "/artemis/x",
            query: "b=2&a=",
            headers: &[],
            body: b"",
        };
        let (h, text) = s.sign(&req, "n", 1);
        assert_eq!(
            text,
            "POST\nx-ca-key:k\nx-ca-nonce:n\nx-ca-timestamp:1\n/artemis/x?a=&b=2"
        );
        assert!(!h.iter().any(|(n, _)| n == "Content-MD5"));
        let a = s.sign(
            &Unsigned {
                body: b"{}",
                ..req.clone()
            },
            "n",
            1,
        );
        let b = s.sign(
            &Unsigned {
                body: b"{ }",
                ..req
            },
            "n",
            1,
        );
        assert_ne!(
            a.1, b.1,
            "a changed body changes Content-MD5 and so the string"
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let long = [0xaau8; 131];
        assert_eq!(
            hex::encode(hmac_sha256(
                &long,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn nonces_are_v4_uuids() {
        let n = nonce();
        assert_eq!(n.len(), 36);
        assert_eq!(&n[14..15], "4");
        assert_ne!(n, nonce());
    }

    #[test]
    fn the_secret_is_not_printed() {
        assert!(!format!("{:?}", Signer::new("k", "topsecret")).contains("topsecret"));
    }
}
