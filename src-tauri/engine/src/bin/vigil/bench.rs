//! `vigil bench`: benchmarks that print figures (never pass/fail).
use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCmd {}

pub async fn run(cmd: BenchCmd) -> i32 {
    match cmd {}
}
