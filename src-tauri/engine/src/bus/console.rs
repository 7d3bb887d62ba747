//! A console on the bus, as the app runs it: its broker settings (URL
//! without password, exchange, tenant, on/off; stored as settings, the
//! password in the OS keyring under the broker's account, the same one
//! `vigil bus password set` writes), its subscription to case events (kept
//! up by [`ConsoleLink`], which also retries a broker that is down when the
//! console starts), and creating a case: on a site whose "publish to the
//! bus" switch is on the case is published for the workers instead of cut
//! locally. The link keeps the console's record of every case it hears
//! ([`super::mirror`]) before passing the event on, so a console with its
//! own database lists bus cases and their media as they land.
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::amqp::BusTarget;
use super::client::{publish_case_created, subscribe_case_events, BusEvent};
use super::message::{parse_case_created, CaseCreated, CASE_CREATED};
use super::mirror;
use super::{BusError, DEFAULT_EXCHANGE};
use crate::cases::{rfc3339_ms, CaseDetail, NewCase};
use crate::engine::Engine;
use crate::media::source::StopFlag;
use crate::secrets::SecretStore;
use crate::store::Store;
use std::sync::Arc;

const KEY_URL: &str = "bus.console.url";
const KEY_EXCHANGE: &str = "bus.console.exchange";
const KEY_TENANT: &str = "bus.console.tenant";
const KEY_ENABLED: &str = "bus.console.enabled";
/// The tenant word of a console's case-created routing key by default.
pub const DEFAULT_TENANT: &str = "vigil";

/// The console's bus settings (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleBus {
    /// `amqp[s]://USER@HOST:PORT/VHOST`, no password; empty: not configured.
    pub url: String,
    pub exchange: String,
    #[serde(default = "default_tenant")]
    pub tenant: String,
    pub enabled: bool,
}

fn default_tenant() -> String {
    DEFAULT_TENANT.into()
}

impl Default for ConsoleBus {
    fn default() -> Self {
        Self {
            url: String::new(),
            exchange: DEFAULT_EXCHANGE.into(),
            tenant: default_tenant(),
            enabled: false,
        }
    }
}

/// The settings as the UI shows them: whether a password is stored, not it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsoleBusView {
    #[serde(flatten)]
    pub settings: ConsoleBus,
    pub has_password: bool,
}

fn storage(e: impl std::fmt::Display) -> BusError {
    BusError::Storage(e.to_string())
}

/// The stored settings (defaults when none).
pub fn load(store: &Store) -> Result<ConsoleBus, BusError> {
    let d = ConsoleBus::default();
    Ok(ConsoleBus {
        url: store.setting(KEY_URL).map_err(storage)?.unwrap_or(d.url),
        exchange: store
            .setting(KEY_EXCHANGE)
            .map_err(storage)?
            .unwrap_or(d.exchange),
        tenant: store
            .setting(KEY_TENANT)
            .map_err(storage)?
            .unwrap_or(d.tenant),
        enabled: store.setting(KEY_ENABLED).map_err(storage)?.as_deref() == Some("1"),
    })
}

/// Checks settings: a parseable URL without password (or none when off),
/// an exchange and a tenant of plain words.
pub fn validate(s: &ConsoleBus) -> Result<(), BusError> {
    let url = s.url.trim();
    if url.is_empty() {
        if s.enabled {
            return Err(BusError::Config(
                "give the broker URL to turn the bus on".into(),
            ));
        }
    } else {
        BusTarget::parse(url, "")?;
    }
    let word = |w: &str| {
        !w.is_empty()
            && w.len() <= 128
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
    };
    if !word(s.exchange.trim()) {
        return Err(BusError::Config(
            "the exchange is 1-128 letters, digits or - _ . :".into(),
        ));
    }
    let t = s.tenant.trim();
    if !word(t) || t.contains('.') {
        return Err(BusError::Config(
            "the tenant is 1-128 letters, digits or - _ : (no dot)".into(),
        ));
    }
    Ok(())
}

/// The keyring account of a URL's password (`bus:USER@HOST:PORT`).
pub fn keyring_account(url: &str) -> Result<String, BusError> {
    Ok(BusTarget::parse(url, "")?.keyring_account())
}

/// Stores the settings; `password` `Some` replaces the keyring entry (empty:
/// removes it), `None` keeps it.
pub fn save(
    store: &Store,
    secrets: &SecretStore,
    s: &ConsoleBus,
    password: Option<&str>,
) -> Result<(), BusError> {
    validate(s)?;
    let url = s.url.trim();
    if let Some(p) = password {
        let account = keyring_account(url)?;
        if p.is_empty() {
            secrets.delete(&account).map_err(storage)?;
        } else {
            secrets.set(&account, p).map_err(storage)?;
        }
    }
    store.set_setting(KEY_URL, url).map_err(storage)?;
    store
        .set_setting(KEY_EXCHANGE, s.exchange.trim())
        .map_err(storage)?;
    store
        .set_setting(KEY_TENANT, s.tenant.trim())
        .map_err(storage)?;
    store
        .set_setting(KEY_ENABLED, if s.enabled { "1" } else { "0" })
        .map_err(storage)
}

