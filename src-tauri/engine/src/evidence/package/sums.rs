//! `SHA256SUMS`: the plain hash list `sha256sum -c SHA256SUMS` checks,
//! `HASH  PATH` per line (text mode, two spaces), sorted by path.

/// The list's text for `(path, sha256)` pairs.
pub fn write_sums<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut v: Vec<(&str, &str)> = entries.into_iter().collect();
    v.sort();
    v.iter().map(|(p, h)| format!("{h}  {p}\n")).collect()
}

/// `(path, sha256)` pairs of a list (`HASH  PATH` or binary mode
/// `HASH *PATH`), or the first line that is neither.
pub fn parse_sums(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = || format!("line {} is not `HASH  PATH`", i + 1);
        let (h, rest) = line.split_at_checked(64).ok_or_else(bad)?;
        let p = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))
            .ok_or_else(bad)?;
        if !h.bytes().all(|b| b.is_ascii_hexdigit()) || p.is_empty() {
            return Err(bad());
        }
        out.push((p.to_string(), h.to_ascii_lowercase()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_sorted() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let t = write_sums([("z/x y.mp4", a.as_str()), ("README.txt", b.as_str())]);
        assert_eq!(t, format!("{b}  README.txt\n{a}  z/x y.mp4\n"));
        assert_eq!(
            parse_sums(&t).unwrap(),
            vec![("README.txt".into(), b.clone()), ("z/x y.mp4".into(), a)]
        );
        assert!(parse_sums("abc  x\n").is_err());
        assert!(parse_sums(&format!("{b} x\n")).is_err());
    }
}
