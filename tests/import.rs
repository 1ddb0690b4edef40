//! `safedesk import` through the real binary and server: the field cases,
//! the sample register, re-runs that change nothing, replayed batches,
//! duplicates within a file, the credit-code override, and a run killed
//! half way and resumed.

mod common;

use common::{TestServer, bin, code, json, repo, stderr, stdout};
use safedesk::model::import::{Batch, Kind, NewRun};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn case(name: &str) -> String {
    repo(&format!("fixtures/import/cases/{name}"))
        .display()
        .to_string()
}

fn sample(name: &str) -> String {
    repo(&format!("fixtures/import/{name}"))
        .display()
        .to_string()
}

/// Writes `text` as a UTF-8 file in the server's directory.
fn write(s: &TestServer, name: &str, text: &str) -> String {
    let path = s.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The summary line of a `--format json` import.
fn summary(o: &std::process::Output) -> serde_json::Value {
    json(o)[0].clone()
}

fn counts(o: &std::process::Output) -> [u64; 4] {
    let s = summary(o);
    ["inserted", "updated", "unchanged", "rejected"].map(|k| s[k].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn gbk_and_bom_registers_give_the_same_three_vessels() {
    let s = TestServer::start().await;
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "vessels",
        &case("vessels-gbk.csv"),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [3, 0, 0, 0]);
    assert!(
        stderr(&o).contains("GB18030") || stderr(&o).contains("GBK"),
        "{}",
        stderr(&o)
    );

    // The same rows from another file: matched by 登记号, nothing changes.
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "vessels",
        &case("vessels-utf8-bom.csv"),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [0, 0, 3, 0]);

    let o = s.run(&["--format", "json", "vessel", "list"]);
    let list = json(&o);
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 3);
    let first = items
        .iter()
        .find(|v| v["register_no"] == "SW-2026-0001")
        .unwrap();
    assert_eq!(first["name"], "无名木船");
    assert_eq!(first["state"], "found");
    assert_eq!(first["material"], "wood");
    assert_eq!(first["length_m"], 8.5);
    assert_eq!(first["city"], "南京市");
    // 09:15 in the file is Beijing time.
    assert_eq!(first["found_at"], "2026-03-02T01:15:00Z");
    let third = items
        .iter()
        .find(|v| v["register_no"] == "SW-2026-0003")
        .unwrap();
    assert!(
        third.get("name").is_none(),
        "an empty name stays empty: {third}"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_list_in_gbk_with_pipes_updates_the_vessel_it_names() {
    let s = TestServer::start().await;
    let register = write(
        &s,
        "register.csv",
        "登记号,发现时间,所在水域,城市\nSW-2026-0009,2026-03-05 08:00,太湖苏州段,苏州\n",
    );
    let o = s.run(&["import", "vessels", &register]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "vessels",
        &case("owners-gbk-pipe.csv"),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [0, 1, 0, 0]);
    let o = s.run(&["--format", "json", "vessel", "list"]);
    let v = &json(&o)[0];
    assert_eq!(v["owner_name"], "王瑋");
    assert_eq!(v["home_port"], "苏州");
    assert_eq!(
        v["waterway"], "太湖苏州段",
        "columns the file lacks are kept"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_without_the_key_column_is_refused_whole() {
    let s = TestServer::start().await;
    let o = s.run(&["import", "vessels", &case("dup-headers.csv")]);
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    assert!(stderr(&o).contains("登记号"), "{}", stderr(&o));
    let o = s.run(&["--format", "json", "vessel", "list"]);
    assert_eq!(json(&o).as_array().unwrap().len(), 0);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_rows_name_the_row_a_spreadsheet_shows_and_keep_their_cells() {
    let s = TestServer::start().await;
    let errors = s.path().join("errors.csv");
    let o = s.run(&[
        "import",
        "vessels",
        &case("quoted-newline.csv"),
        "--errors",
        errors.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "rows were refused: {}", stderr(&o));
    assert!(
        stderr(&o).contains("地址"),
        "the ignored column is named: {}",
        stderr(&o)
    );
    let bytes = std::fs::read(&errors).unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a BOM for spreadsheets"
    );
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "two records, not three");
    assert_eq!(&rows[0][1], "2");
    assert_eq!(
        &rows[1][1], "3",
        "a spreadsheet shows the second record on row 3"
    );
    assert!(rows[0][3].contains("发现时间"), "{:?}", rows[0]);
    assert_eq!(
        &rows[0][5], "南京市鼓楼区\n江边路1号",
        "the line break is kept"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn identifiers_keep_their_zeros_and_rounded_ids_are_refused() {
    let s = TestServer::start().await;
    // The case's rows, with the columns a new register row needs.
    let text = std::fs::read_to_string(case("ids-mangled.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = format!("{},制造日期,下次检验日期\n", lines.next().unwrap());
    for l in lines {
        out.push_str(&format!("{l},2020-01-01,2028-01-01\n"));
    }
    let file = write(&s, "ids.csv", &out);
    let o = s.run(&["--format", "json", "import", "cylinders", &file]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [2, 0, 0, 0]);
    let o = s.run(&["--format", "json", "cylinder", "show", "00042"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["code"], "00042");

    // A resident ID column with the case's rounded number.
    let file = write(
        &s,
        "owners.csv",
        "登记号,发现时间,所在水域,城市,船主身份证号\n\
         SW-1,2026-03-05 08:00,长江,南京,3.20102E+17\n\
         SW-2,2026-03-05 08:00,长江,南京,320102199001010010\n",
    );
    let errors = s.path().join("e.csv");
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "vessels",
        &file,
        "--errors",
        errors.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert_eq!(counts(&o), [1, 0, 0, 1]);
    let text = std::fs::read_to_string(&errors).unwrap();
    assert!(text.contains("precision was lost"), "{text}");
    assert!(text.contains("as text"), "{text}");
    let dump = s.store.audit_rows(&Default::default()).await.unwrap();
    assert!(!format!("{:?}", dump.items).contains("320102000000000000"));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sample_register_imports_and_a_rerun_changes_nothing() {
    let s = TestServer::start().await;
    let file = sample("cylinders-suzhou.csv");
    let errors = s.path().join("errors.csv");
    let args = ["--format", "json", "import", "cylinders", &file, "--errors"];
    let mut first = args.to_vec();
    first.push(errors.to_str().unwrap());
    let o = s.run(&first);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(counts(&o), [43, 0, 0, 5]);
    let mut r = csv::Reader::from_path(&errors).unwrap();
    let lines: Vec<String> = r.records().map(|r| r.unwrap()[1].to_string()).collect();
    assert_eq!(
        lines,
        ["9", "15", "23", "36", "42"],
        "title row 1, header row 2"
    );

    let o = s.run(&first);
    assert_eq!(code(&o), 1);
    assert_eq!(counts(&o), [0, 0, 43, 5], "a re-run changes nothing");

    let o = s.run(&["--format", "json", "cylinder", "show", "SZ00320502"]);
    let c = json(&o);
    assert_eq!(c["made_on"], "2016-03-03", "2016年3月3日");
    assert_eq!(c["state"], "in-service");
    assert_eq!(c["version"], 1);
    let o = s.run(&["--format", "json", "cylinder", "list", "--state", "报废"]);
    assert!(
        json(&o)
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["state"] == "scrapped")
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_credit_code_needs_the_override_and_the_override_is_audited() {
    let s = TestServer::start().await;
    let file = write(
        &s,
        "bad.csv",
        "气瓶编码,产权单位信用代码,制造日期,下次检验日期\n\
         JS0001,914403001922038217,2019-01-01,2027-01-01\n\
         JS0002,914403001922038216,2019-01-01,2027-01-01\n",
    );
    let o = s.run(&["--format", "json", "import", "cylinders", &file]);
    assert_eq!(counts(&o), [1, 0, 0, 1]);
    assert!(stderr(&o).contains("1 row was refused"), "{}", stderr(&o));

    let o = s.run(&[
        "--format",
        "json",
        "import",
        "cylinders",
        &file,
        "--accept-bad-uscc",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [1, 0, 1, 0]);
    let o = s.run(&["--format", "json", "cylinder", "show", "JS0001"]);
    assert_eq!(json(&o)["owner_uscc_unchecked"], true);
    let o = s.run(&["--format", "json", "audit", "list", "--entity", "cylinders"]);
    let rows = json(&o).to_string();
    assert!(rows.contains("914403001922038217"), "{rows}");
    let o = s.run(&["audit", "verify"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scrapped_code_is_never_used_again() {
    let s = TestServer::start().await;
    let head = "气瓶编码,产权单位信用代码,制造日期,下次检验日期,状态\n";
    let one = write(
        &s,
        "a.csv",
        &format!("{head}JS9,91320100MA1MYC2T0R,2010-01-01,2026-01-01,报废\n"),
    );
    assert_eq!(code(&s.run(&["import", "cylinders", &one])), 0);
    let two = write(
        &s,
        "b.csv",
        &format!("{head}JS9,91320100MA1MYC2T0R,2026-01-01,2030-01-01,在用\n"),
    );
    let o = s.run(&["--format", "json", "import", "cylinders", &two]);
    assert_eq!(counts(&o), [0, 0, 0, 1]);
    let o = s.run(&["--format", "json", "cylinder", "show", "JS9"]);
    assert_eq!(json(&o)["state"], "scrapped");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_sent_twice_is_committed_once() {
    let s = TestServer::start().await;
    let client = s.client();
    let spec = NewRun {
        source: "test".into(),
        fingerprint: "f1".into(),
        columns: vec![
            "code".into(),
            "owner_uscc".into(),
            "made_on".into(),
            "next_inspection_on".into(),
        ],
        batch_size: 10,
        dry_run: false,
        accept_bad_uscc: false,
    };
    let run = client.start_import(Kind::Cylinders, &spec).await.unwrap();
    let row = |c: &str| {
        ["91320100MA1MYC2T0R", "2020-01-01", "2028-01-01"]
            .iter()
            .fold(vec![Some(c.to_string())], |mut v, x| {
                v.push(Some(x.to_string()));
                v
            })
    };
    let batch = Batch {
        run_id: run.run_id.clone(),
        batch_no: 1,
        lines: vec![2, 3],
        rows: vec![row("A1"), row("A2")],
    };
    let first = client.import_batch(Kind::Cylinders, &batch).await.unwrap();
    assert_eq!((first.inserted, first.replayed), (2, false));
    let again = client.import_batch(Kind::Cylinders, &batch).await.unwrap();
    assert_eq!((again.inserted, again.replayed), (2, true));
    let o = s.run(&["--format", "json", "cylinder", "show", "A1"]);
    assert_eq!(json(&o)["version"], 1, "the replay changed nothing");
    let stored = client
        .import_run(Kind::Cylinders, &run.run_id)
        .await
        .unwrap();
    assert_eq!(stored.batches.len(), 1);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_reports_and_stores_nothing() {
    let s = TestServer::start().await;
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "vessels",
        &case("vessels-gbk.csv"),
        "--dry-run",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [3, 0, 0, 0]);
    let o = s.run(&["--format", "json", "vessel", "list"]);
    assert_eq!(json(&o).as_array().unwrap().len(), 0);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn progress_in_a_script_is_plain_lines_and_stdout_is_data_only() {
    let s = TestServer::start().await;
    let file = big_register(s.path(), 30_000);
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "cylinders",
        &file,
        "--batch-size",
        "1000",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [30_000, 0, 0, 0]);
    for (name, bytes) in [("stdout", &o.stdout), ("stderr", &o.stderr)] {
        assert!(!bytes.contains(&0x1b), "no escape codes in {name}");
        assert!(!bytes.contains(&b'\r'), "no carriage returns in {name}");
    }
    assert!(stderr(&o).contains("30000 rows in"), "{}", stderr(&o));
    let o = s.run(&["-q", "--format", "json", "import", "cylinders", &file]);
    assert_eq!(stderr(&o), "", "quiet");
    assert_eq!(counts(&o), [0, 0, 30_000, 0]);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_columns_list_names_every_field_and_its_headers() {
    let s = TestServer::start().await;
    let o = bin()
        .args(["import", "cylinders", "--columns"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    for text in [
        "code",
        "气瓶编码",
        "钢瓶编号",
        "owner_uscc",
        "key",
        "new records",
    ] {
        assert!(out.contains(text), "{text} in {out}");
    }
    let o = bin().args(["import", "cylinders"]).output().unwrap();
    assert_eq!(code(&o), 2, "a file is needed");
    let o = s.run(&["import", "cylinders", "/nonexistent/file.csv"]);
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    s.finish().await;
}

/// A register of `n` cylinders in random code order.
fn big_register(dir: &Path, n: u64) -> String {
    let path: PathBuf = dir.join(format!("register-{n}.csv"));
    let mut text = String::from("code,owner_uscc,made_on,next_inspection_on\n");
    for i in 0..n {
        let code = (i * 7919) % n;
        text.push_str(&format!(
            "JS{code:08},91320100MA1MYC2T0R,2020-01-01,2028-01-01\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Starts `safedesk serve` as a process on `dir`, returning it and its API.
fn serve(dir: &Path, db: &str) -> (std::process::Child, String) {
    let mut child = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
        .arg("--data-dir")
        .arg(dir)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let err = child.stderr.take().unwrap();
    let mut lines = BufReader::new(err).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(at) = line.find("http://127.0.0.1:") {
            let url: String = line[at..]
                .chars()
                .take_while(|c| !c.is_whitespace())
                .collect();
            let api = url.trim_end_matches("/api/v1").to_string();
            std::thread::spawn(move || for _ in lines {});
            return (child, api);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not say where it listens");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_half_way_resumes_to_every_row_exactly_once() {
    let s = TestServer::start().await;
    let db = s.db_url.clone();
    let data = tempfile::tempdir().unwrap();
    let file = big_register(data.path(), 60_000);
    let (mut server, api) = serve(data.path(), &db);
    let token = s.admin.clone();
    let mut import = bin()
        .args([
            "--api",
            &api,
            "--token",
            &token,
            "import",
            "cylinders",
            &file,
        ])
        .args(["--batch-size", "500"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(import.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let run_id = first
        .split_whitespace()
        .skip_while(|w| *w != "run")
        .nth(1)
        .unwrap_or_else(|| panic!("no run id in {first:?}"))
        .to_string();
    // Wait until some batches are in, then kill both ends.
    let client = s.client();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let run = client.import_run(Kind::Cylinders, &run_id).await.unwrap();
        if run.batches.len() >= 5 || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill().unwrap();
    import.kill().unwrap();
    let _ = (server.wait(), import.wait());
    let done = client
        .import_run(Kind::Cylinders, &run_id)
        .await
        .unwrap()
        .batches
        .len();
    assert!(done < 120, "the kill came before the end ({done} batches)");

    let (mut server, api) = serve(data.path(), &db);
    let o = bin()
        .args([
            "--api",
            &api,
            "--token",
            &token,
            "--format",
            "json",
            "import",
            "cylinders",
        ])
        .args([file.as_str(), "--batch-size", "500", "--resume", &run_id])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        counts(&o),
        [60_000, 0, 0, 0],
        "every row once, over both attempts"
    );
    assert!(stderr(&o).contains("already committed"), "{}", stderr(&o));
    let all = client
        .cylinders(&Default::default(), 100_000)
        .await
        .unwrap();
    assert_eq!(all.len(), 60_000);
    assert!(
        all.iter().all(|c| c.version == 1),
        "no row was written twice"
    );
    server.kill().unwrap();
    let _ = server.wait();
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_xlsx_register_with_a_title_row_updates_the_vessels_it_names() {
    let s = TestServer::start().await;
    let o = s.run(&["import", "vessels", &case("vessels-gbk.csv")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let errors = s.path().join("errors.csv");
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "vessels",
        &sample("vessels-title.xlsx"),
        "--sheet",
        "登记表",
        "--errors",
        errors.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    // Row 1's ID is a number Excel rounded; row 2 adds an ID and seconds;
    // row 3 says what the register already says.
    assert_eq!(counts(&o), [0, 1, 1, 1]);
    let text = std::fs::read_to_string(&errors).unwrap();
    assert!(text.contains(",3,owner_id,"), "row 3 of the sheet: {text}");
    let o = s.run(&["--format", "json", "vessel", "list"]);
    let list = json(&o);
    let second = list
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["register_no"] == "SW-2026-0002")
        .unwrap()
        .clone();
    assert_eq!(second["found_at"], "2026-03-02T02:40:30Z");
    assert_eq!(second["owner_id"], "320102**********10", "masked");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn team_and_elevator_registers_import_and_reimport_unchanged() {
    let s = TestServer::start().await;
    let teams = repo("fixtures/teams.csv").display().to_string();
    let elevators = repo("fixtures/elevators.csv").display().to_string();
    // The test server starts with the same registers: nothing changes.
    let o = s.run(&["--format", "json", "import", "teams", &teams]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [0, 0, 208, 0]);
    assert!(
        stderr(&o).contains("`status`"),
        "the status column is not imported"
    );
    let o = s.run(&["--format", "json", "import", "elevators", &elevators]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [0, 0, 6000, 0]);
    let new = write(
        &s,
        "teams.csv",
        "队伍编号,队伍名称,所属单位,城市,区县,值班电话\n\
         T9001,鼓楼区电梯救援九队,江苏长宁机电工程有限公司,南京,鼓楼区,025-84561234\n\
         T0001,玄武区电梯救援一队,江苏长宁机电工程有限公司南京分公司,南京,玄武区,025-84561235\n",
    );
    let o = s.run(&["--format", "json", "import", "teams", &new]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [1, 1, 0, 0]);
    let o = s.run(&["--format", "json", "team", "show", "T9001"]);
    assert_eq!(
        json(&o)["status"],
        "available",
        "a new team starts available"
    );
    assert_eq!(json(&o)["city"], "南京市");
    let o = s.run(&["--format", "json", "elevator", "show", "100301"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["team"], "T0120");
    assert_eq!(json(&o)["place_type"], "office");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gantry_passages_import_once_and_raise_their_alerts() {
    let s = TestServer::start().await;
    let file = repo("fixtures/passages.csv").display().to_string();
    let rows = std::fs::read_to_string(&file).unwrap().lines().count() as u64 - 1;
    let o = s.run(&["--format", "json", "import", "passages", &file]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [rows, 0, 0, 0]);
    let o = s.run(&["--format", "json", "import", "passages", &file]);
    assert_eq!(counts(&o), [0, 0, rows, 0], "a re-run stores nothing twice");
    let o = s.run(&["--format", "json", "alerts"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !json(&o).as_array().unwrap().is_empty(),
        "grey and black plates passed"
    );

    let bad = write(
        &s,
        "bad.csv",
        "门架编号,通行时间,车牌号码,车牌颜色,车型\n\
         G00023200110,2026-12-01 08:00:00,苏A12345,0,1\n\
         G99999999999,2026-12-01 08:00:00,苏A12345,0,1\n\
         G00023200110,2026-12-01 08:01:00,苏I12345,0,1\n",
    );
    let errors = s.path().join("e.csv");
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "passages",
        &bad,
        "--errors",
        errors.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(counts(&o), [1, 0, 0, 2]);
    let text = std::fs::read_to_string(&errors).unwrap();
    assert!(text.contains("G99999999999"), "{text}");
    assert!(text.contains(",4,"), "the bad plate's row: {text}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blank_state_starts_in_service_and_a_shared_registration_code_is_refused() {
    let s = TestServer::start().await;
    let head = "气瓶编码,产权单位信用代码,制造日期,下次检验日期,状态\n";
    let file = write(
        &s,
        "blank.csv",
        &format!("{head}JB1,91320100MA1MYC2T0R,2019-01-01,2027-01-01,\n"),
    );
    let o = s.run(&["--format", "json", "import", "cylinders", &file]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(counts(&o), [1, 0, 0, 0]);
    let o = s.run(&["--format", "json", "cylinder", "show", "JB1"]);
    assert_eq!(json(&o)["state"], "in-service");
    // Emptying the state of a stored cylinder is refused, not a failure.
    let file = write(
        &s,
        "blank2.csv",
        &format!("{head}JB1,91320100MA1MYC2T0R,2019-01-01,2028-01-01,\n"),
    );
    let o = s.run(&["--format", "json", "import", "cylinders", &file]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(counts(&o), [0, 0, 0, 1]);

    // 100301 is a fixture elevator; its registration code is taken.
    let taken = "31103206852013866720";
    let file = write(
        &s,
        "lifts.csv",
        &format!(
            "救援识别码,注册代码,城市,区县,街道,安装地址,场所类型,维保单位,救援队伍编号\n\
             900001,{taken},南京,玄武区,玄武门街道,一号楼1号梯,住宅,某公司,T0001\n\
             900002,31103205082013000001,南京,玄武区,玄武门街道,一号楼2号梯,住宅,某公司,T0001\n\
             900003,31103205082013000001,南京,玄武区,玄武门街道,一号楼3号梯,住宅,某公司,T0001\n\
             900004,31103205082013000002,北京,朝阳区,某街道,一号楼4号梯,住宅,某公司,T0001\n"
        ),
    );
    let errors = s.path().join("e.csv");
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "elevators",
        &file,
        "--errors",
        errors.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(counts(&o), [1, 0, 0, 3]);
    let text = std::fs::read_to_string(&errors).unwrap();
    assert!(
        text.contains("already belongs to 救援识别码 `100301`"),
        "{text}"
    );
    assert!(
        text.contains("already belongs to 救援识别码 `900002`"),
        "{text}"
    );
    assert!(text.contains("not a city of the province"), "{text}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_file_among_several_does_not_stop_the_others() {
    let s = TestServer::start().await;
    let empty = write(&s, "empty.csv", "");
    let o = s.run(&[
        "--format",
        "json",
        "import",
        "vessels",
        &case("vessels-gbk.csv"),
        &empty,
        &case("owners-gbk-pipe.csv"),
    ]);
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    let list = json(&o);
    let files: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files.len(),
        2,
        "both readable files were imported: {files:?}"
    );
    assert!(
        stderr(&o).contains("1 of 3 files could not be read"),
        "{}",
        stderr(&o)
    );
    s.finish().await;
}
