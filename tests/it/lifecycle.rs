//! The stub's describe, update and delete, on both engines: pages and their tokens, what an update
//! replaces and keeps, what a delete frees, the error table on the new paths, and hostile bodies.

use crate::helpers::{Reply, Server, account, on_both_engines, valid};
use appflow_harness::contract::{SchemaKind, validate_against};
use appflow_harness::stub::{Engine, StubConfig};
use serde_json::{Value, json};

on_both_engines!(
    describe_pages_carry_a_token_exactly_when_more_follow,
    a_page_token_belongs_to_its_account_and_its_filters,
    update_replaces_the_config_and_keeps_what_the_create_fixed,
    delete_frees_the_name_and_the_place_of_the_quota,
    the_error_table_applies_to_every_lifecycle_path,
    hostile_bodies_on_lifecycle_paths_get_an_envelope,
);

const DESCRIBE: &str = "/describe-connector-profiles";
const UPDATE: &str = "/update-connector-profile";
const DELETE: &str = "/delete-connector-profile";

/// The page of a describe success, validated against the page schema.
#[track_caller]
fn page(r: &Reply) -> &Value {
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["success"], true);
    let data = &r.body["data"];
    assert_eq!(
        validate_against(SchemaKind::DescribePage, data),
        vec![],
        "{data}"
    );
    data
}

