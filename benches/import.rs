//! Import benchmark: a cylinder register of 1,000,000 rows (codes in random
//! order) through `safedesk import` into a `safedesk serve`, against
//! `sqlite3 .import` of the same CSV into a table with the same key, run
//! side by side. Prints both, the ratio, and the peak RSS of our client and
//! server.
//!
//! `SAFEDESK_BENCH_ROWS=10000000` for the memory check;
//! `SAFEDESK_BENCH_PG=postgres://…/db` to import into PostgreSQL instead,
//! against `psql \copy` into the same table there.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const SCHEMA: &str = "CREATE TABLE cylinders (code TEXT PRIMARY KEY, owner_uscc TEXT NOT NULL, \
     owner_name TEXT, spec TEXT, made_on TEXT NOT NULL, last_inspected_on TEXT, \
     next_inspection_on TEXT NOT NULL, state TEXT NOT NULL)";

const OWNERS: [(&str, &str); 4] = [
    ("苏州港华燃气有限公司", "91320100MA1MYC2T0R"),
    ("南京中燃城市燃气发展有限公司", "914403001922038216"),
    ("无锡华润燃气有限公司", "9144030071526726XG"),
    ("常州港华燃气有限公司", "91320100MA1MYC2T0R"),
];

fn main() {
    let rows: u64 = std::env::var("SAFEDESK_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let pg = std::env::var("SAFEDESK_BENCH_PG")
        .ok()
        .filter(|s| !s.is_empty());
    let pg = pg.map(|url| fresh_pg(&url));
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("cylinders.csv");
    let bytes = generate(&csv, rows);
    println!(
        "{rows} cylinder rows, {:.1} MB CSV, codes in random order, database: {}",
        bytes as f64 / 1e6,
        if pg.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    let ours = ours(dir.path(), &csv, pg.as_deref());
    let peer = match &pg {
        Some(url) => psql_copy(url, &csv),
        None => sqlite3_import(dir.path(), &csv),
    };
    let rate = |s: f64| rows as f64 / s / 1000.0;
    println!(
        "peer ({}): {:.2} s, {:.0} k rows/s",
        if pg.is_some() {
            "psql \\copy"
        } else {
            "sqlite3 .import"
        },
        peer,
        rate(peer)
    );
    println!(
        "safedesk import: {:.2} s, {:.0} k rows/s",
        ours.secs,
        rate(ours.secs)
    );
    println!("ratio (ours / peer, rows/s): {:.2}x", peer / ours.secs);
    println!(
        "peak RSS: client {:.0} MB, server {:.0} MB",
        ours.client_kb as f64 / 1024.0,
        ours.server_kb as f64 / 1024.0
    );
}

/// Writes the register; returns its size in bytes.
fn generate(path: &Path, rows: u64) -> u64 {
    let mut w = BufWriter::new(std::fs::File::create(path).expect("create CSV"));
    writeln!(
        w,
        "气瓶编码,产权单位,产权单位信用代码,规格型号,制造日期,上次检验日期,下次检验日期,状态"
    )
    .expect("write");
    // A multiplicative permutation of 0..rows: every code once, scattered.
    let step = (2_654_435_761u64 % rows.max(2)) | 1;
    let step = (step..).find(|s| gcd(*s, rows) == 1).unwrap_or(1);
    for i in 0..rows {
        let n = (i * step) % rows;
        let (owner, uscc) = OWNERS[(n % 4) as usize];
        let year = 2012 + n % 12;
        let (m, d) = (1 + n % 12, 1 + n % 28);
        let state = if n.is_multiple_of(97) {
            "停用"
        } else {
            "在用"
        };
        writeln!(
            w,
            "JS{n:010},{owner},{uscc},YSP{},{year}-{m:02}-{d:02},{}-{m:02}-{d:02},{}-{m:02}-{d:02},{state}",
            if n.is_multiple_of(3) { 50 } else { 15 },
            2024 + n % 2,
            2028 + n % 2,
        )
        .expect("write");
    }
    w.flush().expect("flush");
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

struct Ours {
    secs: f64,
    client_kb: u64,
    server_kb: u64,
}

fn ours(dir: &Path, csv: &Path, pg: Option<&str>) -> Ours {
    let bin = env!("CARGO_BIN_EXE_safedesk");
    let data = dir.join("server");
    std::fs::create_dir_all(&data).expect("data dir");
    let mut serve = Command::new(bin);
    serve
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(&data);
    if let Some(url) = pg {
        serve.args(["--db", url]);
    }
    let mut server = serve
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut lines = BufReader::new(server.stderr.take().expect("stderr")).lines();
    let api = loop {
        let line = lines.next().expect("server output").expect("read");
        if let Some(at) = line.find("http://") {
            let url: String = line[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            break url.trim_end_matches("/api/v1").to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    let token = std::fs::read_to_string(data.join("admin.token")).expect("admin token");
    let started = Instant::now();
    let status = Command::new(bin)
        .args([
            "-q",
            "--api",
            &api,
            "--token",
            token.trim(),
            "import",
            "cylinders",
        ])
        .arg(csv)
        .stdout(Stdio::null())
        .status()
        .expect("run the import");
    let secs = started.elapsed().as_secs_f64();
    assert!(status.success(), "the import failed: {status}");
    let client_kb = children_peak_kb();
    let server_kb = peak_kb(server.id());
    let _ = server.kill();
    let _ = server.wait();
    Ours {
        secs,
        client_kb,
        server_kb,
    }
}

/// The peak RSS of the largest child waited for so far, in KB.
fn children_peak_kb() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given; zeroed is a valid start.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss as u64
}

/// VmHWM of a running process, in KB.
fn peak_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn sqlite3_import(dir: &Path, csv: &Path) -> f64 {
    let db = dir.join("peer.db");
    let script = format!(
        "{SCHEMA};\n.mode csv\n.import --skip 1 {} cylinders\n",
        csv.display()
    );
    let started = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(&db)
        .stdin(Stdio::piped())
        .spawn()
        .expect("sqlite3 (apt install sqlite3)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("feed sqlite3");
    assert!(child.wait().expect("sqlite3").success());
    started.elapsed().as_secs_f64()
}

/// A new, empty database beside the one given, so both sides start alike.
fn fresh_pg(url: &str) -> String {
    let name = "safedesk_bench_import";
    for s in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        let ok = Command::new("psql")
            .args([url, "-q", "-c", &s])
            .status()
            .expect("psql")
            .success();
        assert!(ok, "psql: {s}");
    }
    let cut = url.rfind('/').map(|i| &url[..i]).unwrap_or(url);
    format!("{cut}/{name}")
}

fn psql_copy(url: &str, csv: &Path) -> f64 {
    let sql = |s: &str| {
        let ok = Command::new("psql")
            .args([url, "-q", "-v", "ON_ERROR_STOP=1", "-c", s])
            .status()
            .expect("psql")
            .success();
        assert!(ok, "psql: {s}");
    };
    sql("DROP TABLE IF EXISTS bench_peer_cylinders");
    sql(&SCHEMA.replace("TABLE cylinders", "TABLE bench_peer_cylinders"));
    let started = Instant::now();
    sql(&format!(
        "\\copy bench_peer_cylinders FROM '{}' WITH (FORMAT csv, HEADER true)",
        csv.display()
    ));
    let secs = started.elapsed().as_secs_f64();
    sql("DROP TABLE bench_peer_cylinders");
    secs
}
