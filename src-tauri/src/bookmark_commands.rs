//! Tauri commands for bookmarks (add, list/search, delete, export a
//! bookmark's range as a clip) and timeline thumbnails (the engine's LRU
//! cache, made by its bounded workers off the UI thread).
use tauri::State;

use vigil_engine::bookmarks::engine_api::BookmarkClip;
use vigil_engine::bookmarks::{Bookmark, BookmarkFilter, NewBookmark};
use vigil_engine::engine::Engine;
use vigil_engine::error::{HasKind, UiError};
use vigil_engine::media::source::StopFlag;
use vigil_engine::thumbnails::{Thumbnail, Thumbnails};

type Res<T> = Result<T, UiError>;

fn ui<E: HasKind>(e: E) -> UiError {
    e.to_ui()
}

/// Thumbnails kept in the cache, and made at once.
pub const THUMB_CACHE: usize = 512;
pub const THUMB_WORKERS: usize = 2;

#[tauri::command]
pub async fn add_bookmark(engine: State<'_, Engine>, request: NewBookmark) -> Res<Bookmark> {
    engine.add_bookmark(&request).map_err(ui)
}

#[tauri::command]
pub async fn list_bookmarks(
    engine: State<'_, Engine>,
    filter: Option<BookmarkFilter>,
) -> Res<Vec<Bookmark>> {
    engine.bookmarks(&filter.unwrap_or_default()).map_err(ui)
}

#[tauri::command]
pub async fn delete_bookmark(engine: State<'_, Engine>, id: i64) -> Res<bool> {
    engine.delete_bookmark(id).map_err(ui)
}

#[tauri::command]
pub async fn export_bookmark_clip(
    app: tauri::AppHandle,
    id: i64,
    dir: Option<String>,
) -> Res<BookmarkClip> {
    use tauri::Manager;
    let done = tauri::async_runtime::spawn_blocking(move || {
        let engine = app.state::<Engine>();
        engine
            .export_bookmark_clip(
                id,
                dir.as_deref().map(std::path::Path::new),
                StopFlag::default(),
            )
            .map_err(ui)
    })
    .await;
    done.map_err(|e| UiError {
        kind: vigil_engine::error::ErrorKind::Internal,
        message: format!("bookmark clip: {e}"),
        certificate: None,
    })?
}

#[tauri::command]
pub async fn timeline_thumbnail(
    engine: State<'_, Engine>,
    thumbs: State<'_, Thumbnails>,
    camera: String,
    at_ms: i64,
) -> Res<Thumbnail> {
    Ok((*engine
        .thumbnail(&thumbs, &camera, at_ms)
        .await
        .map_err(ui)?)
    .clone())
}
