//! The hub's limits and who may use it: the WebSocket handshake timeout,
//! the connection cap, the back-off after accept errors and the browser
//! origins allowed to open sockets (docs/hub-protocol.md, "Limits").
use std::time::Duration;

/// Origins of the app's own webview: `tauri://localhost` (macOS, Linux),
/// `http(s)://tauri.localhost` (Windows WebView2).
pub const APP_ORIGINS: [&str; 3] = [
    "tauri://localhost",
    "http://tauri.localhost",
    "https://tauri.localhost",
];

/// How the hub guards itself.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// A socket that has not completed its WebSocket upgrade by then is closed.
    pub handshake_timeout: Duration,
    /// Connections open at once (handshaking or upgraded); extras get a 503
    /// and are closed at once.
    pub max_connections: usize,
    /// First pause after a failed `accept()` (e.g. EMFILE); doubles per
    /// failure in a row up to `accept_backoff_max`.
    pub accept_backoff_min: Duration,
    pub accept_backoff_max: Duration,
    /// Browser origins allowed besides "no Origin header" (the CLI and
    /// native clients send none). Compared exactly, ASCII case-insensitively.
    pub allowed_origins: Vec<String>,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(5),
            max_connections: 256,
            accept_backoff_min: Duration::from_millis(50),
            accept_backoff_max: Duration::from_secs(1),
            allowed_origins: APP_ORIGINS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl HubConfig {
    /// Adds an allowed origin (e.g. the dev server, or a test's page server).
    pub fn allow_origin(&mut self, origin: &str) {
        let o = origin.trim().trim_end_matches('/').to_string();
        if !o.is_empty()
            && !self
                .allowed_origins
                .iter()
                .any(|a| a.eq_ignore_ascii_case(&o))
        {
            self.allowed_origins.push(o);
        }
    }
}
