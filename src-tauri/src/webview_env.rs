//! WebKitGTK settings chosen before the first window opens. On a machine with
//! no GPU render node (`/dev/dri/renderD*`: a VM, a server, Xvfb), WebKit's
//! accelerated compositing runs on Mesa's software rasterizer (llvmpipe),
//! which costs more than painting the page on the CPU: the frames-drawn
//! benchmark (tests/ui/bench-frames.mjs, docs/operator-window.md) drew 16
//! live tiles at about half the rate, with more memory. There the app asks
//! WebKit for its non-composited mode (`WEBKIT_DISABLE_COMPOSITING_MODE=1`).
//! A value the operator set for that variable is kept. Only WebKitGTK
//! (Linux) reads it; on Windows (WebView2) nothing is set or logged.
use std::path::Path;

const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

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

/// Sets WebKit's environment for this machine. Call first thing in `main`,
/// before any thread starts.
pub fn apply() {
    if !cfg!(target_os = "linux")
        || std::env::var_os(VAR).is_some()
        || has_render_node(Path::new("/dev/dri"))
    {
        return;
    }
    std::env::set_var(VAR, "1");
    tracing::info!("no GPU render node: WebKit paints without accelerated compositing ({VAR}=1)");
}

#[cfg(test)]
mod tests {
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