fn names(page: &Value) -> Vec<String> {
    page["connectorProfileDetails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["connectorProfileName"].as_str().unwrap().to_owned())
        .collect()
}

async fn fill(s: &Server, acct: &str, n: usize) -> Vec<String> {
    let mut made = Vec::new();
    for i in 0..n {
        let name = format!("p-{i:03}");
        s.create(acct, &valid("S3", &name)).await.expect(200, None);
        made.push(name);
    }
    made
}

async fn describe_pages_carry_a_token_exactly_when_more_follow(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    let made = fill(&s, &acct, 25).await;
    // 20 by default, then the rest without a token.
    let first = s.call(DESCRIBE, &acct, &json!({})).await;
    let p1 = page(&first);
    assert_eq!(names(p1), made[..20]);
    let token = p1["nextToken"].as_str().expect("a token: more follow");
    let second = s
        .call(
            DESCRIBE,
            &acct,
            &json!({"nextToken": token, "maxResults": 7}),
        )
        .await;
    let p2 = page(&second);
    assert_eq!(names(p2), made[20..]);
    assert!(p2.get("nextToken").is_none(), "{p2}");
    // A page that ends exactly at the last profile has no token either.
    let exact = s.call(DESCRIBE, &acct, &json!({"maxResults": 25})).await;
    assert!(page(&exact).get("nextToken").is_none());
    // Another account sees nothing of these.
    let other = s.call(DESCRIBE, &account(), &json!({})).await;
    assert_eq!(names(page(&other)), Vec::<String>::new());
    // A profile deleted between two pages is not shown, and none is skipped.
    let p = s.call(DESCRIBE, &acct, &json!({"maxResults": 10})).await;
    let token = page(&p)["nextToken"].as_str().unwrap().to_owned();
    s.call(DELETE, &acct, &json!({"connectorProfileName": "p-012"}))
        .await
        .expect(200, None);
    let rest = s
        .call(
            DESCRIBE,
            &acct,
            &json!({"nextToken": token, "maxResults": 100}),
        )
        .await;
    let want: Vec<String> = made[10..]
        .iter()
        .filter(|n| *n != "p-012")
        .cloned()
        .collect();
    assert_eq!(names(page(&rest)), want);
}

async fn a_page_token_belongs_to_its_account_and_its_filters(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let (a, b) = (account(), account());
    fill(&s, &a, 3).await;
    fill(&s, &b, 3).await;
    let p = s.call(DESCRIBE, &a, &json!({"maxResults": 1})).await;
    let token = page(&p)["nextToken"].as_str().unwrap().to_owned();
    // The same query in its account: accepted.
    let ok = s
        .call(DESCRIBE, &a, &json!({"nextToken": token, "maxResults": 1}))
        .await;
    assert_eq!(names(page(&ok)), ["p-001"]);
    // Another account, another filter, an edited token, a made-up one: 400.
    let mut edited = token.clone();
    let last = edited.pop().unwrap();
    edited.push(if last == '0' { '1' } else { '0' });
    for (acct, body) in [
        (&b, json!({"nextToken": token})),
        (&a, json!({"nextToken": token, "connectorType": "S3"})),
        (&a, json!({"nextToken": edited})),
        (&a, json!({"nextToken": "1.2.3"})),
    ] {
        let r = s.call(DESCRIBE, acct, &body).await;
        r.expect(400, Some("VALIDATION_ERROR"));
        assert!(r.body.to_string().contains("/nextToken"), "{}", r.body);
    }
}

async fn update_replaces_the_config_and_keeps_what_the_create_fixed(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    let created = s.create(&acct, &valid("Datadog", "dd")).await;
    created.expect(200, None);
    let before =
        page(&s.call(DESCRIBE, &acct, &json!({})).await)["connectorProfileDetails"][0].clone();
    let update = json!({
        "connectorProfileName": "dd",
        "connectionMode": "Private",
        "connectorProfileConfig": {
            "connectorProfileProperties": {"Datadog": {"instanceUrl": "https://new.example.com"}},
            "connectorProfileCredentials": {"Datadog": {"apiKey": "k2-s3cr3t", "applicationKey": "a2-s3cr3t-app"}}
        }
    });
    let r = s.call(UPDATE, &acct, &update).await;
    r.expect(200, None);
    assert_eq!(r.body["data"]["id"], created.body["data"]["id"]);
    assert!(
        !String::from_utf8_lossy(&r.raw).contains("s3cr3t"),
        "credentials echoed"
    );
    let after =
        page(&s.call(DESCRIBE, &acct, &json!({})).await)["connectorProfileDetails"][0].clone();
    assert_eq!(after["connectionMode"], "Private");
    assert_eq!(
        after["connectorProfileProperties"],
        json!({"Datadog": {"instanceUrl": "https://new.example.com"}})
    );
    for fixed in [
        "connectorProfileArn",
        "connectorType",
        "id",
        "created_at",
        "createdAt",
    ] {
        assert_eq!(after[fixed], before[fixed], "{fixed}");
    }
    assert!(after["lastUpdatedAt"].as_str() >= before["lastUpdatedAt"].as_str());
    assert!(after.get("connectorProfileCredentials").is_none());
    // A config of another type than the stored one: 400; a missing name: 404, after validation.
    let mut wrong = update.clone();
    wrong["connectorProfileConfig"]["connectorProfileProperties"] =
        json!({"Slack": {"instanceUrl": "https://x.slack.com"}});
    s.call(UPDATE, &acct, &wrong)
        .await
        .expect(400, Some("VALIDATION_ERROR"));
    let mut missing = update.clone();
    missing["connectorProfileName"] = json!("nope");
    s.call(UPDATE, &acct, &missing)
        .await
        .expect(404, Some("RESOURCE_NOT_FOUND"));
    missing["connectionMode"] = json!("Sideways");
    s.call(UPDATE, &acct, &missing)
        .await
        .expect(400, Some("VALIDATION_ERROR"));
    // Its token: a replay answers the first answer again; other parameters are the mismatch.
    let mut tokened = update.clone();
    tokened["clientToken"] = json!("up-1");
    let first = s.call(UPDATE, &acct, &tokened).await;
    first.expect(200, None);
    assert_eq!(s.call(UPDATE, &acct, &tokened).await.raw, first.raw);
    tokened["connectionMode"] = json!("Public");
    s.call(UPDATE, &acct, &tokened)
        .await
        .expect(409, Some("IDEMPOTENT_PARAMETER_MISMATCH"));
}

async fn delete_frees_the_name_and_the_place_of_the_quota(engine: Engine) {
    let s = Server::start(
        engine,
        StubConfig {
            quota: 2,
            ..StubConfig::default()
        },
    )
    .await;
    let acct = account();
    let first = s.create(&acct, &valid("S3", "a")).await;
    first.expect(200, None);
    s.create(&acct, &valid("S3", "b")).await.expect(200, None);
    s.create(&acct, &valid("S3", "c"))
        .await
        .expect(402, Some("QUOTA_EXCEEDED"));
    let gone = s
        .call(
            DELETE,
            &acct,
            &json!({"connectorProfileName": "a", "forceDelete": true}),
        )
        .await;
    gone.expect(200, None);
    assert_eq!(gone.body["data"]["id"], first.body["data"]["id"]);
    assert_eq!(s.count(&acct).await, 1);
    let again = s.create(&acct, &valid("S3", "a")).await;
    again.expect(200, None);
    assert_ne!(again.id(), first.id());
    s.call(DELETE, &acct, &json!({"connectorProfileName": "c"}))
        .await
        .expect(404, Some("RESOURCE_NOT_FOUND"));
    s.call(DELETE, &acct, &json!({"connectorProfileName": "a"}))
        .await
        .expect(200, None);
    s.call(DELETE, &acct, &json!({"connectorProfileName": "a"}))
        .await
        .expect(404, Some("RESOURCE_NOT_FOUND"));
    // A create's token outlives its profile: the replay answers the first success, creates nothing.
    let tokened = json!({"clientToken": "c-1"});
    let mut body = valid("S3", "t");
    body["clientToken"] = tokened["clientToken"].clone();
    let made = s.create(&acct, &body).await;
    made.expect(200, None);
    s.call(DELETE, &acct, &json!({"connectorProfileName": "t"}))
        .await
        .expect(200, None);
    assert_eq!(s.create(&acct, &body).await.raw, made.raw);
    assert_eq!(s.count(&acct).await, 1);
}

async fn the_error_table_applies_to_every_lifecycle_path(engine: Engine) {
    let s = Server::start(
        engine,
        StubConfig {
            max_body: 4096,
            ..StubConfig::default()
        },
    )
    .await;
    let acct = account();
    for path in [DESCRIBE, UPDATE, DELETE] {
        let r = Reply::read(s.client.get(s.url(path)).send().await.unwrap()).await;
        r.expect(405, Some("METHOD_NOT_ALLOWED"));
        assert_eq!(r.allow.as_deref(), Some("POST"));
        let post = |ct: &'static str, body: Vec<u8>, acct: &str| {
            s.client
                .post(s.url(path))
                .header("x-account-id", acct)
                .header("content-type", ct)
                .body(body)
                .send()
        };
        Reply::read(post("text/plain", b"{}".to_vec(), &acct).await.unwrap())
            .await
            .expect(415, Some("UNSUPPORTED_MEDIA_TYPE"));
        Reply::read(
            post("application/json", vec![b' '; 5000], &acct)
                .await
                .unwrap(),
        )
        .await
        .expect(413, Some("PAYLOAD_TOO_LARGE"));
        Reply::read(
            post("application/json", b"{}".to_vec(), "12")
                .await
                .unwrap(),
        )
        .await
        .expect(401, Some("UNAUTHORIZED"));
        Reply::read(
            post("application/json", b"[1]".to_vec(), &acct)
                .await
                .unwrap(),
        )
        .await
        .expect(400, Some("VALIDATION_ERROR"));
    }
    // Each request shape's own rules.
    for (path, body) in [
        (DESCRIBE, json!({"maxResults": 0})),
        (DESCRIBE, json!({"maxResults": 101})),
        (DESCRIBE, json!({"connectorType": "Nope"})),
        (UPDATE, json!({"connectorProfileName": "x"})),
        (DELETE, json!({})),
        (DELETE, json!({"connectorProfileName": "has space"})),
    ] {
        s.call(path, &acct, &body)
            .await
            .expect(400, Some("VALIDATION_ERROR"));
    }
}

