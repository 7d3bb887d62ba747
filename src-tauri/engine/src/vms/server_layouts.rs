//! A site's own views (e.g. Milestone's `GetAllViewsAndCameras` views) as
//! layouts the operator can open: named `<site> / <view>`, on the smallest
//! grid (1, 4, 9, 16) that holds the view, the view's cameras in its order
//! (a camera the site does not list leaves its tile empty; a view of more
//! than 16 cameras shows its first 16). Read from the server each time,
//! never stored: the server's views stay the server's.
use serde::Serialize;

use super::site::camera_id;
use crate::engine::Engine;
use crate::error::EngineError;
use crate::store::{Layout, NamedLayout};

/// A view as a VMS lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VmsView {
    pub name: String,
    /// The view's grid when the VMS says (0: not said).
    pub columns: u32,
    pub rows: u32,
    /// The VMS's camera references, in the view's order.
    pub cameras: Vec<String>,
}

/// The grids a layout can have.
const GRIDS: [u8; 4] = [1, 4, 9, 16];

/// The layout of `view` on site `site_id` (named `site_name`); `known`
/// says whether a camera id is one of the site's.
pub fn view_layout(
    site_id: &str,
    site_name: &str,
    view: &VmsView,
    known: impl Fn(&str) -> bool,
) -> NamedLayout {
    let cells = (view.columns as usize * view.rows as usize).max(view.cameras.len());
    let grid = GRIDS
        .iter()
        .copied()
        .find(|g| *g as usize >= cells)
        .unwrap_or(16);
    let mut tiles: Vec<Option<String>> = view
        .cameras
        .iter()
        .take(grid as usize)
        .map(|r| Some(camera_id(site_id, r)).filter(|id| known(id)))
        .collect();
    tiles.resize(grid as usize, None);
    let name: String = format!("{} / {}", site_name.trim(), view.name.trim())
        .chars()
        .take(100)
        .collect();
    NamedLayout {
        name,
        layout: Layout { grid, tiles },
    }
}

impl Engine {
    /// The views of a site's VMS as layouts (none for kinds without views
    /// or a site without cameras).
    pub async fn server_layouts(&self, site_id: &str) -> Result<Vec<NamedLayout>, EngineError> {
        let cams = self.registry.site_cameras(site_id)?;
        let Some(first) = cams.first() else {
            return Ok(Vec::new());
        };
        let r = self.registry.resolve(&first.id)?;
        let views = r.adapter.views().await?;
        let name = if r.site.name.trim().is_empty() {
            r.site.id.clone()
        } else {
            r.site.name.clone()
        };
        Ok(views
            .iter()
            .map(|v| view_layout(site_id, &name, v, |id| cams.iter().any(|c| c.id == id)))
            .collect())
    }
}

/// A server view as the layout menu lists it: the site it comes from and
/// the layout.
#[derive(Debug, Clone, Serialize)]
pub struct ServerLayout {
    pub site: String,
    #[serde(flatten)]
    pub layout: NamedLayout,
}

impl Engine {
    /// The views of every site's VMS as layouts, site by site. A site that
    /// cannot list its views now (offline, a kind without views) adds none;
    /// its error is logged (redacted), not returned.
    pub async fn all_server_layouts(&self) -> Vec<ServerLayout> {
        let mut out = Vec::new();
        for st in self.sites() {
            if st.camera_count == 0 {
                continue;
            }
            match self.server_layouts(&st.site.id).await {
                Ok(ls) => out.extend(ls.into_iter().map(|layout| ServerLayout {
                    site: st.site.id.clone(),
                    layout,
                })),
                Err(e) => {
                    use crate::error::HasKind;
                    if e.kind() != crate::error::ErrorKind::Unsupported {
                        tracing::info!("{}: no server views: {}", st.site.id, e.to_ui().message);
                    }
                }
            }
        }
        out
    }
}

/// A VMS view with no usable name is called by its position.
pub fn view_name(name: &str, index: usize) -> String {
    let n = name.trim();
    if n.is_empty() {
        format!("View {}", index + 1)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_take_the_smallest_grid_and_keep_their_order() {
        let v = |c: u32, r: u32, cams: &[&str]| VmsView {
            name: "Lobby".into(),
            columns: c,
            rows: r,
            cameras: cams.iter().map(|s| s.to_string()).collect(),
        };
        let all = |_: &str| true;
        let l = view_layout("ms-1", "HQ", &v(2, 2, &["a", "b", "c"]), all);
        assert_eq!(l.name, "HQ / Lobby");
        assert_eq!(l.layout.grid, 4);
        assert_eq!(
            l.layout.tiles,
            vec![
                Some(camera_id("ms-1", "a")),
                Some(camera_id("ms-1", "b")),
                Some(camera_id("ms-1", "c")),
                None
            ]
        );
        assert_eq!(view_layout("s", "HQ", &v(1, 1, &["a"]), all).layout.grid, 1);
        // no grid said: the camera count decides; more than 16: the first 16
        let many: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let l = view_layout("s", "HQ", &v(0, 0, &refs[..5]), all);
        assert_eq!(l.layout.grid, 9);
        let l = view_layout("s", "HQ", &v(5, 4, &refs), all);
        assert_eq!((l.layout.grid, l.layout.tiles.len()), (16, 16));
        // a camera the site does not list: its tile is empty
        let l = view_layout("s", "HQ", &v(2, 2, &["a", "gone"]), |id| {
            id != camera_id("s", "gone")
        });
        assert_eq!(l.layout.tiles[1], None);
        assert!(l.layout.clone().normalized().is_ok());
    }
}
