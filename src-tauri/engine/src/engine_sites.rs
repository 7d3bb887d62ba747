//! The engine's site operations (what the UI's sites panel and `vigil
//! sites` call): probe, add, edit, remove and refresh a site of any
//! registered kind. A site is probed (connect, log in, list cameras) before
//! anything is stored; its password goes to the OS keyring (`site/<id>`).
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::engine::Engine;
use crate::error::EngineError;
use crate::vms::kinds::{self, KindSpec, SiteConfig};
use crate::vms::registry::list_bounded;
use crate::vms::site::{
    camera_id, site_account, CameraRecord, SiteCamera, SiteHealth, SiteInfo, SiteProbe,
    SiteRequest, SiteSecret, SiteState, SiteStatus,
};
use crate::vms::{CameraInfo, VmsAdapter, VmsError};

impl Engine {
    /// Every registered kind with its dialog fields.
    pub fn site_kinds(&self) -> Vec<KindSpec> {
        kinds::specs()
    }

    /// Every site with its health and camera count.
    pub fn sites(&self) -> Vec<SiteStatus> {
        self.registry.statuses()
    }

    /// The cameras of one site.
    pub fn site_cameras(&self, site_id: &str) -> Result<Vec<CameraInfo>, EngineError> {
        Ok(self.registry.site_cameras(site_id)?)
    }

    /// A site row from a request (checked by its kind; no network).
    fn site_from(&self, id: &str, req: &SiteRequest) -> Result<SiteInfo, EngineError> {
        let kind = kinds::kind(req.kind.trim())?;
        if !kind.spec().addable {
            return Err(EngineError::InvalidInput(format!(
                "sites of kind {} cannot be added",
                req.kind
            )));
        }
        let zone = match req.time_zone.as_deref().map(str::trim) {
            Some(z) if !z.is_empty() => z.to_string(),
            _ => self.site_time_zone()?,
        };
        let mut info = SiteInfo {
            id: id.to_string(),
            kind: kind.spec().kind.to_string(),
            name: req.name.clone().unwrap_or_default(),
            address: req.address.clone(),
            time_zone: zone,
            user: req.user.clone(),
            tls_pin: req.tls_pin.clone(),
            options: req
                .options
                .iter()
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                .collect(),
            created_ms: crate::media::source::now_ms(),
        };
        kinds::check_common(&mut info)?;
        kind.prepare(&mut info)?;
        Ok(info)
    }

    /// Opens the site's adapter and lists its cameras (bounded in time).
    async fn connect(
        &self,
        cfg: SiteConfig,
    ) -> Result<(SiteInfo, Arc<dyn VmsAdapter>, Vec<CameraRecord>), EngineError> {
        let ctx = self.registry.context();
        let adapter = kinds::kind(&cfg.info.kind)?.open(ctx, cfg.clone())?;
        let cams = match list_bounded(adapter.as_ref()).await {
            Ok(c) => c,
            Err(e) => {
                adapter.close().await;
                return Err(e.into());
            }
        };
        let mut info = cfg.info;
        if info.name.is_empty() {
            info.name = adapter
                .name_hint()
                .unwrap_or_else(|| format!("{} {}", info.kind, info.address));
        }
        Ok((info, adapter, cams))
    }

    fn infos(&self, site: &SiteInfo, cams: &[SiteCamera]) -> Vec<CameraInfo> {
        cams.iter()
            .map(|c| {
                self.registry.camera(&c.id).unwrap_or_else(|_| CameraInfo {
                    id: c.id.clone(),
                    name: c.record.name.clone(),
                    site: site.id.clone(),
                    site_name: site.name.clone(),
                    ptz: c.record.ptz,
                    streams: c.record.streams.clone(),
                    capabilities: c.record.capabilities.clone(),
                })
            })
            .collect()
    }

    /// Serves a stored site (password in the keyring) with its listing.
    fn serve_stored(
        &self,
        info: SiteInfo,
        cams: Vec<SiteCamera>,
    ) -> Result<SiteProbe, EngineError> {
        self.registry.insert(
            SiteConfig {
                info: info.clone(),
                secret: SiteSecret::Keyring,
            },
            cams.clone(),
            true,
            online(),
        )?;
        Ok(SiteProbe {
            cameras: self.infos(&info, &cams),
            site: info,
        })
    }

    /// Connects, logs in and lists the cameras of a site; stores nothing.
    pub async fn probe_site(&self, req: SiteRequest) -> Result<SiteProbe, EngineError> {
        let info = self.site_from("probe", &req)?;
        let (info, adapter, records) = self
            .connect(SiteConfig {
                info,
                secret: SiteSecret::Memory(req.password.clone()),
            })
            .await?;
        adapter.close().await;
        let cams: Vec<SiteCamera> = records
            .into_iter()
            .map(|r| SiteCamera {
                id: camera_id(&info.id, &r.vms_ref),
                site_id: info.id.clone(),
                record: r,
            })
            .collect();
        let cameras = self.infos(&info, &cams);
        Ok(SiteProbe {
            site: info,
            cameras,
        })
    }