/// The settings with whether a password is stored.
pub fn view(store: &Store, secrets: &SecretStore) -> Result<ConsoleBusView, BusError> {
    let settings = load(store)?;
    let has_password = match keyring_account(&settings.url) {
        Ok(a) => secrets.get(&a).map_err(storage)?.is_some(),
        Err(_) => false,
    };
    Ok(ConsoleBusView {
        settings,
        has_password,
    })
}

/// The broker of the stored settings with its keyring password, or `None`
/// when the bus is off.
pub fn target(store: &Store, secrets: &SecretStore) -> Result<Option<BusTarget>, BusError> {
    let s = load(store)?;
    if !s.enabled || s.url.is_empty() {
        return Ok(None);
    }
    let account = keyring_account(&s.url)?;
    let password = secrets.get(&account).map_err(storage)?.unwrap_or_default();
    Ok(Some(BusTarget::parse(&s.url, &password)?))
}

/// [`view`] of the engine's store and keyring (for the app).
pub fn view_of(engine: &Engine) -> Result<ConsoleBusView, BusError> {
    view(&engine.store, &engine.secrets)
}

/// [`save`] to the engine's store and keyring (for the app).
pub fn save_of(engine: &Engine, s: &ConsoleBus, password: Option<&str>) -> Result<(), BusError> {
    save(&engine.store, &engine.secrets, s, password)
}

