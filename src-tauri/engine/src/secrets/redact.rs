//! Redaction: URLs with user info are printed as `scheme://***@host/...`,
//! and token-like query values (`token=`, `key=`, `signature=`, `password=`,
//! `pass=`, `auth=`, session ids and the like; any name ending in `token`,
//! `signature`, `password` or `secret`, such as `AccessToken`) as `***`.
//! Free text is redacted on the side
//! of hiding: user info may hold any character (a `/`, a quote, a space), so
//! everything from `://` to the last `@` of the line is hidden.
use std::borrow::Cow;

use url::Url;

/// What a redacted secret is printed as.
const MASK: &str = "***";

/// Query parameter names (or their last `_`/`-`/`.` part) whose values are secrets.
const SECRET_KEYS: [&str; 19] = [
    "token",
    "key",
    "apikey",
    "signature",
    "sig",
    "password",
    "passwd",
    "pass",
    "pwd",
    "auth",
    "secret",
    "credential",
    "credentials",
    // session ids and one-time tickets work as bearer tokens in stream URLs
    "session",
    "sessionid",
    "sid",
    "jwt",
    "ticket",
    "chalanswer",
];

/// Name endings that make any parameter name a secret (`accesstoken`,
/// `xauthtoken`, `refreshtoken`, `clientsecret`, `userpassword`).
const SECRET_SUFFIXES: [&str; 4] = ["token", "signature", "password", "secret"];

/// The URL with any user name and password replaced by `***` and token-like
/// query values hidden. The text rule, not a URL parser, decides where the
/// user info ends: a password with an unencoded `@` or `/` is hidden whole.
pub fn redact_url(raw: &str) -> String {
    redact_text(raw)
}

/// Redacts every `scheme://user:pass@` occurrence and every token-like query
/// value in free text. User info runs from `://` to the last `@` before the
/// end of the line or the next `://`, whatever it contains.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = [tail.find("://"), tail.find(['\n', '\r'])]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str(MASK);
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    redact_query_values(&out)
}

