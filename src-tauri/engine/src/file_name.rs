//! File-name-safe forms of ids and names, for the media files the engine
//! writes (footage, evidence exports, bookmark clips): nothing a name holds
//! can climb out of the folder or be invalid on Windows or Linux.

/// An id with everything but ASCII letters, digits and `-` turned into `_`.
/// Stable: footage paths are derived from it.
pub fn safe_id(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A display name (a camera's, a case's) for a file name: ASCII letters,
/// digits, `-` and `_` kept, the rest `_`, no leading or trailing `_`, at
/// most 60 characters.
pub fn safe_label(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    t.trim_matches('_').chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_length_and_lose_separators() {
        assert_eq!(safe_id("demo:1/main"), "demo_1_main");
        assert_eq!(safe_id("C-000012"), "C-000012");
        assert_eq!(safe_id("..\\x"), "___x");
    }

    #[test]
    fn labels_are_trimmed_and_bounded() {
        assert_eq!(safe_label("C-000012"), "C-000012");
        assert_eq!(safe_label("Demo 1 - Main Gate"), "Demo_1_-_Main_Gate");
        assert_eq!(safe_label("../../etc/passwd"), "etc_passwd");
        assert_eq!(safe_label(&"x".repeat(100)).len(), 60);
    }
}
