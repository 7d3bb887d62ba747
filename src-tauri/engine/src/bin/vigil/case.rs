//! `vigil case`: create a case (queues its footage jobs), show one with its
//! media, list cases, and manage equipment and nearest-camera lists. Uses
//! the persistent database (VIGIL_DATA_DIR).
use clap::Subcommand;
use vigil_engine::cases::{parse_rfc3339, rfc3339_ms, CaseFilter, NewCase, NewEquipment};
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::HasKind;
use vigil_engine::footage::probe::moov_before_mdat;

use crate::exit;

#[derive(Subcommand)]
pub enum CaseCmd {
    /// Create a case; prints its id. Footage jobs are queued for `vigil footage run` or the app.
    Create {
        /// An asset id (door, sensor...) or a camera id.
        #[arg(long, conflicts_with = "camera", required_unless_present = "camera")]
        equipment: Option<String>,
        /// A camera: its id or demo:K.
        #[arg(long)]
        camera: Option<String>,
        /// The event time, RFC 3339 (e.g. 2026-03-04T05:06:07Z).
        #[arg(long)]
        at: String,
        #[arg(long)]
        title: String,
        /// More cameras for this case (id or demo:K), beyond the configured nearest ones.
        #[arg(long, num_args = 1..)]
        nearest: Vec<String>,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Show a case with its footage jobs and media.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// List cases, newest event first.
    List {
        #[arg(long)]
        search: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Add or rename a non-camera asset (door, sensor, ...).
    Equipment {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        kind: String,
        #[arg(long, default_value = "")]
        tag: String,
    },
    /// Set the nearest cameras of an asset or camera (replaces the list).
    Nearest {
        equipment: String,
        cameras: Vec<String>,
    },
    /// Publish a case-created message on the case bus (RabbitMQ).
    Publish(crate::bus_cli::PublishArgs),
}

fn camera_id(src: &str) -> String {
    match src.strip_prefix("demo:") {
        Some(k) => format!("demo-{k}"),
        None => src.to_string(),
    }
}

pub async fn run(cmd: CaseCmd) -> i32 {
    if let CaseCmd::Publish(a) = cmd {
        return crate::bus_cli::run_publish(a).await;
    }
    let engine = match Engine::start(EngineConfig::default()).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vigil case: {}", e.to_ui().message);
            return exit::FAILED;
        }
    };
    let cases = engine.cases();
    let out: Result<(), Box<dyn HasKind>> = (|| match cmd {
        CaseCmd::Create {
            equipment,
            camera,
            at,
            title,
            nearest,
            notes,
        } => {
            let event_ms = parse_rfc3339(&at).map_err(|e| Box::new(e) as Box<dyn HasKind>)?;
            let eq = equipment
                .or(camera.as_deref().map(camera_id))
                .unwrap_or_default();
            let d = cases
                .create(&NewCase {
                    title,
                    event_ms,
                    equipment_id: eq,
                    extra_cameras: nearest.iter().map(|c| camera_id(c)).collect(),
                    notes,
                })
                .map_err(|e| Box::new(e) as Box<dyn HasKind>)?;
            println!("{}", d.case.id);
            Ok(())
        }
        CaseCmd::Show { id, json } => {
            let d = cases
                .detail(&id)
                .map_err(|e| Box::new(e) as Box<dyn HasKind>)?;
            if json {
                let mut v = serde_json::to_value(&d).expect("json");
                // say whether each clip is laid out for streaming (moov first)
                if let Some(jobs) = v.get_mut("jobs").and_then(|j| j.as_array_mut()) {
                    for j in jobs {
                        let p = j
                            .pointer("/media/path")
                            .and_then(|p| p.as_str())
                            .map(str::to_string);
                        if let (Some(p), Some("clip")) = (p, j.get("kind").and_then(|k| k.as_str()))
                        {
                            let fs = moov_before_mdat(std::path::Path::new(&p)).unwrap_or(false);
                            j["media"]["fastStart"] = fs.into();
                        }
                    }
                }
                println!("{}", serde_json::to_string_pretty(&v).expect("json"));
            } else {
                let c = &d.case;
                println!("{} {} [{}] {}", c.label, c.id, c.status.as_str(), c.title);
                println!(
                    "  event {}  equipment {} ({})",
                    rfc3339_ms(c.event_ms),
                    c.equipment_name,
                    c.equipment_kind
                );
                for j in &d.jobs {
                    let what = match (&j.media, &j.error) {
                        (Some(m), _) => m.path.clone(),
                        (None, Some(e)) => e.clone(),
                        _ => String::new(),
                    };
                    println!(
                        "  {:<10} {:<8} {:<8} {}",
                        j.camera_id,
                        j.kind.as_str(),
                        j.status.as_str(),
                        what
                    );
                }
            }
            Ok(())
        }
        CaseCmd::List { search, json } => {
            let list = cases
                .list(&CaseFilter {
                    search,
                    ..Default::default()
                })
                .map_err(|e| Box::new(e) as Box<dyn HasKind>)?;
            for c in list {
                if json {
                    println!("{}", serde_json::to_string(&c).expect("json"));
                } else {
                    println!(
                        "{} {} {} {}",
                        c.label,
                        rfc3339_ms(c.event_ms),
                        c.id,
                        c.title
                    );
                }
            }
            Ok(())
        }
        CaseCmd::Equipment {
            id,
            name,
            kind,
            tag,
        } => {
            let e = cases
                .save_equipment(&NewEquipment {
                    id,
                    name,
                    kind,
                    tag,
                })
                .map_err(|e| Box::new(e) as Box<dyn HasKind>)?;
            println!("{}", serde_json::to_string(&e).expect("json"));
            Ok(())
        }
        CaseCmd::Publish(_) => Ok(()), // handled above
        CaseCmd::Nearest { equipment, cameras } => {
            let ids: Vec<String> = cameras.iter().map(|c| camera_id(c)).collect();
            let l = cases
                .set_nearest(&equipment, &ids)
                .map_err(|e| Box::new(e) as Box<dyn HasKind>)?;
            println!("{}", l.join(" "));
            Ok(())
        }
    })();
    match out {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("vigil case: {}", e.to_ui().message);
            match e.kind() {
                vigil_engine::error::ErrorKind::InvalidInput
                | vigil_engine::error::ErrorKind::NotFound => exit::USAGE,
                _ => exit::FAILED,
            }
        }
    }
}
