//! Turns a recording `--source` into a camera of a running engine: `demo:K`,
//! `folder:`, `rtsp-replay:`, `mediamtx:` or a stored camera id; credentials
//! for the last two from `--user` and `--password-stdin` (never argv).
use clap::Args;
use vigil_engine::engine::Engine;
use vigil_engine::error::HasKind;
use vigil_engine::playback::source_spec::{open_source_with, takes_credentials, Credentials};
use vigil_engine::secrets::redact::split_credentials;

use crate::exit;
use crate::frames_out::CliError;
use crate::source::password_from_stdin;

/// `--user` and `--password-stdin` for `rtsp-replay:` and `mediamtx:` sources.
#[derive(Args, Clone, Default)]
pub struct SourceCredentials {
    /// User name for an rtsp-replay: or mediamtx: source
    #[arg(long)]
    pub user: Option<String>,
    /// Read that user's password from standard input (keeps it out of the process list)
    #[arg(long)]
    pub password_stdin: bool,
}

impl SourceCredentials {
    /// The credentials for `source`, reading stdin if asked; a usage error
    /// when given for a source that takes none. Warns when the source URL
    /// itself carries a password (visible in the process list).
    pub fn resolve(&self, source: &str) -> Result<Option<Credentials>, CliError> {
        let usage = |m: &str| (exit::USAGE, m.to_string());
        if takes_credentials(source) {
            let url = source.split_once(':').map_or("", |(_, u)| u);
            let url = url.split('#').next().unwrap_or(url);
            if matches!(split_credentials(url), Ok((_, _, Some(_)))) {
                eprintln!(
                    "warning: a password in --source is visible in the process list; \
                     use --user and --password-stdin"
                );
            }
        }
        if self.user.is_none() && !self.password_stdin {
            return Ok(None);
        }
        if !takes_credentials(source) {
            return Err(usage(
                "--user and --password-stdin apply to rtsp-replay: and mediamtx: sources",
            ));
        }
        let user = self
            .user
            .clone()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| usage("--password-stdin needs --user"))?;
        let password = if self.password_stdin {
            password_from_stdin().map_err(|e| (exit::USAGE, e))?
        } else {
            String::new()
        };
        Ok(Some(Credentials { user, password }))
    }
}

pub fn resolve_recording(
    engine: &Engine,
    source: &str,
    tz: &str,
    creds: Option<&Credentials>,
) -> Result<String, CliError> {
    if let Some(k) = source.strip_prefix("demo:") {
        let id = format!("demo-{k}");
        engine.camera(&id).map_err(|_| {
            (
                exit::USAGE,
                format!("no demo camera {k} (the demo site has demo:1..demo:4)"),
            )
        })?;
        return Ok(id);
    }
    if let Some(opened) = open_source_with(source, tz, creds) {
        let (name, rec) = opened.map_err(|e| (code_of(&e), redacted(&e)))?;
        return engine
            .add_recording_source(&name, rec)
            .map(|c| c.id)
            .map_err(|e| (exit::FAILED, e.to_string()));
    }
    engine
        .camera(source)
        .map(|c| c.id)
        .map_err(|e| (exit::USAGE, e.to_string()))
}

fn redacted(e: &dyn std::fmt::Display) -> String {
    vigil_engine::secrets::redact::redact_text(&e.to_string())
}

/// The exit code for an engine error.
pub fn code_of(e: &dyn HasKind) -> i32 {
    use vigil_engine::error::ErrorKind::*;
    match e.kind() {
        InvalidInput | NotFound => exit::USAGE,
        AuthFailed => exit::AUTH_FAILED,
        Unreachable => exit::UNREACHABLE,
        _ => exit::FAILED,
    }
}
