//! Redaction: URLs with user info are printed as `scheme://***@host/...`.
use url::Url;

/// The URL with any user name and password replaced by `***`.
pub fn redact_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_password(None);
            let _ = u.set_username("***");
            u.to_string()
        }
        Ok(_) => raw.to_string(),
        Err(_) => redact_text(raw),
    }
}

/// Redacts every `scheme://user:pass@` occurrence in free text.
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                rest = &tail[at..];
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// The URL without user info, and the user info it carried (decoded).
pub fn split_credentials(
    raw: &str,
) -> Result<(String, Option<String>, Option<String>), url::ParseError> {
    let mut u = Url::parse(raw)?;
    let user = (!u.username().is_empty()).then(|| decode(u.username()));
    let pass = u.password().map(decode);
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

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
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
}
