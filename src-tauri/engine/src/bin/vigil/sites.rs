//! `vigil sites`: add, probe, list, show and remove sites of any registered
//! kind, JSON on stdout. Passwords come from stdin and go to the OS keyring.
//! Exit codes: 3 auth failed, 4 unreachable, 6 TLS certificate not trusted
//! (the message prints its fingerprint). Addresses are printed redacted
//! (user info and `token=`-like query values), as everywhere else.
use std::collections::BTreeMap;

use clap::{Args, Subcommand};
use serde_json::json;
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::{ErrorKind, HasKind};
use vigil_engine::secrets::redact::{redact_text, redact_url};
use vigil_engine::vms::site::{SiteRequest, SiteStatus};

use crate::exit;
use crate::source::password_from_stdin;

#[derive(Subcommand)]
pub enum SitesCmd {
    /// Probe a site, store it and print it with its cameras.
    Add(SiteArgs),
    /// Probe a site and print what it has; nothing is stored.
    Probe(SiteArgs),
    /// Every site with its state (each asked for its cameras now), as JSON lines.
    List,
    /// The cameras of a site, as JSON lines.
    Cameras { id: String },
    /// Remove a site, its cameras and its keyring entry.
    Remove { id: String },
    /// The kinds a site can be, with their fields.
    Kinds,
}

#[derive(Args)]
pub struct SiteArgs {
    /// demo, rtsp, onvif, mediamtx, folder, ...
    kind: String,
    #[arg(long)]
    address: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    user: Option<String>,
    /// Read the password from standard input
    #[arg(long)]
    password_stdin: bool,
    /// Trust this certificate: sha256:<64 hex>
    #[arg(long, value_name = "sha256:HEX")]
    tls_pin: Option<String>,
    /// The site's IANA time zone (default: the machine's)
    #[arg(long, value_name = "Area/City")]
    tz: Option<String>,
    /// A kind-specific option (repeatable)
    #[arg(long = "option", value_name = "KEY=VALUE")]
    options: Vec<String>,
}

/// Exit code of an error kind.
fn code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::AuthFailed => exit::AUTH_FAILED,
        ErrorKind::Unreachable => exit::UNREACHABLE,
        ErrorKind::Untrusted => exit::UNTRUSTED,
        ErrorKind::InvalidInput | ErrorKind::NotFound => exit::USAGE,
        _ => exit::FAILED,
    }
}

fn request(a: SiteArgs) -> Result<SiteRequest, String> {
    let mut options = BTreeMap::new();
    for o in a.options {
        let (k, v) = o
            .split_once('=')
            .ok_or_else(|| format!("--option {o}: use key=value"))?;
        options.insert(k.trim().to_string(), v.to_string());
    }
    let password = if a.password_stdin && crate::pin::requested() {
        Some(line_from_stdin("the password")?)
    } else if a.password_stdin {
        Some(password_from_stdin().map_err(|e| e.to_string())?)
    } else {
        None
    };
    Ok(SiteRequest {
        kind: a.kind,
        name: a.name,
        address: a.address,
        user: a.user,
        password,
        tls_pin: a.tls_pin,
        time_zone: a.tz,
        options,
    })
}

pub async fn run(cmd: SitesCmd) -> i32 {
    let mut cfg = EngineConfig::default();
    if matches!(cmd, SitesCmd::Probe(_) | SitesCmd::Kinds) {
        cfg.database = None; // nothing stored
    }
    let engine = match Engine::start(cfg).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vigil sites: {}", e.to_ui().message);
            return exit::FAILED;
        }
    };
    let fail = |e: &dyn HasKind| {
        eprintln!("vigil sites: {}", e.to_ui().message);
        code(e.kind())
    };
    match cmd {
        SitesCmd::Add(a) | SitesCmd::Probe(a)
            if crate::pin::requested() && a.kind != "milestone" =>
        {
            eprintln!("vigil sites: --pin-stdin is for milestone sites");
            exit::USAGE
        }
        SitesCmd::Add(a) => add_or_probe(&engine, a, true).await,
        SitesCmd::Probe(a) => add_or_probe(&engine, a, false).await,
        SitesCmd::List => {
            // a new process knows no site's state yet: ask them all, at once
            let ids: Vec<String> = engine.sites().into_iter().map(|s| s.site.id).collect();
            futures_util::future::join_all(ids.iter().map(|id| engine.refresh_site(id))).await;
            for s in engine.sites() {
                println!("{}", serde_json::to_string(&redacted(s)).expect("json"));
            }
            exit::OK
        }
        SitesCmd::Cameras { id } => match engine.site_cameras(&id) {
            Ok(cams) => {
                for c in cams {
                    println!("{}", serde_json::to_string(&c).expect("json"));
                }
                exit::OK
            }
            Err(e) => fail(&e),
        },
        SitesCmd::Remove { id } => match engine.remove_site(&id).await {
            Ok(()) => exit::OK,
            Err(e) => fail(&e),
        },
        SitesCmd::Kinds => {
            for k in engine.site_kinds() {
                println!("{}", serde_json::to_string(&k).expect("json"));
            }
            exit::OK
        }
    }
}

/// Connects to the site `a` describes and prints what it offers; `store`
/// keeps it (`sites add`), else it is forgotten (`sites probe`).
async fn add_or_probe(engine: &Engine, a: SiteArgs, store: bool) -> i32 {
    let req = match request(a) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vigil sites: {e}");
            return exit::USAGE;
        }
    };
    let probed = if store {
        engine.add_site(req).await
    } else {
        engine.probe_site(req).await
    };
    match probed {
        Ok(p) => print_probe(&p),
        Err(e) => {
            eprintln!("vigil sites: {}", e.to_ui().message);
            code(e.kind())
        }
    }
}

/// One line of standard input (a password or a PIN), never echoed back.
fn line_from_stdin(what: &str) -> Result<String, String> {
    let mut s = String::new();
    std::io::stdin()
        .read_line(&mut s)
        .map_err(|e| format!("reading {what} from stdin: {e}"))?;
    Ok(s.trim_end_matches(['\r', '\n']).to_string())
}

/// A site as printed: its address and options without tokens or user info.
fn redacted(mut s: SiteStatus) -> SiteStatus {
    s.site.address = redact_url(&s.site.address);
    for v in s.site.options.values_mut() {
        *v = redact_text(v);
    }
    s
}

fn print_probe(p: &vigil_engine::vms::site::SiteProbe) -> i32 {
    let out = json!({
        "site": {
            "id": p.site.id,
            "kind": p.site.kind,
            "name": p.site.name,
            "address": redact_url(&p.site.address),
            "time_zone": p.site.time_zone,
        },
        "cameras": p.cameras.iter().map(|c| json!({
            "id": c.id,
            "name": c.name,
            "ptz": c.ptz,
            "streams": c.streams,
            "capabilities": c.capabilities,
        })).collect::<Vec<_>>(),
    });
    println!("{out}");
    exit::OK
}
