//! The schema, as an ordered list of migrations. Never edit a released
//! migration; append a new one.
use rusqlite_migration::{Migrations, M};

pub fn migrations() -> Migrations<'static> {
    Migrations::new(all())
}

/// The first `n` migrations only: a database as an older release left it
/// (migration tests).
pub fn migrations_up_to(n: usize) -> Migrations<'static> {
    Migrations::new(all().into_iter().take(n).collect())
}

fn all() -> Vec<M<'static>> {
    vec![
        M::up(
            r#"
CREATE TABLE sites (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,          -- demo | rtsp | onvif | ...
    time_zone     TEXT NOT NULL,          -- IANA name
    created_at_ms INTEGER NOT NULL
);
-- Cameras of configured sites. URLs never carry credentials; the password
-- lives in the OS keyring under account camera/<id>.
CREATE TABLE cameras (
    id            TEXT PRIMARY KEY,
    site_id       TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    main_url      TEXT NOT NULL,
    sub_url       TEXT,
    username      TEXT,
    transport     TEXT NOT NULL DEFAULT 'tcp' CHECK (transport IN ('tcp', 'udp')),
    ptz           INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX cameras_site ON cameras(site_id);
CREATE TABLE layouts (
    name          TEXT PRIMARY KEY,
    layout_json   TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
        ),
        M::up(
            r#"
-- ONVIF devices (each is also a site of kind 'onvif'). No password column:
-- it lives in the OS keyring under account camera/<device id>.
CREATE TABLE onvif_devices (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    address       TEXT NOT NULL,
    username      TEXT,
    manufacturer  TEXT NOT NULL DEFAULT '',
    model         TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL
);
-- One camera per video source: its main and sub profile, their sizes and
-- codecs, and the last stream URIs the device gave (no credentials).
CREATE TABLE onvif_cameras (
    id            TEXT PRIMARY KEY,
    device_id     TEXT NOT NULL REFERENCES onvif_devices(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    video_source  TEXT NOT NULL,
    main_profile  TEXT NOT NULL,
    main_width    INTEGER NOT NULL,
    main_height   INTEGER NOT NULL,
    main_codec    TEXT NOT NULL,
    main_uri      TEXT,
    sub_profile   TEXT,
    sub_width     INTEGER,
    sub_height    INTEGER,
    sub_codec     TEXT,
    sub_uri       TEXT,
    ptz           INTEGER NOT NULL DEFAULT 0,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX onvif_cameras_device ON onvif_cameras(device_id);
"#,
        ),
        M::up(include_str!("../cases/schema.sql")),
        M::up(include_str!("../footage/lease.sql")),
        M::up_with_hook(
            super::migrate_sites::SQL,
            super::migrate_sites::move_to_sites,
        ),
        M::up(include_str!("../bookmarks/schema.sql")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn empty_database_migrates_to_latest_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrations().to_latest(&mut conn).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert!(version >= 2, "migrated: {version}");
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap();
        let tables: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        drop(stmt);
        for t in [
            "site_cameras",
            "layouts",
            "settings",
            "sites",
            "keyring_moves",
        ] {
            assert!(tables.iter().any(|x| x == t), "{t} in {tables:?}");
        }
        for gone in ["cameras", "onvif_cameras", "onvif_devices"] {
            assert!(!tables.iter().any(|x| x == gone), "{gone} dropped");
        }
        let cols: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info('sites') UNION ALL SELECT name FROM pragma_table_info('site_cameras')")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            !cols.iter().any(|c| c.contains("pass")),
            "no password column: {cols:?}"
        );
        // migrating again is a no-op
        migrations().to_latest(&mut conn).unwrap();
    }
}
