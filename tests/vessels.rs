//! The three-no vessel register through the real binary against a real
//! server: a vessel registered with photos, detained, released and gone,
//! the report's figures, and every kind of bad input refused with its exit
//! code and nothing changed.

mod common;

use common::{TestServer, code, json, stderr, stdout};
use safedesk::client::ClientError;
use safedesk::model::Role;
use safedesk::model::vessel::MAX_PHOTO_BYTES;
use std::path::{Path, PathBuf};

/// A small "JPEG": the magic bytes and some content.
fn jpeg(seed: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..200u16).map(|i| (i as u8).wrapping_mul(seed)));
    b
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend_from_slice(b"\0\0\0\rIHDR fake but typed by its magic");
    b
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The register's totals: found, dismantled, left, detained, regulated, open.
async fn totals(s: &TestServer) -> [i64; 6] {
    let rows = s.client().vessel_stats(None).await.unwrap();
    let t = &rows[0];
    [
        t.found,
        t.dismantled,
        t.left,
        t.detained,
        t.regulated,
        t.open,
    ]
}

async fn photo_rows(s: &TestServer) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(&s.db_url).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM photos")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

async fn held(s: &TestServer, base: &str) -> i64 {
    s.client().detention_base(base).await.unwrap().occupied
}

#[tokio::test(flavor = "multi_thread")]
async fn the_fixture_register_answers_in_the_report_categories() {
    let s = TestServer::start_with_history().await;
    assert_eq!(totals(&s).await, [2204, 1768, 359, 74, 3, 0]);

    let o = s.run(&["--format", "json", "stats", "vessels", "--by", "city"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rows = json(&o);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 12, "11 cities and the total");
    let sum: i64 = rows[..11]
        .iter()
        .map(|r| r["found"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 2204);

    let o = s.run(&["--format", "csv", "stats", "vessels", "--by", "month"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let csv = stdout(&o);
    assert!(csv.starts_with("GROUP,FOUND,DISMANTLED,LEFT,DETAINED,REGULATED,OPEN\n"));
    assert!(csv.contains("\ntotal,2204,1768,359,74,3,0\n"), "{csv}");

    let bases = s.client().bases().await.unwrap();
    assert_eq!(bases.iter().filter(|b| b.kind == "base").count(), 11);
    assert_eq!(bases.iter().filter(|b| b.kind == "temporary").count(), 3);
    assert_eq!(bases.iter().map(|b| b.occupied).sum::<i64>(), 74);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_vessel_goes_from_registered_through_detention_to_gone() {
    let s = TestServer::start_with_history().await;
    let (_, officer) = s.client_as(Role::Maritime).await;
    let (_, viewer) = s.client_as(Role::Viewer).await;
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.jpg", &jpeg(3));
    let b = write(dir.path(), "b.png", &png());
    let before = photo_rows(&s).await;

    let o = s.run_as(
        &officer,
        &[
            "--format",
            "json",
            "vessel",
            "register",
            "--found-at",
            "2026-10-21 09:30",
            "--waterway",
            "长江",
            "--city",
            "镇江",
            "--lat",
            "32.21",
            "--lon",
            "119.46",
            "--hull",
            "挂机船",
            "--material",
            "wood",
            "--length",
            "7.5",
            "--engine-kw",
            "15",
            "--marks",
            "船头漆有苏字",
            "--owner-name",
            "王建国",
            "--owner-id",
            "320102199001010010",
            "--photo",
            a.to_str().unwrap(),
            "--photo",
            b.to_str().unwrap(),
            "--photo",
            a.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v = json(&o);
    let id = v["id"].as_i64().unwrap();
    assert_eq!(id, 2205, "case numbers follow the fixture register");
    assert_eq!(v["state"], "registered");
    assert_eq!(v["city"], "镇江市");
    assert_eq!(
        v["owner_id"], "320102**********10",
        "the resident ID is masked"
    );
    assert_eq!(v["photos"], 2, "the same photo twice is linked once");
    assert_eq!(photo_rows(&s).await, before + 2);
    let id_s = id.to_string();

    // A table run prints the case number alone, for scripts.
    let o = s.run_as(
        &officer,
        &[
            "vessel",
            "register",
            "--waterway",
            "京杭运河",
            "--city",
            "宿迁",
            "--photo",
            a.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "2206\n");
    assert_eq!(
        photo_rows(&s).await,
        before + 2,
        "bytes already stored are not stored again"
    );

    // The viewer reads, and may not change.
    let o = s.run_as(
        &viewer,
        &[
            "--format",
            "json",
            "vessel",
            "list",
            "--city",
            "镇江",
            "--state",
            "registered",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)[0]["id"], id);
    let o = s.run_as(&viewer, &["vessel", "dispose", &id_s, "--as", "dismantled"]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(stderr(&o).contains("maritime or admin"), "{}", stderr(&o));

    // Photos come back byte for byte.
    let o = s.run_as(
        &viewer,
        &["--format", "json", "vessel", "photo", "list", &id_s],
    );
    let photos = json(&o);
    assert_eq!(photos.as_array().unwrap().len(), 2);
    let png_sha = photos
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["content_type"] == "image/png")
        .unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let out = dir.path().join("out.png");
    let o = s.run_as(
        &viewer,
        &[
            "vessel",
            "photo",
            "get",
            &id_s,
            &png_sha[..10],
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), png());

    let o = s.run_as(
        &officer,
        &[
            "--format", "json", "vessel", "update", &id_s, "--length", "8",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["length_m"], 8.0);

    let b02 = held(&s, "B02").await;
    let o = s.run_as(
        &officer,
        &[
            "--format",
            "json",
            "vessel",
            "dispose",
            &id_s,
            "--as",
            "detained",
            "--base",
            "B02",
            "--note",
            "船主未到场",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["state"], "detained");
    assert_eq!(json(&o)["base"], "B02");
    assert_eq!(held(&s, "B02").await, b02 + 1);

    let o = s.run_as(
        &officer,
        &[
            "--format", "json", "vessel", "dispose", &id_s, "--as", "left",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["state"], "left_voluntarily");
    assert_eq!(
        held(&s, "B02").await,
        b02,
        "leaving detention frees the place"
    );

    let o = s.run_as(&viewer, &["--format", "json", "vessel", "history", &id_s]);
    let steps: Vec<String> = json(&o)
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        steps,
        [
            "found", "register", "photo", "photo", "update", "detain", "leave"
        ]
    );
    assert_eq!(totals(&s).await, [2206, 1768, 360, 74, 3, 1]);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_its_exit_code_and_changes_nothing() {
    let s = TestServer::start_with_history().await;
    let (officer_client, officer) = s.client_as(Role::Maritime).await;
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.jpg", &jpeg(5));
    let text = write(dir.path(), "note.jpg", b"this is not a photo");
    let mut big = jpeg(7);
    big.resize(MAX_PHOTO_BYTES + 1, 0);
    let huge = write(dir.path(), "huge.jpg", &big);

    let o = s.run_as(
        &officer,
        &[
            "vessel",
            "register",
            "--waterway",
            "长江",
            "--city",
            "南京",
            "--photo",
            good.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id = stdout(&o).trim().to_string();
    let vid: i64 = id.parse().unwrap();
    let before = totals(&s).await;
    let version = officer_client.vessel(vid).await.unwrap().version;
    let photos = photo_rows(&s).await;
    let t03 = held(&s, "T03").await;
    let unchanged = |what: &str| format!("{what} changed nothing");

    // A bad resident ID, by the command line and past it.
    let o = s.run_as(
        &officer,
        &[
            "vessel",
            "register",
            "--waterway",
            "长江",
            "--city",
            "南京",
            "--owner-id",
            "110105194912310021",
        ],
    );
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("check character should be `X`"),
        "{}",
        stderr(&o)
    );
    let raw = serde_json::from_value(serde_json::json!({
        "waterway": "长江", "city": "南京", "owner_id": "110105194912310021"
    }))
    .unwrap();
    let err = officer_client.create_vessel(&raw).await.unwrap_err();
    assert!(matches!(err, ClientError::Invalid(_)), "{err}");

    // A photo that is not an image, at registration and added later.
    let o = s.run_as(
        &officer,
        &[
            "vessel",
            "register",
            "--waterway",
            "长江",
            "--city",
            "南京",
            "--photo",
            text.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    assert!(stderr(&o).contains("not a JPEG or PNG"), "{}", stderr(&o));
    let o = s.run_as(
        &officer,
        &["vessel", "photo", "add", &id, text.to_str().unwrap()],
    );
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    let err = officer_client
        .add_photo(vid, b"GIF89a....".to_vec())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Invalid(_)), "{err}");

    // An oversize photo, refused by the command and by the server.
    let o = s.run_as(
        &officer,
        &["vessel", "photo", "add", &id, huge.to_str().unwrap()],
    );
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    assert!(stderr(&o).contains("at most 10 MB"), "{}", stderr(&o));
    let err = officer_client
        .add_photo(vid, big.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Invalid(d) if d.contains("at most 10 MB")),
        "{err}"
    );
    big.resize(MAX_PHOTO_BYTES + 64 * 1024, 0);
    let err = officer_client.add_photo(vid, big).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Invalid(d) if d.contains("larger than 10 MB")),
        "{err}"
    );

    // An unknown base, and a full one that names the nearest with room.
    let o = s.run_as(
        &officer,
        &[
            "vessel", "dispose", &id, "--as", "detained", "--base", "B99",
        ],
    );
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    assert!(stderr(&o).contains("base list"), "{}", stderr(&o));
    let o = s.run_as(
        &officer,
        &[
            "vessel", "dispose", &id, "--as", "detained", "--base", "T03",
        ],
    );
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("T03 常州新北临时扣押点 is full (3 of 3"),
        "{err}"
    );
    assert!(err.contains("nearest with room: B05 "), "{err}");

    // A step the state does not allow names the allowed ones.
    let o = s.run_as(&officer, &["vessel", "dispose", &id, "--as", "regulated"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let version = version + 1;
    let o = s.run_as(&officer, &["vessel", "dispose", &id, "--as", "dismantled"]);
    assert_eq!(code(&o), 7, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "vessel {id} is regulated, and `dismantle` cannot be done from regulated; \
             allowed now: note"
        )),
        "{}",
        stderr(&o)
    );

    let after = officer_client.vessel(vid).await.unwrap();
    assert_eq!(after.version, version, "{}", unchanged("every refusal"));
    assert_eq!(after.photos, 1, "{}", unchanged("a refused photo"));
    assert_eq!(
        photo_rows(&s).await,
        photos,
        "{}",
        unchanged("a refused photo")
    );
    assert_eq!(held(&s, "T03").await, t03, "{}", unchanged("a full base"));
    let mut expected = before;
    expected[4] += 1;
    expected[5] -= 1;
    assert_eq!(
        totals(&s).await,
        expected,
        "{}",
        unchanged("a refused registration")
    );
    s.finish().await;
}