/// Keeps the console's record of a bus event in `store` (see
/// [`super::mirror`]: a case created, the files of a media ready under the
/// store's media root) and points a media-ready event at the local case.
/// Errors are the event's problem only: the event is passed on anyway.
pub fn record_event(store: &Store, ev: &mut BusEvent) -> Result<(), BusError> {
    match ev {
        BusEvent::CaseCreated { case, .. } => {
            mirror::record_created(store, case)?;
        }
        BusEvent::MediaReady { ready, .. } => {
            let root = store.media_root().map_err(storage)?;
            let r = mirror::record_media(store, root.as_deref(), ready)?;
            if !r.missing.is_empty() {
                tracing::warn!(
                    "case bus: case {}: {} file(s) not under the media root: {}",
                    ready.id,
                    r.missing.len(),
                    r.missing.join(", ")
                );
            }
            if let Some(id) = r.case_id {
                ready.case_id = id;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A console's subscription kept up in the background: a broker that is
/// down at the start is retried (0.2 s doubling to 5 s, a `Disconnected`
/// event per failed try); then [`subscribe_case_events`] reconnects by
/// itself. With a store, every event is recorded ([`record_event`]) before
/// it is passed on. Dropping the link (or [`ConsoleLink::stop`]) ends it.
pub struct ConsoleLink {
    pub events: mpsc::Receiver<BusEvent>,
    stop: StopFlag,
}

impl ConsoleLink {
    pub fn start(target: BusTarget, exchange: String) -> Self {
        Self::start_recording(target, exchange, None)
    }

    /// [`ConsoleLink::start`], recording every event in `store` first.
    pub fn start_recording(target: BusTarget, exchange: String, store: Option<Arc<Store>>) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        let stop = StopFlag::default();
        let s2 = stop.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            let mut sub = loop {
                if s2.is_stopped() {
                    return;
                }
                match subscribe_case_events(target.clone(), exchange.clone()).await {
                    Ok(s) => break s,
                    Err(e) => {
                        let ev = BusEvent::Disconnected {
                            error: e.to_string(),
                        };
                        if tx.send(ev).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                }
            };
            loop {
                if s2.is_stopped() {
                    sub.stop();
                    return;
                }
                match tokio::time::timeout(Duration::from_millis(250), sub.events.recv()).await {
                    Err(_) => continue,
                    Ok(None) => return,
                    Ok(Some(mut ev)) => {
                        // a few rows and file sizes: short enough to run here
                        if let Some(Err(e)) = store.as_ref().map(|st| record_event(st, &mut ev)) {
                            tracing::warn!("case bus: not recorded: {e}");
                        }
                        if tx.send(ev).await.is_err() {
                            sub.stop();
                            return;
                        }
                    }
                }
            }
        });
        Self { events: rx, stop }
    }

    pub fn stop(&self) {
        self.stop.stop();
    }
}

impl Drop for ConsoleLink {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// Starts the console's link when its settings turn the bus on.
pub fn link(engine: &Engine) -> Result<Option<ConsoleLink>, BusError> {
    let Some(t) = target(&engine.store, &engine.secrets)? else {
        return Ok(None);
    };
    let exchange = load(&engine.store)?.exchange;
    Ok(Some(ConsoleLink::start_recording(
        t,
        exchange,
        Some(engine.cases().store().clone()),
    )))
}

/// The sites a case on this equipment touches: the equipment camera's site,
/// or the sites of an asset's nearest cameras.
pub fn sites_of_equipment(engine: &Engine, equipment_id: &str) -> Vec<String> {
    let eq = equipment_id.trim();
    if let Ok(c) = engine.camera(eq) {
        return vec![c.site];
    }
    let mut sites: Vec<String> = engine
        .cases()
        .nearest(eq)
        .unwrap_or_default()
        .iter()
        .filter_map(|c| engine.camera(c).ok().map(|c| c.site))
        .collect();
    sites.sort();
    sites.dedup();
    sites
}

/// What creating a case in a console did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum Created {
    /// Created here; the local footage worker cuts it.
    #[serde(rename_all = "camelCase")]
    Local { detail: Box<CaseDetail> },
    /// Published on the bus for the workers (the site's switch is on).
    #[serde(rename_all = "camelCase")]
    Published {
        bus_id: String,
        routing_key: String,
        message: CaseCreated,
    },
}

/// Whether a case on this equipment goes to the bus (any of its sites has
/// the switch on).
pub fn goes_to_bus(engine: &Engine, equipment_id: &str) -> Result<bool, BusError> {
    for site in sites_of_equipment(engine, equipment_id) {
        if super::setting::publish_to_bus(&engine.store, &site).map_err(storage)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The case-created message of a console's case (a fresh numeric `Id`, the
/// title as `CaseNo`, the equipment id as the tag, the notes in
/// `DeviceData`), checked with the workers' parser.
pub fn message_of(req: &NewCase) -> Result<CaseCreated, BusError> {
    let m = CaseCreated {
        id: (rand::random::<u64>() >> 12).to_string(),
        timestamp: rfc3339_ms(req.event_ms),
        equipment_tag: req.equipment_id.trim().to_string(),
        device_data: serde_json::json!({"source": "vigil console", "notes": req.notes.trim()})
            .to_string(),
        case_no: req.title.trim().chars().take(128).collect(),
    };
    parse_case_created(&m.to_json()).map_err(|p| BusError::Config(p.to_string()))?;
    Ok(m)
}

/// Creates a case from a console: published on the bus when a site of its
/// equipment has the switch on (the bus must be configured and on), else
/// created and cut locally.
pub async fn create_case(engine: &Engine, req: &NewCase) -> Result<Created, CreateError> {
    if !goes_to_bus(engine, &req.equipment_id)? {
        let detail = engine.cases().create(req)?;
        return Ok(Created::Local {
            detail: Box::new(detail),
        });
    }
    let Some(target) = target(&engine.store, &engine.secrets)? else {
        return Err(BusError::Config(
            "this site publishes its cases to the bus, but the console's bus is off: \
             turn it on in Settings"
                .into(),
        )
        .into());
    };
    let s = load(&engine.store)?;
    let m = message_of(req)?;
    publish_case_created(&target, &s.exchange, &s.tenant, &m).await?;
    Ok(Created::Published {
        bus_id: m.id.clone(),
        routing_key: format!("{}.{CASE_CREATED}", s.tenant),
        message: m,
    })
}

/// Why a console's case was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Bus(#[from] BusError),
    #[error(transparent)]
    Case(#[from] crate::cases::CaseError),
}

impl crate::error::HasKind for CreateError {
    fn kind(&self) -> crate::error::ErrorKind {
        match self {
            CreateError::Bus(e) => e.kind(),
            CreateError::Case(e) => e.kind(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(url: &str, enabled: bool) -> ConsoleBus {
        ConsoleBus {
            url: url.into(),
            enabled,
            ..Default::default()
        }
    }

    #[test]
    fn settings_round_trip_and_default_off() {
        let st = Store::open_in_memory().unwrap();
        assert_eq!(load(&st).unwrap(), ConsoleBus::default());
        let secrets = SecretStore::new("vigil-test-unused");
        let v = s("amqp://vigil@127.0.0.1:5672/", true);
        save(&st, &secrets, &v, None).unwrap();
        assert_eq!(load(&st).unwrap(), v);
    }

    #[test]
    fn refuses_a_password_in_the_url_and_bad_words() {
        assert!(validate(&s("amqp://u:secret@h/", false)).is_err());
        assert!(validate(&s("", true)).is_err());
        assert!(validate(&s("", false)).is_ok());
        let mut bad = s("amqp://u@h/", true);
        bad.tenant = "a.b".into();
        assert!(validate(&bad).is_err());
        let mut bad = s("amqp://u@h/", true);
        bad.exchange = "ex change".into();
        assert!(validate(&bad).is_err());
    }

    #[test]
    fn a_console_message_parses_as_the_workers_read_it() {
        let req = NewCase {
            title: "Door forced".into(),
            event_ms: 1_768_314_600_000,
            equipment_id: "demo-1".into(),
            extra_cameras: vec![],
            notes: "seen".into(),
        };
        let m = message_of(&req).unwrap();
        let back = parse_case_created(&m.to_json()).unwrap();
        assert_eq!(back.equipment_tag, "demo-1");
        assert_eq!(back.case_no, "Door forced");
        assert_eq!(back.event_ms(), 1_768_314_600_000);
    }
}
