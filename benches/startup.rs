//! `safedesk --version` start-up against a hello-world binary built here
//! with the same compiler: the cost of our start before any work.
//!
//! `cargo bench --bench startup` (builds the release binary first).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn median_run(bin: &Path, args: &[&str], runs: usize) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let status = Command::new(bin).args(args).output().expect("run");
            assert!(status.status.success());
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let built = Command::new("cargo")
        .args(["build", "--release", "--quiet", "--bin", "safedesk"])
        .current_dir(root)
        .status()?;
    anyhow::ensure!(built.success(), "cargo build --release failed");
    let ours = root.join("target/release/safedesk");

    let dir = tempfile::tempdir()?;
    let src = dir.path().join("hello.rs");
    std::fs::write(&src, "fn main() { println!(\"hello 0.1.0\"); }\n")?;
    let hello = dir.path().join("hello");
    let rustc = Command::new("rustc")
        .args(["-O", "-o"])
        .arg(&hello)
        .arg(&src)
        .status()?;
    anyhow::ensure!(rustc.success(), "rustc hello.rs failed");

    let runs = 201;
    let base = median_run(&hello, &[], runs);
    let mine = median_run(&ours, &["--version"], runs);
    println!(
        "startup: hello-world {:.2} ms, safedesk --version {:.2} ms, ratio {:.2}x (medians of {runs})",
        base.as_secs_f64() * 1e3,
        mine.as_secs_f64() * 1e3,
        mine.as_secs_f64() / base.as_secs_f64()
    );
    Ok(())
}
