//! The per-site switch "publish cases to the bus instead of cutting
//! locally": when on, a console that creates a case on that site's
//! equipment publishes a case-created message and lets the workers cut and
//! link the footage (the console hears `case.media.ready` like every other
//! console). Stored as a setting (`bus.publish.site.<site id>` = `1`).
use crate::store::{Store, StoreError};

fn key(site_id: &str) -> String {
    format!("bus.publish.site.{site_id}")
}

/// Whether cases on `site_id` go to the bus.
pub fn publish_to_bus(store: &Store, site_id: &str) -> Result<bool, StoreError> {
    Ok(store.setting(&key(site_id))?.as_deref() == Some("1"))
}

/// Turns the switch on or off for `site_id`.
pub fn set_publish_to_bus(store: &Store, site_id: &str, on: bool) -> Result<(), StoreError> {
    store.set_setting(&key(site_id), if on { "1" } else { "0" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_is_per_site_and_off_by_default() {
        let s = Store::open_in_memory().unwrap();
        assert!(!publish_to_bus(&s, "demo").unwrap());
        set_publish_to_bus(&s, "demo", true).unwrap();
        assert!(publish_to_bus(&s, "demo").unwrap());
        assert!(!publish_to_bus(&s, "other").unwrap());
        set_publish_to_bus(&s, "demo", false).unwrap();
        assert!(!publish_to_bus(&s, "demo").unwrap());
    }
}
