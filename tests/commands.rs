mod common;
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn explore() {
    let s = common::TestServer::start_with_history().await;
    std::fs::write(
        "/tmp/sd-explore.env",
        format!(
            "export SAFEDESK_API={}\nexport SAFEDESK_TOKEN={}\n",
            s.api, s.admin
        ),
    )
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(3000)).await;
}
