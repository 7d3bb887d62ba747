//! (placeholder; filled by the hardening work of issue 12)
