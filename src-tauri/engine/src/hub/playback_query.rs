//! Parses a playback socket's query:
//! `/v1/playback?token&camera&w&h&at&speed[&group][&paused=1][&fmt][&stream]`.
use super::protocol::{parse_live_query, LiveRequest};
use crate::playback::clock::valid_speed;

#[derive(Debug, Clone, PartialEq)]
pub struct PlaybackRequest {
    pub tile: LiveRequest,
    pub at_ms: i64,
    pub speed: f64,
    pub group: Option<String>,
    pub paused: bool,
}

pub fn parse_playback_query(query: &str) -> Result<PlaybackRequest, String> {
    let tile = parse_live_query(query)?;
    let (mut at, mut speed, mut group, mut paused) = (None, 1.0, None, false);
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "at" => at = Some(v.parse::<i64>().map_err(|_| format!("bad at: {v}"))?),
            "speed" => speed = v.parse::<f64>().map_err(|_| format!("bad speed: {v}"))?,
            "group" if !v.is_empty() => group = Some(v.chars().take(64).collect()),
            "paused" => paused = v == "1" || v == "true",
            _ => {}
        }
    }
    if !valid_speed(speed) {
        return Err(format!(
            "unsupported speed {speed}: use -4, -3, -2, -1, 0.5, 1, 2, 3, 4, 8 or 16"
        ));
    }
    Ok(PlaybackRequest {
        tile,
        at_ms: at.ok_or("at missing (ms since the Unix epoch)")?,
        speed,
        group,
        paused,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let r =
            parse_playback_query("camera=demo-1&w=640&h=360&at=1763800000000&speed=-2&group=g1")
                .unwrap();
        assert_eq!(
            (r.at_ms, r.speed, r.group.as_deref()),
            (1_763_800_000_000, -2.0, Some("g1"))
        );
        assert!(!r.paused);
        assert!(parse_playback_query("camera=a&w=1&h=1&at=5&speed=5").is_err());
        assert!(parse_playback_query("camera=a&w=1&h=1&speed=1").is_err());
        assert!(parse_playback_query("camera=a&w=1&h=1&at=x").is_err());
        assert!(
            parse_playback_query("camera=a&w=2&h=2&at=7&paused=1")
                .unwrap()
                .paused
        );
    }
}
