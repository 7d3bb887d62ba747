//! Gives freed heap memory back to the operating system after a large
//! release. A stopped ingest frees its decoder's and scaler's frame pools
//! (tens of MB for a 1080p stream), but glibc keeps freed chunks resident
//! in its arenas; after a 4-tile layout of main streams turns into 16 tiles
//! of sub streams the app stayed 80-110 MB larger than when 16 tiles came
//! first (docs/operator-window.md). `malloc_trim(0)` returns the free pages
//! of every arena. Elsewhere (Windows, musl) it does nothing.

/// Returns free heap pages to the OS (glibc on Linux), once per call.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; no
    // pointer of ours is touched, and it is thread-safe in glibc.
    unsafe {
        libc::malloc_trim(0);
    }
}
