//! Offline investigation: files and folders opened from disk (exported
//! clips, recorder folders, incident packages) as a `folder` site. The
//! catalog finds every video file and its start and camera; names, package
//! manifests and container times are read by pure parsers; what the operator
//! tells us (a file's start) and the recent list live in the store.
pub mod banner;
pub mod catalog;
pub mod container;
pub mod manifest;
pub mod names;
pub mod open;
pub mod starts;
