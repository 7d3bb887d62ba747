//! Runs the `vigil` CLI built beside the tests: on a data directory, with
//! optional stdin (passwords go there, never in argv), output kept for the
//! assertions and for the "no secret printed" checks.
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `vigil` binary: `VIGIL_BIN`, else the one cargo built beside this
/// test (`cargo build -p vigil-engine --bin vigil`).
pub fn vigil_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("VIGIL_BIN") {
        return p.into();
    }
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join(format!("vigil{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: build it (cargo build -p vigil-engine --bin vigil), or set VIGIL_BIN",
        bin.display()
    );
    bin
}

/// `vigil ARGS` on `data`, `stdin` written then closed.
pub fn vigil(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    vigil_env(data, args, stdin, &[])
}

/// [`vigil`] with extra environment variables.
pub fn vigil_env(
    data: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &OsStr)],
) -> Output {
    let mut child = Command::new(vigil_bin())
        .args(args)
        .env("VIGIL_DATA_DIR", data)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run vigil");
    {
        let mut w = child.stdin.take().expect("stdin");
        if let Some(s) = stdin {
            w.write_all(s.as_bytes()).expect("write stdin");
        }
    }
    child.wait_with_output().expect("vigil output")
}

/// Stdout then stderr, for messages and secret checks.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Stdout of a run that must have succeeded (else its exit and output).
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        text(o)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}
