//! `vigil package create` (from a case, or from marked ranges of any
//! sources) and `vigil package verify` (exit 0 intact and signed by this
//! install's or a trusted key; 1 tampered, naming each file; 2 unsigned or
//! signed by an unknown key). Works with no network: nothing here connects.
use std::path::PathBuf;

use clap::Subcommand;
use vigil_engine::error::HasKind;
use vigil_engine::evidence::key::{normalize_fingerprint, TrustedKeys};
use vigil_engine::evidence::{verify_package_with, MarkedRange};
use vigil_engine::media::source::StopFlag;
use vigil_engine::playback::day::system_time_zone;
use vigil_engine::secrets::SecretStore;

use crate::evidence_src::{engine, progress_printer, resolve, time, who};
use crate::exit;
use crate::frames_out::CliError;
use crate::recorded::{code_of, SourceCredentials};

#[derive(Subcommand)]
pub enum PackageCmd {
    /// Make a signed incident package (a folder, or a zip if --out ends in .zip).
    Create {
        /// A case's clips, snapshots and record
        #[arg(long, conflicts_with_all = ["source", "from", "to"], required_unless_present = "source")]
        case: Option<String>,
        /// Marked ranges: --source SRC --from T --to T, repeated per range
        #[arg(long)]
        source: Vec<String>,
        #[arg(long)]
        from: Vec<String>,
        #[arg(long)]
        to: Vec<String>,
        #[command(flatten)]
        credentials: SourceCredentials,
        /// Title of a package of ranges
        #[arg(long, default_value = "Incident package")]
        title: String,
        #[arg(long)]
        out: PathBuf,
        /// Who exports it (default: user@host)
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        tz: Option<String>,
    },
    /// Check a package (folder or zip): exit 0 intact, 1 tampered, 2 unsigned or unknown key.
    Verify {
        path: PathBuf,
        /// Also trust this key fingerprint (a colleague's), repeatable
        #[arg(long)]
        trust: Vec<String>,
        /// Print the report as one JSON object
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: PackageCmd) -> i32 {
    match cmd {
        PackageCmd::Verify { path, trust, json } => verify(path, trust, json),
        create @ PackageCmd::Create { .. } => match create_cmd(create).await {
            Ok(()) => exit::OK,
            Err((c, m)) => {
                eprintln!("vigil package create: {m}");
                c
            }
        },
    }
}

fn verify(path: PathBuf, trust: Vec<String>, json: bool) -> i32 {
    let mut keys = TrustedKeys::for_install(&SecretStore::vigil());
    for t in &trust {
        if normalize_fingerprint(t).is_none() {
            eprintln!("vigil package verify: --trust {t:?} is not a SHA-256 fingerprint");
            return exit::USAGE;
        }
        keys = keys.trust(t);
    }
    let r = match verify_package_with(&path, &keys) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("vigil package verify: {e}");
            return 2;
        }
    };
    if json {
        println!("{}", serde_json::to_string(&r).unwrap_or_default());
    } else {
        println!("{}", r.summary());
        for p in &r.problems {
            println!("  {:?} {}: {}", p.kind, p.path, p.detail);
        }
    }
    r.exit_code()
}

async fn create_cmd(cmd: PackageCmd) -> Result<(), CliError> {
    let PackageCmd::Create {
        case,
        source,
        from,
        to,
        credentials,
        title,
        out,
        by,
        tz,
    } = cmd
    else {
        return Err((exit::USAGE, "not create".into()));
    };
    let by = by.unwrap_or_else(who);
    let tz = tz.unwrap_or_else(system_time_zone);
    let eng = engine().await?;
    let made = if let Some(id) = case {
        tokio::task::block_in_place(|| {
            eng.export_case_package(&id, &out, &by, &mut progress_printer())
        })
        .map_err(|e| (code_of(&e), e.to_string()))?
    } else {
        if source.len() != from.len() || source.len() != to.len() {
            return Err((
                exit::USAGE,
                "give --source, --from and --to once per range".into(),
            ));
        }
        let mut ranges = Vec::new();
        for ((s, f), t) in source.iter().zip(&from).zip(&to) {
            let creds = credentials.resolve(s)?;
            let (footage, camera, src) = resolve(Some(&eng), s, &tz, creds.as_ref())?;
            ranges.push(MarkedRange {
                footage,
                camera,
                source: src,
                from_ms: time(f)?,
                to_ms: time(t)?,
            });
        }
        tokio::task::block_in_place(|| {
            eng.export_range_package(
                &title,
                &ranges,
                &out,
                &by,
                &mut progress_printer(),
                StopFlag::default(),
            )
        })
        .map_err(|e| (code_of(&e as &dyn HasKind), e.to_string()))?
    };
    if made.not_ready > 0 {
        eprintln!(
            "warning: {} case media not done yet were left out (run `vigil footage run` first)",
            made.not_ready
        );
    }
    println!("{}", serde_json::to_string(&made).unwrap_or_default());
    Ok(())
}
