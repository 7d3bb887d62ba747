//! `--pin-stdin` (every command): a server that asks for a second login
//! step (Milestone's PIN) gets the next line of standard input as the PIN,
//! once per process. Each CLI run is a new process with a new login, so a
//! 2FA site needs the PIN for every command (`printf '%s\n' "$PIN" | vigil
//! recordings --source CAMERA --day D --pin-stdin`). The PIN is never echoed
//! or logged.
use std::sync::atomic::{AtomicBool, Ordering};

use vigil_engine::vms::milestone::second_step;

static ON: AtomicBool = AtomicBool::new(false);

/// Installs the prompt when `--pin-stdin` was given.
pub fn install(on: bool) {
    ON.store(on, Ordering::SeqCst);
    if on {
        second_step::set_pin_prompt(Box::new(|site: &str| {
            eprintln!("vigil: {site} requires a second login step; reading the PIN from stdin");
            let mut s = String::new();
            std::io::stdin().read_line(&mut s).ok()?;
            let pin = s.trim_end_matches(['\r', '\n']).to_string();
            (!pin.is_empty()).then_some(pin)
        }));
    }
}

/// Whether `--pin-stdin` was given (then a password read from stdin is its
/// first line, the PIN the next).
pub fn requested() -> bool {
    ON.load(Ordering::SeqCst)
}
