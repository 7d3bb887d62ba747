//! `vigil bench bus`: for each worker count, a fresh shared database and
//! media root, a door with N demo cameras as its nearest, a recording CMS
//! double, K `vigil worker` processes on a queue of their own, and C cases
//! published at once (footage already recorded). Prints one JSON line per
//! worker count: cases per second and the time from publishing a case to
//! its last file linked (p50/p99). Needs a broker (`--amqp`,
//! `--password-stdin`); figures, never pass/fail.
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;
use vigil_engine::bus::cms_double::CmsDouble;
use vigil_engine::bus::{publish_case_created, CaseCreated};
use vigil_engine::cases::rfc3339_ms;
use vigil_engine::media::source::now_ms;

use crate::bus_cli::BrokerArgs;

#[derive(Args)]
pub struct BusBench {
    #[command(flatten)]
    broker: BrokerArgs,
    /// Worker counts to measure, e.g. 1,2,3
    #[arg(long, default_value = "1,2,3", value_delimiter = ',')]
    workers: Vec<usize>,
    #[arg(long, default_value_t = 20)]
    cases: usize,
    /// Demo cameras per case (1-4)
    #[arg(long, default_value_t = 4)]
    cameras: usize,
    /// Messages each worker processes at once
    #[arg(long, default_value_t = 2)]
    max_jobs: u16,
    /// Give up on a run after this many seconds
    #[arg(long, default_value_t = 900)]
    timeout_s: u64,
}

fn vigil(data: &Path, args: &[&str]) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let o = Command::new(exe)
        .args(args)
        .env("VIGIL_DATA_DIR", data)
        .output()
        .map_err(|e| e.to_string())?;
    if !o.status.success() {
        return Err(format!(
            "vigil {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(())
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            // SIGTERM lets a worker finish its job and close the broker
            // connection; Windows has no such signal for a console child,
            // so it is ended at once there
            #[cfg(unix)]
            // SAFETY: signalling our own child by its pid.
            unsafe {
                libc::kill(c.id() as i32, libc::SIGTERM);
            }
            #[cfg(not(unix))]
            let _ = c.kill();
        }
        let t0 = Instant::now();
        for c in &mut self.0 {
            while t0.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = c.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub async fn run(a: BusBench) -> Result<(), String> {
    let target = a.broker.target().map_err(|(_, m)| m)?;
    let password_arg = a.broker.password_stdin;
    let cams = a.cameras.clamp(1, 4);
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // the password again for the workers' stdin (read once from ours)
    let password = target.password().to_string();
    for (run, &k) in a.workers.iter().enumerate() {
        let data = tmp.path().join(format!("data-{run}"));
        let media = tmp.path().join(format!("media-{run}"));
        std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
        vigil(
            &data,
            &[
                "case",
                "equipment",
                "--id",
                "door-b",
                "--name",
                "Bench door",
                "--kind",
                "door",
                "--tag",
                "BENCH-DOOR",
            ],
        )?;
        let mut near = vec!["case", "nearest", "door-b"];
        let names: Vec<String> = (1..=cams).map(|i| format!("demo:{i}")).collect();
        near.extend(names.iter().map(String::as_str));
        vigil(&data, &near)?;
        let cms = CmsDouble::start().map_err(|e| e.to_string())?;
        let tenant = format!("bench{}x{}", std::process::id(), run);
        let queue = format!("vigil.bench.{tenant}");
        let routing = format!("{tenant}.cms.case.created");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let mut children = Workers(Vec::new());
        for _ in 0..k {
            let mut c = Command::new(&exe)
                .args([
                    "worker",
                    "--amqp",
                    &a.broker.amqp,
                    "--exchange",
                    &a.broker.exchange,
                ])
                .args([
                    "--queue",
                    &queue,
                    "--routing",
                    &routing,
                    "--cms-url",
                    &cms.url(),
                ])
                .args(["--media-root", &media.to_string_lossy()])
                .args(["--max-jobs", &a.max_jobs.to_string()])
                .args(if password_arg {
                    vec!["--password-stdin"]
                } else {
                    vec![]
                })
                .env("VIGIL_DATA_DIR", &data)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| e.to_string())?;
            if let Some(mut i) = c.stdin.take() {
                if password_arg {
                    let _ = i.write_all(password.as_bytes());
                }
            }
            let out = c.stdout.take().ok_or("no stdout")?;
            let tx = tx.clone();
            std::thread::spawn(move || {
                for l in BufReader::new(out).lines().map_while(Result::ok) {
                    let _ = tx.send(l);
                }
            });
            children.0.push(c);
        }
        let mut connected = 0;
        let t0 = Instant::now();
        while connected < k {
            let l = rx
                .recv_timeout(Duration::from_secs(60).saturating_sub(t0.elapsed()))
                .map_err(|_| "workers did not connect within 60 s".to_string())?;
            if l.contains("\"event\":\"connected\"") {
                connected += 1;
            }
        }
        let mut published = Vec::new();
        let base = now_ms() - 30_000;
        for i in 0..a.cases {
            let m = CaseCreated {
                id: format!("{}{:05}", 70_000 + run, i),
                timestamp: rfc3339_ms(base - i as i64 * 11_000),
                equipment_tag: "BENCH-DOOR".into(),
                device_data: "{}".into(),
                case_no: format!("BENCH-{run}-{i}"),
            };
            publish_case_created(&target, &a.broker.exchange, &tenant, &m)
                .await
                .map_err(|e| e.to_string())?;
            published.push((m.id, now_ms()));
        }
        let want = a.cases * cams * 2;
        let t_start = published.first().map(|p| p.1).unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(a.timeout_s);
        while cms.links().len() < want && Instant::now() < deadline {
            while rx.try_recv().is_ok() {}
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let links = cms.links();
        let mut lat = Vec::new();
        let mut last = t_start;
        for (id, at) in &published {
            let mine: Vec<i64> = links
                .iter()
                .filter(|l| &l.case_id == id)
                .map(|l| l.at_ms)
                .collect();
            if mine.len() == cams * 2 {
                let done = mine.iter().copied().max().unwrap_or(*at);
                last = last.max(done);
                lat.push((done - at) as f64 / 1000.0);
            }
        }
        let wall = (last - t_start) as f64 / 1000.0;
        let dup = cms.counts().values().filter(|n| **n > 1).count();
        println!(
            "{}",
            json!({"bench": "bus", "workers": k, "cases": a.cases, "cameras_per_case": cams,
                   "max_jobs": a.max_jobs, "cases_done": lat.len(), "links": links.len(),
                   "duplicate_links": dup,
                   "cases_per_s": lat.len() as f64 / wall.max(0.001),
                   "files_per_s": (lat.len() * cams * 2) as f64 / wall.max(0.001),
                   "published_to_linked_p50_s": pct(&mut lat.clone(), 0.5),
                   "published_to_linked_p99_s": pct(&mut lat, 0.99),
                   "wall_s": wall})
        );
        drop(children);
    }
    Ok(())
}