async fn hostile_bodies_on_lifecycle_paths_get_an_envelope(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    fill(&s, &acct, 2).await;
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"{\"connectorProfileName\": \"p-000\"".to_vec(),
        br#"{"connectorProfileNames": "p-000"}"#.to_vec(),
        br#"{"connectorProfileNames": [null, 1, {}]}"#.to_vec(),
        br#"{"maxResults": 1e400}"#.to_vec(),
        br#"{"maxResults": -1, "nextToken": ""}"#.to_vec(),
        br#"{"nextToken": "ffffffffffffffffffff.0.0"}"#.to_vec(),
        br#"{"connectorProfileName": "p-000", "connectionMode": "Public", "connectorProfileConfig": []}"#
            .to_vec(),
        br#"{"connectorProfileName": "p-000", "forceDelete": "yes"}"#.to_vec(),
        vec![0xff, 0xfe, 0x00],
        "{\"connectorProfileName\": \"\u{202e}\u{0}\"}".as_bytes().to_vec(),
    ];
    for path in [DESCRIBE, UPDATE, DELETE] {
        for body in &bodies {
            let r = Reply::read(
                s.client
                    .post(s.url(path))
                    .header("x-account-id", &acct)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert!(
                r.status < 500,
                "{path} {:?}: {}",
                String::from_utf8_lossy(body),
                r.status
            );
            let kind = if r.status == 200 {
                SchemaKind::Success
            } else {
                SchemaKind::Error
            };
            if r.status == 200 && path == DESCRIBE {
                page(&r);
            } else {
                assert_eq!(
                    validate_against(kind, &r.body),
                    vec![],
                    "{path}: {}",
                    r.body
                );
            }
        }
    }
    // Nothing above changed the account.
    assert_eq!(s.count(&acct).await, 2);
}

/// A service of the create alone (the lifecycle's paths are 404 `NOT_FOUND`) keeps the contract: the
/// `lifecycle.*` checks are skipped with that reason, the others still count its profiles (by the
/// quota), and nothing is cleaned up (there is no delete to call).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_without_the_lifecycle_passes_with_its_checks_skipped() {
    use appflow_harness::check::{Status, Verdict};
    let stub = std::sync::Arc::new(appflow_harness::Stub::new(StubConfig::default()));
    let base = crate::hostile::spawn_create_only(stub.clone()).await;
    let r = crate::check::run(crate::check::against_url(&base, "")).await;
    assert_eq!(
        r.verdict(),
        Verdict::Kept,
        "{:?}",
        r.failed()
            .map(|c| &c.failures[0].message)
            .collect::<Vec<_>>()
    );
    let lifecycle: Vec<_> = r
        .checks
        .iter()
        .filter(|c| c.id.starts_with("lifecycle."))
        .collect();
    assert_eq!(lifecycle.len(), 9);
    for c in lifecycle {
        assert_eq!(c.status, Status::Skipped, "{}", c.id);
        assert!(
            c.skip_reason
                .as_deref()
                .unwrap_or("")
                .contains("404 NOT_FOUND"),
            "{}: {:?}",
            c.id,
            c.skip_reason
        );
    }
    assert!(r.cleaned_up.is_none());
    // Everything else ran: no other check was skipped (the TTL one needs the admin clock).
    let others: Vec<&str> = r
        .with_status(Status::Skipped)
        .filter(|c| !c.id.starts_with("lifecycle.") && c.id != "ttl.token-expires")
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(others, Vec::<&str>::new());
}
