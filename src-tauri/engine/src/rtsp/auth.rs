//! RTSP authentication (RFC 2326 §D, RFC 7616): answers a 401's
//! `WWW-Authenticate` with digest (MD5, SHA-256, through the `digest_auth`
//! crate the HTTP client uses too), or Basic when the server offers nothing
//! else (as FFmpeg's client does). The challenge is kept so later requests
//! cost one round trip. Credentials never leave this module but in headers.
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

enum Scheme {
    None,
    Basic,
    Digest(Box<digest_auth::WwwAuthenticateHeader>),
}

pub struct Auth {
    creds: Option<Credentials>,
    scheme: Scheme,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the server asks for a login and none is configured")]
    NoCredentials,
    #[error("unreadable authentication challenge")]
    BadChallenge,
    #[error("the server asks for an authentication scheme Vigil does not speak")]
    UnknownScheme,
}

impl Auth {
    pub fn new(creds: Option<Credentials>) -> Self {
        Self {
            creds,
            scheme: Scheme::None,
        }
    }

    /// Whether a challenge has been answered already (a second 401 is a refusal).
    pub fn has_challenge(&self) -> bool {
        !matches!(self.scheme, Scheme::None)
    }

    /// Takes the challenges of a 401 (digest preferred over Basic).
    pub fn on_challenge<'a>(
        &mut self,
        challenges: impl Iterator<Item = &'a str>,
    ) -> Result<(), AuthError> {
        if self.creds.is_none() {
            return Err(AuthError::NoCredentials);
        }
        let mut basic = false;
        let mut unknown = false;
        for c in challenges {
            let lower = c.trim_start().to_ascii_lowercase();
            if lower.starts_with("digest") {
                // digest_auth slices the header by byte offsets and panics inside a
                // multi-byte character: a challenge is ASCII (RFC 7616), refuse the rest.
                if !c.is_ascii() {
                    return Err(AuthError::BadChallenge);
                }
                let h = digest_auth::parse(c).map_err(|_| AuthError::BadChallenge)?;
                self.scheme = Scheme::Digest(Box::new(h));
                return Ok(());
            } else if lower.starts_with("basic") {
                basic = true;
            } else {
                unknown = true;
            }
        }
        if basic {
            self.scheme = Scheme::Basic;
            Ok(())
        } else if unknown {
            Err(AuthError::UnknownScheme)
        } else {
            Err(AuthError::BadChallenge)
        }
    }

    /// The `Authorization` value for `method` on `uri`, if a challenge is known.
    pub fn authorization(&mut self, method: &str, uri: &str) -> Option<String> {
        let creds = self.creds.as_ref()?;
        match &mut self.scheme {
            Scheme::None => None,
            Scheme::Basic => Some(format!(
                "Basic {}",
                B64.encode(format!("{}:{}", creds.user, creds.password))
            )),
            Scheme::Digest(h) => {
                let ctx = digest_auth::AuthContext::new_with_method(
                    creds.user.as_str(),
                    creds.password.as_str(),
                    uri,
                    None::<&[u8]>,
                    digest_auth::HttpMethod::from(method.to_string()),
                );
                h.respond(&ctx).ok().map(|a| a.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The WWW-Authenticate value of the fuzz target's crash input (bytes as sent).
    fn crash_header() -> Vec<u8> {
        let mut v = b"Digest r\x01\0\x000enticate: Digest realm=\"cam\", nonce=\"".to_vec();
        v.extend([0xff; 112]);
        v.extend(b"abc\", alm=\"cam\",terleaved=0-1");
        v
    }

    #[test]
    fn a_challenge_with_non_ascii_bytes_is_refused_not_a_panic() {
        // found by the rtsp_message fuzz target: a nonce of U+FFFD replacement characters
        let mut a = Auth::new(Some(Credentials {
            user: "u".into(),
            password: "p".into(),
        }));
        let text = String::from_utf8_lossy(&crash_header()).into_owned();
        let c = text.as_str();
        assert!(matches!(
            a.on_challenge([c].into_iter()),
            Err(AuthError::BadChallenge)
        ));
    }

    #[test]
    fn digest_is_preferred_and_answers_the_method() {
        let mut a = Auth::new(Some(Credentials {
            user: "admin".into(),
            password: "pw".into(),
        }));
        a.on_challenge(["Basic realm=\"x\"", "Digest realm=\"cam\", nonce=\"abc\""].into_iter())
            .unwrap();
        let h = a.authorization("DESCRIBE", "rtsp://h/x").unwrap();
        assert!(
            h.starts_with("Digest ") && h.contains("username=\"admin\""),
            "{h}"
        );
        assert!(!h.contains("pw"));
    }

    #[test]
    fn no_credentials_or_unknown_scheme() {
        assert_eq!(
            Auth::new(None).on_challenge(["Basic realm=x"].into_iter()),
            Err(AuthError::NoCredentials)
        );
        let mut a = Auth::new(Some(Credentials {
            user: "u".into(),
            password: "p".into(),
        }));
        assert_eq!(
            a.on_challenge(["Negotiate"].into_iter()),
            Err(AuthError::UnknownScheme)
        );
        a.on_challenge(["Basic realm=x"].into_iter()).unwrap();
        assert_eq!(a.authorization("PLAY", "rtsp://h").unwrap(), "Basic dTpw");
    }
}
