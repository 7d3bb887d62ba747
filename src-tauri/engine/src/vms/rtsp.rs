//! Plain RTSP cameras: a main URL, an optional sub URL, a user name and a
//! password in the OS keyring. Stored cameras come from the database; the
//! headless CLI adds ad-hoc cameras whose credentials live only in memory.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{CameraInfo, StreamInfo, StreamKind, VmsAdapter, VmsError};
use crate::media::rtsp_input::{NetworkInput, Transport};
use crate::media::source::SourceOpener;
use crate::secrets::keyring_store::camera_account;
use crate::secrets::redact::with_credentials;
use crate::secrets::SecretStore;
use crate::store::{CameraRow, Store};

pub const SITE_ID: &str = "rtsp";

/// Where a camera's password comes from.
enum Credentials {
    Keyring,
    InMemory(Option<String>),
}

pub struct RtspSite {
    store: Arc<Store>,
    secrets: SecretStore,
    adhoc: Mutex<HashMap<String, (CameraRow, Option<String>)>>,
}

impl RtspSite {
    pub fn new(store: Arc<Store>, secrets: SecretStore) -> Self {
        Self {
            store,
            secrets,
            adhoc: Mutex::new(HashMap::new()),
        }
    }

    /// Registers a camera for this process only (never stored).
    pub fn add_adhoc(&self, mut row: CameraRow, password: Option<String>) -> CameraRow {
        let mut adhoc = self.adhoc.lock().unwrap_or_else(|p| p.into_inner());
        row.id = format!("adhoc-{}", adhoc.len() + 1);
        adhoc.insert(row.id.clone(), (row.clone(), password));
        row
    }

    fn find(&self, camera_id: &str) -> Result<(CameraRow, Credentials), VmsError> {
        if let Some((row, pw)) = self
            .adhoc
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(camera_id)
        {
            return Ok((row.clone(), Credentials::InMemory(pw.clone())));
        }
        let row = self
            .store
            .camera(camera_id)?
            .ok_or_else(|| VmsError::UnknownCamera(camera_id.to_string()))?;
        Ok((row, Credentials::Keyring))
    }

    fn info(row: &CameraRow) -> CameraInfo {
        let mut streams = vec![StreamInfo {
            kind: StreamKind::Main,
            width: 0,
            height: 0,
            codec: String::new(),
        }];
        if row.sub_url.is_some() {
            streams.push(StreamInfo {
                kind: StreamKind::Sub,
                width: 0,
                height: 0,
                codec: String::new(),
            });
        }
        CameraInfo {
            id: row.id.clone(),
            name: row.name.clone(),
            site: row.site_id.clone(),
            ptz: row.ptz,
            streams,
        }
    }
}

impl VmsAdapter for RtspSite {
    fn site_id(&self) -> &str {
        SITE_ID
    }

    fn cameras(&self) -> Result<Vec<CameraInfo>, VmsError> {
        let mut out: Vec<CameraInfo> = self.store.cameras()?.iter().map(Self::info).collect();
        let adhoc = self.adhoc.lock().unwrap_or_else(|p| p.into_inner());
        let mut extra: Vec<_> = adhoc.values().map(|(r, _)| Self::info(r)).collect();
        extra.sort_by(|a, b| a.id.cmp(&b.id));
        out.extend(extra);
        Ok(out)
    }

    fn has_camera(&self, camera_id: &str) -> bool {
        self.find(camera_id).is_ok()
    }

    fn live_source(
        &self,
        camera_id: &str,
        stream: StreamKind,
    ) -> Result<Arc<dyn SourceOpener>, VmsError> {
        let (row, creds) = self.find(camera_id)?;
        let url = match stream {
            StreamKind::Main => row.main_url.clone(),
            StreamKind::Sub => row.sub_url.clone().ok_or(VmsError::NoSuchStream {
                camera: camera_id.to_string(),
                stream: "sub",
            })?,
        };
        let password = match creds {
            Credentials::InMemory(pw) => pw,
            Credentials::Keyring if row.username.is_some() => {
                self.secrets.get(&camera_account(&row.id))?
            }
            Credentials::Keyring => None,
        };
        let url = with_credentials(&url, row.username.as_deref(), password.as_deref())
            .map_err(|e| VmsError::InvalidConfig(format!("camera {camera_id}: bad URL: {e}")))?;
        Ok(Arc::new(NetworkInput::new(url, row.transport)))
    }
}

/// A camera row for an ad-hoc URL (credentials already split off).
pub fn adhoc_row(
    name: &str,
    main_url: String,
    sub_url: Option<String>,
    username: Option<String>,
    transport: Transport,
) -> CameraRow {
    CameraRow {
        id: String::new(),
        site_id: SITE_ID.into(),
        name: name.into(),
        main_url,
        sub_url,
        username,
        transport,
        ptz: false,
    }
}
