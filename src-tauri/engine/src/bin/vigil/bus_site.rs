//! `vigil bus site-publish`: the per-site switch "publish cases to the bus
//! instead of cutting locally" (the app's Sites setting): shows it for
//! every site (JSON lines), for one site, or turns it on or off. A site is
//! one with cameras now or one stored; an unknown id is refused (exit 2).
use std::collections::BTreeSet;

use clap::Args;
use vigil_engine::bus::setting::{publish_to_bus, set_publish_to_bus};
use vigil_engine::engine::{Engine, EngineConfig};

use crate::exit;

#[derive(Args)]
pub struct SitePublishArgs {
    /// The site id (see `vigil sites list`); none: every site
    site: Option<String>,
    /// Publish this site's cases to the bus (the workers cut them)
    #[arg(long, conflicts_with = "off", requires = "site")]
    on: bool,
    /// Cut this site's cases here (the default)
    #[arg(long, requires = "site")]
    off: bool,
}

/// The ids of the sites the engine knows: those of its cameras and the stored ones.
fn known_sites(engine: &Engine) -> Result<BTreeSet<String>, String> {
    let mut ids: BTreeSet<String> = engine
        .cameras()
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|c| c.site)
        .collect();
    let stored = engine.cases().store().sites().map_err(|e| e.to_string())?;
    ids.extend(stored.into_iter().map(|s| s.id));
    Ok(ids)
}

pub async fn run(a: SitePublishArgs) -> i32 {
    let engine = match Engine::start(EngineConfig::default()).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vigil bus site-publish: {e}");
            return exit::FAILED;
        }
    };
    let sites = match known_sites(&engine) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("vigil bus site-publish: {e}");
            return exit::FAILED;
        }
    };
    let store = engine.cases().store();
    let show = |site: &str| match publish_to_bus(store, site) {
        Ok(on) => {
            println!("{}", serde_json::json!({"site": site, "publishToBus": on}));
            exit::OK
        }
        Err(e) => {
            eprintln!("vigil bus site-publish: {e}");
            exit::FAILED
        }
    };
    let Some(site) = a.site else {
        for s in &sites {
            let code = show(s);
            if code != exit::OK {
                return code;
            }
        }
        return exit::OK;
    };
    let site = site.trim().to_string();
    if !sites.contains(&site) {
        eprintln!(
            "vigil bus site-publish: no site {site} (sites: {})",
            sites.into_iter().collect::<Vec<_>>().join(", ")
        );
        return exit::USAGE;
    }
    if a.on || a.off {
        if let Err(e) = set_publish_to_bus(store, &site, a.on) {
            eprintln!("vigil bus site-publish: {e}");
            return exit::FAILED;
        }
    }
    show(&site)
}