    /// Probes a site, then stores it and its cameras (the password to the
    /// keyring). Nothing is stored when any step fails.
    pub async fn add_site(&self, req: SiteRequest) -> Result<SiteProbe, EngineError> {
        let draft = self.site_from("new", &req)?;
        let (mut info, adapter, records) = self
            .connect(SiteConfig {
                info: draft,
                secret: SiteSecret::Memory(req.password.clone()),
            })
            .await?;
        adapter.close().await;
        info.id = self.store.next_site_id(&info.kind)?;
        let cams = self.store.save_site(&info, &records)?;
        if let Some(pw) = req.password.as_deref().filter(|p| !p.is_empty()) {
            if let Err(e) = self.secrets.set(&site_account(&info.id), pw) {
                // nothing half-done: no site without its password
                let _ = self.store.delete_site(&info.id);
                return Err(e.into());
            }
        }
        self.serve_stored(info, cams)
    }

    /// Like [`Self::add_site`] for this process only (the CLI's ad-hoc
    /// sources): id `<prefix>-N`, password in memory, nothing stored.
    pub async fn add_transient_site(
        &self,
        prefix: &str,
        req: SiteRequest,
    ) -> Result<SiteProbe, EngineError> {
        let draft = self.site_from("new", &req)?;
        let secret = SiteSecret::Memory(req.password.clone());
        let (mut info, adapter, records) = self
            .connect(SiteConfig {
                info: draft,
                secret: secret.clone(),
            })
            .await?;
        adapter.close().await;
        info.id = format!(
            "{prefix}-{}",
            self.adhoc_seq.fetch_add(1, Ordering::Relaxed) + 1
        );
        self.registry.insert(
            SiteConfig {
                info: info.clone(),
                secret,
            },
            Vec::new(),
            false,
            online(),
        )?;
        let cams = self.registry.set_cameras(&info.id, &records)?;
        Ok(SiteProbe {
            cameras: self.infos(&info, &cams),
            site: info,
        })
    }

    /// Changes a stored site (name, address, zone, user, pin, options; an
    /// empty password keeps the stored one). Probed before it is stored.
    pub async fn update_site(&self, id: &str, req: SiteRequest) -> Result<SiteProbe, EngineError> {
        let old = self
            .store
            .site(id)?
            .ok_or_else(|| VmsError::UnknownSite(id.into()))?;
        if req.kind != old.kind {
            return Err(EngineError::InvalidInput(format!(
                "site {id} is of kind {}; its kind cannot change",
                old.kind
            )));
        }
        let mut info = self.site_from(id, &req)?;
        info.created_ms = old.created_ms;
        let new_password = req.password.clone().filter(|p| !p.is_empty());
        let secret = match &new_password {
            Some(p) => SiteSecret::Memory(Some(p.clone())),
            None => SiteSecret::Keyring,
        };
        let (info, adapter, records) = self.connect(SiteConfig { info, secret }).await?;
        adapter.close().await;
        if let Some(pw) = &new_password {
            self.secrets.set(&site_account(id), pw)?;
        }
        self.store.update_site(&info)?;
        let cams = self.store.save_site_cameras(id, &records)?;
        if let Some(old) = self.registry.remove(id) {
            old.close().await;
        }
        self.serve_stored(info, cams)
    }

    /// Removes a site: its adapter logs out, its row, cameras and keyring
    /// entry go. Tiles showing its cameras stop at their next reconnect.
    pub async fn remove_site(&self, id: &str) -> Result<(), EngineError> {
        let stored = self.registry.is_stored(id);
        if matches!(id, "demo" | crate::vms::recorded::SITE_ID) {
            return Err(EngineError::InvalidInput(format!(
                "{id} is built in and cannot be removed"
            )));
        }
        let adapter = self
            .registry
            .remove(id)
            .ok_or_else(|| VmsError::UnknownSite(id.into()))?;
        adapter.close().await;
        if stored {
            self.store.delete_site(id)?;
            self.secrets.delete(&site_account(id))?;
        }
        Ok(())
    }

    /// Asks a site's VMS for its cameras again now. When it answers, its
    /// cameras' live streams parked on a refused login (e.g. waiting for a
    /// second-step PIN just entered) try again at once.
    pub async fn refresh_site(&self, id: &str) -> Result<SiteStatus, EngineError> {
        let status = self.registry.refresh(id).await?;
        if status.health.state == SiteState::Online {
            for c in self.registry.site_cameras(id)? {
                self.ingests().retry_parked_logins(&c.id);
            }
        }
        Ok(status)
    }
}

fn online() -> SiteHealth {
    let now = crate::media::source::now_ms();
    SiteHealth {
        state: SiteState::Online,
        message: None,
        last_seen_ms: Some(now),
        checked_ms: Some(now),
    }
}
