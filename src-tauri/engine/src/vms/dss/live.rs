//! Live video of a DSS channel: at every (re)connect `MTS/Video/StartVideo`
//! is asked again for an RTSP URL and its token (short-lived, tied to the
//! login), played as `<url>?token=<token>` over TCP. The URL is resolved on
//! the runtime by a [`ResolvingInput`]: it is never stored, and printed only
//! redacted. A refused login stops the tile (auth failed, not retried).
use std::sync::Arc;

use serde_json::json;

use super::session::API;
use super::site::Inner;
use super::wire;
use crate::error::{ErrorKind, HasKind};
use crate::media::resolving_input::{ResolvedUrl, ResolvingInput};
use crate::media::rtsp_input::Transport;
use crate::media::MediaError;
use crate::vms::StreamKind;

/// Asks the server for a playable URL of one channel's stream.
pub(crate) async fn live_url(
    inner: &Inner,
    channel: &str,
    stream: StreamKind,
) -> Result<wire::MediaUrl, crate::vms::VmsError> {
    let body = json!({"data": {
        "channelId": channel,
        "streamType": if stream == StreamKind::Sub { "2" } else { "1" },
        "dataType": "1",
        "trackId": "",
        "keyCode": "",
        "enableRtsps": "0",
        "enableMulticast": "0",
    }});
    let raw = inner
        .session
        .call_raw(
            reqwest::Method::POST,
            &format!("{API}/MTS/Video/StartVideo"),
            &body,
        )
        .await?;
    wire::parse_media(&raw, &inner.session.host()).map_err(|e| crate::vms::VmsError::Site {
        site: inner.session.site().to_string(),
        reason: format!("StartVideo of {channel}: {e}"),
    })
}

/// The media error a failed resolve becomes (the tile's status).
pub(crate) fn media_error(label: &str, e: crate::vms::VmsError) -> MediaError {
    if e.kind() == ErrorKind::AuthFailed {
        MediaError::AuthFailed {
            url: label.to_string(),
        }
    } else {
        MediaError::Resolve {
            source_name: label.to_string(),
            reason: e.to_string(),
        }
    }
}

/// The live opener of one camera's stream.
pub(crate) fn live_input(
    inner: Arc<Inner>,
    channel: String,
    camera_id: &str,
    stream: StreamKind,
) -> ResolvingInput {
    let label = format!(
        "{} camera {camera_id} ({})",
        inner.session.site(),
        stream.as_str()
    );
    let timeout = inner.timeout * 3;
    let rt = inner.rt.clone();
    let name = label.clone();
    ResolvingInput::with_async(label, rt, timeout, move || {
        let inner = inner.clone();
        let channel = channel.clone();
        let name = name.clone();
        async move {
            let m = live_url(&inner, &channel, stream)
                .await
                .map_err(|e| media_error(&name, e))?;
            Ok(ResolvedUrl::new(m.playable(), Transport::Tcp))
        }
    })
}
