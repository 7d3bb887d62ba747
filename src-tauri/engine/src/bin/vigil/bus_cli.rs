//! `vigil worker` (a footage worker on the case bus) and `vigil case
//! publish` (a case-created message in the seed's shape). The broker
//! password comes from `--password-stdin` or the keyring (account
//! `bus:USER@HOST:PORT` of the `vigil` service), never from argv; events
//! are JSON lines on stdout.
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use serde_json::json;
use vigil_engine::bus::cms::CmsClient;
use vigil_engine::bus::handle::{CaseHandler, Emit};
use vigil_engine::bus::{
    publish_case_created, BusTarget, BusWorker, CaseCreated, Topology, WorkerOptions,
    DEFAULT_EXCHANGE, DEFAULT_QUEUE, DEFAULT_ROUTING,
};
use vigil_engine::cases::{parse_rfc3339, rfc3339_ms};
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::HasKind;
use vigil_engine::media::source::StopFlag;
use vigil_engine::secrets::SecretStore;

use crate::exit;
use crate::source::password_from_stdin;

/// Where the broker is and how to log in.
#[derive(Args, Clone)]
pub struct BrokerArgs {
    /// amqp://USER@HOST:PORT/VHOST (amqps:// for TLS); no password in it
    #[arg(long)]
    pub amqp: String,
    /// Read the broker password from standard input (else the keyring)
    #[arg(long)]
    pub password_stdin: bool,
    /// The topic exchange
    #[arg(long, default_value = DEFAULT_EXCHANGE)]
    pub exchange: String,
}

impl BrokerArgs {
    /// The target with its password (stdin, or the keyring entry).
    pub fn target(&self) -> Result<BusTarget, (i32, String)> {
        let probe = BusTarget::parse(&self.amqp, "").map_err(|e| (exit::USAGE, e.to_string()))?;
        let password = if self.password_stdin {
            password_from_stdin().map_err(|e| (exit::USAGE, e))?
        } else {
            SecretStore::vigil()
                .get(&probe.keyring_account())
                .map_err(|e| (exit::FAILED, format!("keyring: {e}")))?
                .unwrap_or_default()
        };
        BusTarget::parse(&self.amqp, &password).map_err(|e| (exit::USAGE, e.to_string()))
    }
}

#[derive(Args)]
pub struct WorkerArgs {
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// Routing pattern of case-created messages
    #[arg(long, default_value = DEFAULT_ROUTING)]
    pub routing: String,
    /// The shared durable queue (its dead letters go to QUEUE.dead)
    #[arg(long, default_value = DEFAULT_QUEUE)]
    pub queue: String,
    /// The CMS endpoint media are linked to (POST {cms}/cases/{id}/media); none: no linking
    #[arg(long)]
    pub cms_url: Option<String>,
    /// Base of the PointerUrl of linked files ({base}/footage/{file}?blob); default: --cms-url
    #[arg(long)]
    pub pointer_base: Option<String>,
    /// The shared media root (stored as the media root setting); default: the stored one
    #[arg(long)]
    pub media_root: Option<PathBuf>,
    /// Serve health JSON on this local address (e.g. 127.0.0.1:9120)
    #[arg(long)]
    pub health: Option<SocketAddr>,
    /// Messages processed at once (the prefetch count)
    #[arg(long, default_value_t = 2)]
    pub max_jobs: u16,
}

/// One JSON line on stdout per event (whole lines, however many tasks).
fn stdout_emit() -> Emit {
    let lock = Arc::new(std::sync::Mutex::new(()));
    Arc::new(move |mut v: serde_json::Value| {
        let _g = lock.lock().unwrap_or_else(|p| p.into_inner());
        v["at"] = rfc3339_ms(vigil_engine::media::source::now_ms()).into();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{v}");
        let _ = out.flush();
    })
}

