//! HTTPS: `serve --tls-cert/--tls-key` with a certificate from a private
//! CA made here; the client trusts it only when given `--ca-cert`.

mod common;

use common::{bin, code, stderr, stdout};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Writes a CA certificate and a server certificate for 127.0.0.1 signed
/// by it into `dir`; returns (ca, cert, key) paths.
fn make_ca(dir: &std::path::Path) -> [std::path::PathBuf; 3] {
    let mut ca_params = CertificateParams::new(Vec::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "safedesk test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let params = CertificateParams::new(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let paths = [
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    ];
    std::fs::write(&paths[0], ca.pem()).unwrap();
    std::fs::write(&paths[1], cert.pem()).unwrap();
    std::fs::write(&paths[2], key.serialize_pem()).unwrap();
    paths
}

#[test]
fn https_round_trip_with_a_private_ca() {
    let dir = tempfile::tempdir().unwrap();
    let [ca, cert, key] = make_ca(dir.path());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = bin()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let token_path = dir.path().join("data").join("admin.token");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !token_path.exists() || std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the TLS server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    let token = std::fs::read_to_string(&token_path)
        .unwrap()
        .trim()
        .to_string();
    let api = format!("https://127.0.0.1:{port}");
    let run = |extra: &[&str]| {
        bin()
            .args(["--api", &api, "--token", &token])
            .args(extra)
            .args(["--format", "json", "team", "list"])
            .output()
            .unwrap()
    };

    let ca_arg = ca.to_str().unwrap();
    let o = run(&["--ca-cert", ca_arg]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with('['), "{}", stdout(&o));

    // Without the CA the certificate is not trusted: exit 3, and the hint
    // names --ca-cert.
    let o = run(&[]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("--ca-cert"), "{}", stderr(&o));

    // Plain HTTP to the TLS port gets no answer it can use.
    let o = bin()
        .args([
            "--api",
            &format!("http://127.0.0.1:{port}"),
            "--token",
            &token,
        ])
        .args(["team", "list"])
        .output()
        .unwrap();
    assert_ne!(code(&o), 0);

    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn a_key_that_is_not_a_key_is_refused_before_listening() {
    let dir = tempfile::tempdir().unwrap();
    let [_, cert, _] = make_ca(dir.path());
    let bogus = dir.path().join("bogus.key");
    std::fs::write(&bogus, "not a key").unwrap();
    let o = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&cert)
        .arg("--tls-key")
        .arg(&bogus)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("private key"), "{}", stderr(&o));
    assert!(
        !dir.path().join("data").join("admin.token").exists(),
        "nothing written"
    );
}
