//! The TypeScript types of everything that crosses the UI boundary,
//! generated from the Rust types with ts-rs (never hand-written). The UI
//! imports `ui/src/bindings/engine.ts`; a test fails when that file is not
//! what the Rust types say, and `VIGIL_WRITE_BINDINGS=1 cargo test -p
//! vigil-engine --lib bindings` rewrites it.
use ts_rs::{Config, TS};

/// Every exported type's declaration, in one module.
pub fn typescript() -> String {
    let cfg = Config::new().with_large_int("number");
    let decls = [
        crate::error::ErrorKind::decl(&cfg),
        crate::error::UiError::decl(&cfg),
        crate::vms::StreamKind::decl(&cfg),
        crate::vms::StreamInfo::decl(&cfg),
        crate::vms::PtzCaps::decl(&cfg),
        crate::vms::Capabilities::decl(&cfg),
        crate::vms::CameraInfo::decl(&cfg),
        crate::vms::site::SiteInfo::decl(&cfg),
        crate::vms::site::SiteRequest::decl(&cfg),
        crate::vms::site::SiteState::decl(&cfg),
        crate::vms::site::SiteHealth::decl(&cfg),
        crate::vms::site::SiteStatus::decl(&cfg),
        crate::vms::site::SiteProbe::decl(&cfg),
        crate::vms::kinds::FieldInput::decl(&cfg),
        crate::vms::kinds::FieldSpec::decl(&cfg),
        crate::vms::kinds::KindSpec::decl(&cfg),
        crate::store::Layout::decl(&cfg),
        crate::store::NamedLayout::decl(&cfg),
        crate::hub::HubInfo::decl(&cfg),
        crate::cases::media_server::MediaServerInfo::decl(&cfg),
        crate::playback::Span::decl(&cfg),
        crate::playback::day::DayBounds::decl(&cfg),
        crate::offline::catalog::StartSource::decl(&cfg),
        crate::offline::open::OfflineCamera::decl(&cfg),
        crate::offline::open::OfflineFile::decl(&cfg),
        crate::offline::open::OfflineOpen::decl(&cfg),
        crate::offline::banner::PackageState::decl(&cfg),
        crate::offline::banner::PackageBanner::decl(&cfg),
        crate::offline::starts::OperatorStart::decl(&cfg),
        crate::offline::starts::RecentOpen::decl(&cfg),
        crate::evidence::ui_exports::CasePackageExport::decl(&cfg),
        crate::evidence::ui_exports::SnapshotFile::decl(&cfg),
        crate::evidence::ui_exports::EvidenceKeyInfo::decl(&cfg),
        crate::bookmarks::Bookmark::decl(&cfg),
        crate::bookmarks::NewBookmark::decl(&cfg),
        crate::bookmarks::BookmarkFilter::decl(&cfg),
        crate::bookmarks::engine_api::BookmarkClip::decl(&cfg),
        crate::thumbnails::Thumbnail::decl(&cfg),
        crate::ui_state::PlaybackState::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the engine's Rust types by ts-rs (src-tauri/engine/src/bindings.rs).\n\
         // Do not edit: run `VIGIL_WRITE_BINDINGS=1 cargo test -p vigil-engine --lib bindings`.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    #[test]
    fn ui_bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui/src/bindings/engine.ts");
        let want = super::typescript();
        if std::env::var_os("VIGIL_WRITE_BINDINGS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is not what the Rust types say; run VIGIL_WRITE_BINDINGS=1 cargo test -p vigil-engine --lib bindings",
            path.display()
        );
    }
}
