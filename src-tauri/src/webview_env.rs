//! WebKitGTK settings chosen before the first window opens. On a machine with
//! no GPU render node (`/dev/dri/renderD*`: a VM, a server, Xvfb), WebKit's
//! accelerated compositing runs on Mesa's software rasterizer (llvmpipe),
//! which costs more than painting the page on the CPU: the frames-drawn
//! benchmark (tests/ui/bench-frames.mjs, docs/operator-window.md) drew 16
//! live tiles at about half the rate, with more memory. There the app asks
//! WebKit for its non-composited mode (`WEBKIT_DISABLE_COMPOSITING_MODE=1`).
//! A value the operator set for that variable is kept. Only WebKitGTK
//! (Linux) reads it; on Windows (WebView2) nothing is set or logged.
//!
//! On every Linux machine the web process's JavaScript engine is also told
//! to size its garbage collection for 384 MB of RAM (`JSC_forceRAMSize`,
//! a JavaScriptCore option read from the environment): the live grid
//! receives every frame as a new ArrayBuffer (16 tiles: 240 a second), and
//! with the machine's real RAM as its guide JSC let that garbage pile up,
//! so the web process sat 200-270 MB with 16 tiles instead of 207-212
//! (docs/operator-window.md, frames-drawn benchmark). A value the operator
//! set is kept.
//!
//! Without a render node WebGL also runs on llvmpipe, and there the grid's
//! 2D-canvas renderer (I420 to RGBA in JS, `putImageData`, `drawImage`)
//! costs a third of the CPU of the WebGL2 one for the same frames (16
//! tiles at 15 fps each: WebKit 0.43-0.47 cores against 1.01-1.30). The
//! [`plugin`] tells every webview which to use (`window.__VIGIL_RENDER__`,
//! `"2d"` or `"auto"`), before the page's own scripts run.
use std::path::Path;

use tauri::plugin::{Builder, TauriPlugin};
use tauri::Runtime;

const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
const JSC_RAM: &str = "JSC_forceRAMSize";
/// The RAM size (bytes) JavaScriptCore sizes its heap growth by.
const JSC_RAM_BYTES: &str = "402653184";

/// Whether `dir` (normally `/dev/dri`) holds a GPU render node.
pub fn has_render_node(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

/// Sets WebKit's environment for this machine and returns whether WebGL
/// would run in software (Linux without a GPU render node; Windows always
/// has Direct3D: false), for [`plugin`]. Call first thing in `main`, before
/// any thread starts.
pub fn apply() -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    if std::env::var_os(JSC_RAM).is_none() {
        std::env::set_var(JSC_RAM, JSC_RAM_BYTES);
    }
    let software_gl = !has_render_node(Path::new("/dev/dri"));
    if software_gl && std::env::var_os(VAR).is_none() {
        std::env::set_var(VAR, "1");
        tracing::info!(
            "no GPU render node: WebKit paints without accelerated compositing ({VAR}=1)"
        );
    }
    software_gl
}

/// The script that tells the UI's renderer what to use: `"2d"` when WebGL
/// would be software-rendered, else `"auto"` (WebGL2 where it works).
pub fn render_hint_script(software_gl: bool) -> String {
    let hint = if software_gl { "2d" } else { "auto" };
    format!("window.__VIGIL_RENDER__ = '{hint}';")
}

/// A plugin that sets the render hint in every webview (main and torn-out
/// windows) before the page loads; `software_gl` from [`apply`].
pub fn plugin<R: Runtime>(software_gl: bool) -> TauriPlugin<R> {
    if software_gl {
        tracing::info!("no GPU render node: the live grid draws with the 2D canvas (WebGL would run in software)");
    }
    Builder::new("vigil-render-hint")
        .js_init_script(render_hint_script(software_gl))
        .build()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_hint_says_2d_only_for_software_gl() {
        assert_eq!(render_hint_script(true), "window.__VIGIL_RENDER__ = '2d';");
        assert_eq!(
            render_hint_script(false),
            "window.__VIGIL_RENDER__ = 'auto';"
        );
    }

    use super::*;

    #[test]
    fn render_node_found_only_by_its_name() {
        let dir = std::env::temp_dir().join(format!("vigil-dri-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        assert!(!has_render_node(&dir));
        std::fs::write(dir.join("card0"), b"").expect("card0");
        assert!(!has_render_node(&dir));
        std::fs::write(dir.join("renderD128"), b"").expect("renderD128");
        assert!(has_render_node(&dir));
        std::fs::remove_dir_all(&dir).expect("cleanup");
        assert!(!has_render_node(&dir));
    }
}
