//! Tauri commands of a VMS login's second step (a PIN the server sent the
//! user, Milestone XProtect's error 34): whether a login of a server and
//! user waits for its PIN (so the UI offers the PIN prompt after an
//! `auth_failed`), and handing the typed PIN over. The PIN goes to the
//! engine's memory only (`vms::milestone::second_step`): never logged,
//! stored, or put in an error; the UI then retries what it was doing and
//! the engine's next login of that site sends it.
use vigil_engine::error::{HasKind, UiError};
use vigil_engine::vms::milestone::second_step;
use vigil_engine::vms::VmsError;

type Res<T> = Result<T, UiError>;

/// The kind of site that has a second login step.
const KIND: &str = "milestone";

/// Whether a login of `user` at `address` (a site of `kind`) waits for its PIN.
#[tauri::command]
pub async fn second_step_waiting(kind: String, address: String, user: String) -> Res<bool> {
    Ok(kind == KIND && second_step::pin_awaited(&address, &user))
}

/// Hands the PIN over to the login of `user` at `address` that waits for it.
#[tauri::command]
pub async fn submit_second_step_pin(
    kind: String,
    address: String,
    user: String,
    pin: String,
) -> Res<()> {
    if kind != KIND {
        return Err(VmsError::Unsupported {
            site: kind,
            capability: "a second login step",
        }
        .to_ui());
    }
    second_step::submit_pin(&address, &user, &pin).map_err(|e| e.to_ui())
}