pub async fn run_worker(a: WorkerArgs) -> i32 {
    let target = match a.broker.target() {
        Ok(t) => t,
        Err((code, m)) => {
            eprintln!("vigil worker: {m}");
            return code;
        }
    };
    let cms = match a.cms_url.as_deref().map(CmsClient::new).transpose() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vigil worker: {e}");
            return exit::USAGE;
        }
    };
    let engine = match Engine::start(EngineConfig::default()).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vigil worker: {}", e.to_ui().message);
            return exit::FAILED;
        }
    };
    let cases = engine.cases().clone();
    if let Some(root) = &a.media_root {
        if let Err(e) = cases.set_media_root(&root.to_string_lossy()) {
            eprintln!("vigil worker: {}", e.to_ui().message);
            return exit::USAGE;
        }
    }
    let media_root = match cases.media_root() {
        Ok(Some(r)) => r,
        Ok(None) => {
            eprintln!("vigil worker: no media root: pass --media-root");
            return exit::USAGE;
        }
        Err(e) => {
            eprintln!("vigil worker: {}", e.to_ui().message);
            return exit::FAILED;
        }
    };
    let emit = stdout_emit();
    let handler = CaseHandler {
        cases: cases.clone(),
        media_root,
        cms,
        pointer_base: a
            .pointer_base
            .clone()
            .or(a.cms_url.clone())
            .unwrap_or_else(|| "http://127.0.0.1".into()),
        stop: StopFlag::default(),
    };
    let worker = BusWorker::new(
        WorkerOptions {
            target,
            topology: Topology {
                exchange: a.broker.exchange.clone(),
                queue: a.queue.clone(),
                routing: a.routing.clone(),
            },
            max_jobs: a.max_jobs.max(1),
            retry_pause: Duration::from_secs(1),
        },
        handler,
        emit.clone(),
    );
    let _health = match a.health {
        Some(addr) => match vigil_engine::bus::health::serve(addr, worker.stats().clone()).await {
            Ok((bound, task)) => {
                emit(json!({"event": "health", "address": bound.to_string()}));
                Some(task)
            }
            Err(e) => {
                eprintln!("vigil worker: {e}");
                return exit::USAGE;
            }
        },
        None => None,
    };
    // the footage worker cuts this database's jobs (every worker shares them)
    cases.start_worker();
    let w2 = worker.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        w2.shutdown();
    });
    // figures every 10 s while running
    let w3 = worker.clone();
    let e2 = emit.clone();
    let ticker = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(10)).await;
            e2(json!({"event": "progress", "health": w3.stats().health()}));
        }
    });
    worker.run().await;
    ticker.abort();
    cases.shutdown();
    exit::OK
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

#[derive(Args)]
pub struct PublishArgs {
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// The equipment tag (resolved by the workers through `vigil case equipment --tag`)
    #[arg(long)]
    pub equipment_tag: String,
    /// The event time, RFC 3339
    #[arg(long)]
    pub at: String,
    #[arg(long, default_value = "")]
    pub case_no: String,
    /// The case id (default: a new random number)
    #[arg(long)]
    pub id: Option<String>,
    /// The tenant: the first word of the routing key (TENANT.cms.case.created)
    #[arg(long, default_value = "vigil")]
    pub tenant: String,
    #[arg(long, default_value = "{}")]
    pub device_data: String,
}

pub async fn run_publish(a: PublishArgs) -> i32 {
    let target = match a.broker.target() {
        Ok(t) => t,
        Err((code, m)) => {
            eprintln!("vigil case publish: {m}");
            return code;
        }
    };
    let ms = match parse_rfc3339(&a.at) {
        Ok(ms) => ms,
        Err(e) => {
            eprintln!("vigil case publish: {e}");
            return exit::USAGE;
        }
    };
    let id =
        a.id.clone()
            .unwrap_or_else(|| (rand::random::<u64>() >> 12).to_string());
    let msg = CaseCreated {
        id,
        timestamp: rfc3339_ms(ms),
        equipment_tag: a.equipment_tag.clone(),
        device_data: a.device_data.clone(),
        case_no: a.case_no.clone(),
    };
    // what the workers will accept
    if let Err(p) = vigil_engine::bus::parse_case_created(&msg.to_json()) {
        eprintln!("vigil case publish: {p}");
        return exit::USAGE;
    }
    match publish_case_created(&target, &a.broker.exchange, &a.tenant, &msg).await {
        Ok(()) => {
            println!("{}", String::from_utf8_lossy(&msg.to_json()));
            exit::OK
        }
        Err(e) => {
            eprintln!("vigil case publish: {e}");
            exit::UNREACHABLE
        }
    }
}
