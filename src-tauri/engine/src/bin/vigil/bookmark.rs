//! `vigil bookmark`: add a bookmark (a camera's moment, a note, an optional
//! range), list or search them, and export one's range as a clip. Uses the
//! persistent database (VIGIL_DATA_DIR), like the app.
use clap::Subcommand;
use vigil_engine::bookmarks::{BookmarkFilter, NewBookmark};
use vigil_engine::cases::{parse_rfc3339, rfc3339_ms};
use vigil_engine::engine::{Engine, EngineConfig};
use vigil_engine::error::HasKind;
use vigil_engine::media::source::StopFlag;

use crate::exit;

#[derive(Subcommand)]
pub enum BookmarkCmd {
    /// Add a bookmark; prints its id.
    Add {
        /// A camera: its id or demo:K.
        #[arg(long)]
        camera: String,
        /// The moment, RFC 3339 (e.g. 2026-03-04T05:06:07Z).
        #[arg(long)]
        at: String,
        /// Range start, RFC 3339 (with --to).
        #[arg(long, requires = "to")]
        from: Option<String>,
        /// Range end, RFC 3339 (with --from).
        #[arg(long, requires = "from")]
        to: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List bookmarks, latest moment first.
    List {
        /// Words the note or the camera id must contain.
        #[arg(long)]
        search: Option<String>,
        /// Only this camera (id or demo:K).
        #[arg(long)]
        camera: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export a bookmark's range (or its moment ± 5 s) as a clip; prints it as JSON.
    Clip {
        id: i64,
        /// Folder to write to (default: the media root's `bookmarks` folder).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
}

fn camera_id(src: &str) -> String {
    match src.strip_prefix("demo:") {
        Some(k) => format!("demo-{k}"),
        None => src.to_string(),
    }
}

fn boxed<E: HasKind + 'static>(e: E) -> Box<dyn HasKind> {
    Box::new(e)
}

pub async fn run(cmd: BookmarkCmd) -> i32 {
    let engine = match Engine::start(EngineConfig::default()).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("vigil bookmark: {}", e.to_ui().message);
            return exit::FAILED;
        }
    };
    let out: Result<(), Box<dyn HasKind>> = match cmd {
        BookmarkCmd::Add {
            camera,
            at,
            from,
            to,
            note,
        } => (|| {
            let at_ms = parse_rfc3339(&at).map_err(boxed)?;
            let from_ms = from
                .as_deref()
                .map(parse_rfc3339)
                .transpose()
                .map_err(boxed)?;
            let to_ms = to
                .as_deref()
                .map(parse_rfc3339)
                .transpose()
                .map_err(boxed)?;
            let b = engine
                .add_bookmark(&NewBookmark {
                    camera: camera_id(&camera),
                    at_ms,
                    from_ms,
                    to_ms,
                    note,
                })
                .map_err(boxed)?;
            println!("{}", b.id);
            Ok(())
        })(),
        BookmarkCmd::List {
            search,
            camera,
            json,
        } => (|| {
            let list = engine
                .bookmarks(&BookmarkFilter {
                    text: search,
                    cameras: camera.iter().map(|c| camera_id(c)).collect(),
                    ..Default::default()
                })
                .map_err(boxed)?;
            for b in list {
                if json {
                    println!("{}", serde_json::to_string(&b).expect("json"));
                } else {
                    let range = match (b.from_ms, b.to_ms) {
                        (Some(a), Some(z)) => format!(" [{} .. {}]", rfc3339_ms(a), rfc3339_ms(z)),
                        _ => String::new(),
                    };
                    println!(
                        "{} {} {}{} {}",
                        b.id,
                        b.camera,
                        rfc3339_ms(b.at_ms),
                        range,
                        b.note
                    );
                }
            }
            Ok(())
        })(),
        BookmarkCmd::Clip { id, dir } => {
            let done = tokio::task::spawn_blocking(move || {
                engine.export_bookmark_clip(id, dir.as_deref(), StopFlag::default())
            })
            .await;
            match done {
                Ok(Ok(c)) => {
                    println!("{}", serde_json::to_string(&c).expect("json"));
                    Ok(())
                }
                Ok(Err(e)) => Err(boxed(e)),
                Err(e) => {
                    eprintln!("vigil bookmark: {e}");
                    return exit::FAILED;
                }
            }
        }
    };
    match out {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("vigil bookmark: {}", e.to_ui().message);
            match e.kind() {
                vigil_engine::error::ErrorKind::InvalidInput => exit::USAGE,
                _ => exit::FAILED,
            }
        }
    }
}