/// Whether a query parameter name names a secret.
fn is_secret_key(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let last = name.rsplit(['_', '-', '.']).next().unwrap_or(&name);
    SECRET_KEYS.contains(&name.as_str())
        || SECRET_KEYS.contains(&last)
        || SECRET_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Replaces the value of every `?name=` / `&name=` / `;name=` whose name is
/// token-like with `***` (up to `&`, `#`, `;`, whitespace or a quote).
pub fn redact_query_values(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !matches!(bytes[i], b'?' | b'&' | b';') {
            i += 1;
            continue;
        }
        let name_start = i + 1;
        let name_end = text[name_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
            .map_or(text.len(), |n| name_start + n);
        if name_end < bytes.len()
            && bytes[name_end] == b'='
            && name_end > name_start
            && is_secret_key(&text[name_start..name_end])
        {
            let value_start = name_end + 1;
            let value_end = text[value_start..]
                .find(|c: char| c.is_whitespace() || matches!(c, '&' | '#' | ';' | '"' | '\''))
                .map_or(text.len(), |n| value_start + n);
            if value_end > value_start {
                out.push_str(&text[copied..value_start]);
                out.push_str(MASK);
                copied = value_end;
            }
            i = value_end;
        } else {
            i = name_start;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The URL without user info, and the user info it carried (percent-decoded;
/// a `+` stays a `+`).
pub fn split_credentials(
    raw: &str,
) -> Result<(String, Option<String>, Option<String>), url::ParseError> {
    let mut u = Url::parse(raw)?;
    let user = (!u.username().is_empty()).then(|| percent_decode(u.username()).into_owned());
    let pass = u.password().map(|p| percent_decode(p).into_owned());
    let _ = u.set_password(None);
    let _ = u.set_username("");
    Ok((u.to_string(), user, pass))
}

/// The URL with the given credentials put in (percent-encoded).
pub fn with_credentials(
    raw: &str,
    user: Option<&str>,
    pass: Option<&str>,
) -> Result<String, url::ParseError> {
    let mut u = Url::parse(raw)?;
    if let Some(user) = user.filter(|s| !s.is_empty()) {
        let _ = u.set_username(user);
        let _ = u.set_password(pass);
    }
    Ok(u.to_string())
}

/// RFC 3986 percent-decoding of URL user info: `%XX` becomes its byte, every
/// other character (`+` included: it is not a space outside form bodies)
/// stays as it is; invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied(), b.get(i + 2).copied()) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(v).unwrap_or(b'?'));
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(
            redact_url("rtsp://admin:s3cret@10.0.0.5:554/cam1"),
            "rtsp://***@10.0.0.5:554/cam1"
        );
        assert_eq!(redact_url("rtsp://10.0.0.5/cam1"), "rtsp://10.0.0.5/cam1");
        let t = redact_text("open rtsp://admin:p%40ss@host/x failed; also http://u:p@h:80/y");
        assert!(!t.contains("p%40ss") && !t.contains("u:p"), "{t}");
        assert!(
            t.contains("rtsp://***@host/x") && t.contains("http://***@h:80/y"),
            "{t}"
        );
    }

    #[test]
    fn user_info_with_a_slash_quote_or_space_is_hidden() {
        for (raw, secret) in [
            ("rtsp://admin:pa/ss@host/s", "pa/ss"),
            ("rtsp://admin:pa ss@host/s", "pa ss"),
            ("rtsp://admin:pa\"ss@host/s", "pa\"ss"),
            ("rtsp://admin:pa'ss@host/s", "pa'ss"),
            ("rtsp://admin:p@ss/w@host/s", "ss/w"),
        ] {
            // as the "not a URL" error prints it, and as a URL
            let msg = format!("not a URL (invalid port number): {raw}");
            let t = redact_text(&msg);
            assert!(!t.contains(secret) && !t.contains("admin"), "{t}");
            assert!(t.ends_with("rtsp://***@host/s"), "{t}");
            let u = redact_url(raw);
            assert!(!u.contains(secret) && !u.contains("admin"), "{raw}: {u}");
        }
        // the next line is left alone
        let t = redact_text("rtsp://h/x failed\nmail ops@example.com");
        assert_eq!(t, "rtsp://h/x failed\nmail ops@example.com");
    }

    #[test]
    fn token_like_query_values_are_hidden() {
        let u = redact_url(
            "https://nvr.example/get?path=cam&token=abc123&Key=k9&X-Amz-Signature=s1g#f",
        );
        assert_eq!(
            u,
            "https://nvr.example/get?path=cam&token=***&Key=***&X-Amz-Signature=***#f"
        );
        let t = redact_text(
            "GET rtsp://h/s?password=hunter2&pass=p2&auth=a3&access_token=t4 \"x?key=v5\" failed",
        );
        for s in ["hunter2", "p2&", "a3", "t4", "v5"] {
            assert!(!t.contains(s), "{s} in {t}");
        }
        assert!(t.contains("password=***&pass=***&auth=***&access_token=*** \"x?key=***\""));
        // the coming vendors' spellings: DSS/HikCentral tokens, Milestone
        // session ids, AWS-style presigned downloads, CamelCase names
        let t = redact_url(
            "rtsp://h/dss/monitor?cameraid=1%240&token=d1&SessionId=m2&AccessToken=m3\
             &X-Subject-Token=x4&sid=s5&X-Amz-Credential=c6&X-Amz-Security-Token=c7\
             &jwt=j8&refreshToken=r9&clientSecret=q1&ChalAnswer=q2&ticket=q3",
        );
        for s in [
            "d1", "m2", "m3", "x4", "s5", "c6", "c7", "j8", "r9", "q1", "q2", "q3",
        ] {
            assert!(!t.contains(&format!("={s}")), "{s} in {t}");
        }
        assert!(t.contains("cameraid=1%240&token=***"), "{t}");
        // names that merely contain a secret word stay
        assert_eq!(
            redact_text("http://h/?monkey=1&keyframe=2&path=a&tokens=3&sidebar=4&session_start=5"),
            "http://h/?monkey=1&keyframe=2&path=a&tokens=3&sidebar=4&session_start=5"
        );
    }

    #[test]
    fn credentials_split_and_join() {
        let (bare, user, pass) = split_credentials("rtsp://ad%20min:p%40ss@host:554/a").unwrap();
        assert_eq!(bare, "rtsp://host:554/a");
        assert_eq!(user.as_deref(), Some("ad min"));
        assert_eq!(pass.as_deref(), Some("p@ss"));
        let joined = with_credentials(&bare, Some("ad min"), Some("p@ss/:")).unwrap();
        let (_, u2, p2) = split_credentials(&joined).unwrap();
        assert_eq!(
            (u2.as_deref(), p2.as_deref()),
            (Some("ad min"), Some("p@ss/:"))
        );
    }

    #[test]
    fn a_plus_in_a_password_stays_a_plus() {
        let (_, user, pass) = split_credentials("rtsp://a+b:pa+ss%2B%2b@host/s").unwrap();
        assert_eq!(user.as_deref(), Some("a+b"));
        assert_eq!(pass.as_deref(), Some("pa+ss++"));
        let joined = with_credentials("rtsp://host/s", Some("u"), Some("x+y z")).unwrap();
        let (_, _, p) = split_credentials(&joined).unwrap();
        assert_eq!(p.as_deref(), Some("x+y z"));
        assert_eq!(percent_decode("%zz%4"), "%zz%4", "bad escapes stay");
    }
}
