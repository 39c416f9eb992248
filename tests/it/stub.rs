//! The stub keeps every rule of the contract, on both engines (one test body, run against each).

use crate::helpers::{Server, account, on_both_engines, valid};
use appflow_harness::contract::ErrorCode;
use appflow_harness::stub::{Engine, StubConfig};
use serde_json::{Value, json};

on_both_engines!(
    creates_with_the_success_envelope_and_arn,
    answers_every_error_row_with_its_code_and_status,
    replay_returns_the_identical_envelope_and_creates_nothing,
    replay_wins_over_full_quota_and_taken_name,
    mismatch_on_any_member_is_409_and_creates_nothing,
    member_order_and_whitespace_are_not_a_mismatch,
    a_failed_request_binds_nothing,
    no_token_means_a_new_call,
    tokens_expire_after_the_ttl_through_the_admin_clock,
    accounts_are_isolated,
    concurrent_same_token_requests_create_exactly_one_profile,
    concurrent_creates_near_the_quota_never_exceed_it,
    hostile_input_always_gets_an_envelope,
    require_account_mode_refuses_anonymous_callers,
    admin_quota_raises_the_soft_limit,
);

fn with_token(mut body: Value, token: &str) -> Value {
    body["clientToken"] = json!(token);
    body
}

async fn creates_with_the_success_envelope_and_arn(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    let r = s.create(&acct, &valid("Snowflake", "snow-1")).await;
    r.expect(200, None);
    assert_eq!(
        r.body["data"]["connectorProfileArn"],
        json!(format!(
            "arn:aws:appflow:us-east-1:{acct}:connectorprofile/snow-1"
        ))
    );
    let secret = valid("Snowflake", "x")["connectorProfileConfig"]["connectorProfileCredentials"]["Snowflake"]["password"]
        .as_str().unwrap().to_owned();
    assert!(
        !String::from_utf8_lossy(&r.raw).contains(&secret),
        "credentials echoed"
    );
    assert_eq!(s.count(&acct).await, 1);
}

async fn answers_every_error_row_with_its_code_and_status(engine: Engine) {
    let s = Server::start(
        engine,
        StubConfig {
            quota: 1,
            max_body: 4096,
            ..StubConfig::default()
        },
    )
    .await;
    let acct = account();
    // 404
    let r = crate::helpers::Reply::read(s.client.post(s.url("/nope")).send().await.unwrap()).await;
    r.expect(404, Some("NOT_FOUND"));
    // 405 with Allow: POST
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let r = crate::helpers::Reply::read(
            s.client
                .request(method, s.url("/create-connector-profile"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        r.expect(405, Some("METHOD_NOT_ALLOWED"));
        assert_eq!(r.allow.as_deref(), Some("POST"));
    }
    // 415
    s.send(&acct, "text/plain", b"{}".to_vec())
        .await
        .expect(415, Some("UNSUPPORTED_MEDIA_TYPE"));
    // 413
    s.send(&acct, "application/json", vec![b' '; 5000])
        .await
        .expect(413, Some("PAYLOAD_TOO_LARGE"));
    // 401
    s.create("12345", &valid("Salesforce", "a"))
        .await
        .expect(401, Some("UNAUTHORIZED"));
    // 400
    let r = s.create(&acct, &json!({"connectorProfileName": "x"})).await;
    r.expect(400, Some("VALIDATION_ERROR"));
    assert!(
        r.body["error"]["details"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    );
    // 409 mismatch, 409 conflict, 402 quota
    s.create(&acct, &with_token(valid("Salesforce", "a"), "t1"))
        .await
        .expect(200, None);
    s.create(&acct, &with_token(valid("Salesforce", "b"), "t1"))
        .await
        .expect(409, Some("IDEMPOTENT_PARAMETER_MISMATCH"));
    s.create(&acct, &valid("Salesforce", "a"))
        .await
        .expect(409, Some("CONFLICT"));
    s.create(&acct, &valid("Salesforce", "c"))
        .await
        .expect(402, Some("QUOTA_EXCEEDED"));
    // The order: content type is checked before size, size before the account, the account before the body.
    s.send("bad", "text/plain", vec![b' '; 5000])
        .await
        .expect(415, Some("UNSUPPORTED_MEDIA_TYPE"));
    s.send("bad", "application/json", vec![b' '; 5000])
        .await
        .expect(413, Some("PAYLOAD_TOO_LARGE"));
    s.send("bad", "application/json", b"nope".to_vec())
        .await
        .expect(401, Some("UNAUTHORIZED"));
    assert_eq!(s.count(&acct).await, 1);
    assert_eq!(ErrorCode::ALL.len(), 12);
}

async fn replay_returns_the_identical_envelope_and_creates_nothing(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    let body = with_token(valid("Datadog", "dd"), "tok-1");
    let first = s.create(&acct, &body).await;
    first.expect(200, None);
    s.create(&acct, &valid("Datadog", "other"))
        .await
        .expect(200, None);
    let again = s.create(&acct, &body).await;
    again.expect(200, None);
    assert_eq!(first.raw, again.raw, "a replay is the same 200 response");
    assert_eq!(s.count(&acct).await, 2);
}

async fn replay_wins_over_full_quota_and_taken_name(engine: Engine) {
    let s = Server::start(
        engine,
        StubConfig {
            quota: 2,
            ..StubConfig::default()
        },
    )
    .await;
    let acct = account();
    let body = with_token(valid("Slack", "slack-1"), "tok-q");
    let first = s.create(&acct, &body).await;
    s.create(&acct, &valid("Slack", "slack-2"))
        .await
        .expect(200, None);
    s.create(&acct, &valid("Slack", "slack-3"))
        .await
        .expect(402, Some("QUOTA_EXCEEDED"));
    let replay = s.create(&acct, &body).await;
    replay.expect(200, None);
    assert_eq!(replay.raw, first.raw);
    assert_eq!(s.count(&acct).await, 2);
}

async fn mismatch_on_any_member_is_409_and_creates_nothing(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    let base = with_token(valid("CustomConnector", "cc-1"), "tok-m");
    s.create(&acct, &base).await.expect(200, None);
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "name",
            Box::new(|b| b["connectorProfileName"] = json!("cc-2")),
        ),
        (
            "type",
            Box::new(|b| {
                *b = with_token(valid("Salesforce", "cc-1"), "tok-m");
            }),
        ),
        ("mode", Box::new(|b| b["connectionMode"] = json!("Private"))),
        (
            "label",
            Box::new(|b| b["connectorLabel"] = json!("other-label")),
        ),
        (
            "kms",
            Box::new(|b| b["kmsArn"] = json!("arn:aws:kms:eu-west-1:123456789012:key/other")),
        ),
        (
            "config",
            Box::new(|b| {
                b["connectorProfileConfig"]["connectorProfileProperties"]["CustomConnector"]["profileProperties"]
                    ["prop_0"] = json!("changed")
            }),
        ),
        (
            "credentials",
            Box::new(|b| {
                b["connectorProfileConfig"]["connectorProfileCredentials"]["CustomConnector"]["authenticationType"] =
                    json!("BASIC")
            }),
        ),
    ];
    for (what, edit) in edits {
        let mut b = base.clone();
        edit(&mut b);
        assert_ne!(b, base, "{what}");
        let r = s.create(&acct, &b).await;
        assert_eq!(
            r.code(),
            "IDEMPOTENT_PARAMETER_MISMATCH",
            "{what}: {}",
            r.body
        );
        r.expect(409, Some("IDEMPOTENT_PARAMETER_MISMATCH"));
    }
    assert_eq!(s.count(&acct).await, 1);
}

async fn member_order_and_whitespace_are_not_a_mismatch(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    let a = r#"{"connectorProfileName":"ord","connectorType":"S3","connectionMode":"Public","connectorProfileConfig":{"connectorProfileProperties":{}},"clientToken":"tok-o"}"#;
    let b = "{ \"clientToken\" : \"tok-o\",\n  \"connectorProfileConfig\": { \"connectorProfileProperties\": { } },\n  \"connectionMode\": \"Public\", \"connectorType\": \"S3\", \"connectorProfileName\": \"ord\" }";
    let first = s
        .send(&acct, "application/json", a.as_bytes().to_vec())
        .await;
    first.expect(200, None);
    let second = s
        .send(
            &acct,
            "application/json; charset=utf-8",
            b.as_bytes().to_vec(),
        )
        .await;
    second.expect(200, None);
    assert_eq!(first.raw, second.raw);
}

async fn a_failed_request_binds_nothing(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    let mut bad = with_token(valid("Veeva", "veeva-1"), "tok-f");
    bad["connectionMode"] = json!("Sideways");
    s.create(&acct, &bad)
        .await
        .expect(400, Some("VALIDATION_ERROR"));
    s.create(&acct, &valid("Veeva", "taken"))
        .await
        .expect(200, None);
    s.create(&acct, &with_token(valid("Veeva", "taken"), "tok-f"))
        .await
        .expect(409, Some("CONFLICT"));
    s.create(&acct, &with_token(valid("Veeva", "veeva-1"), "tok-f"))
        .await
        .expect(200, None);
    assert_eq!(s.count(&acct).await, 2);
}

async fn no_token_means_a_new_call(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    s.create(&acct, &valid("Zendesk", "z"))
        .await
        .expect(200, None);
    s.create(&acct, &valid("Zendesk", "z"))
        .await
        .expect(409, Some("CONFLICT"));
    assert_eq!(s.count(&acct).await, 1);
}

async fn tokens_expire_after_the_ttl_through_the_admin_clock(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    let body = with_token(valid("Marketo", "m"), "tok-t");
    s.create(&acct, &body).await.expect(200, None);
    let advance = |secs: u64| {
        s.client
            .post(s.url("/__admin/clock"))
            .json(&json!({"advance_seconds": secs}))
            .send()
    };
    assert_eq!(advance(8 * 3600 - 1).await.unwrap().status(), 200);
    s.create(&acct, &body).await.expect(200, None);
    advance(1).await.unwrap();
    s.create(&acct, &body).await.expect(409, Some("CONFLICT"));
    let mut other = body.clone();
    other["connectorProfileName"] = json!("m2");
    s.create(&acct, &other).await.expect(200, None);
    assert_eq!(s.count(&acct).await, 2);
}

async fn accounts_are_isolated(engine: Engine) {
    let s = Server::start(
        engine,
        StubConfig {
            quota: 1,
            ..StubConfig::default()
        },
    )
    .await;
    let (a, b) = (account(), account());
    let body = with_token(valid("Singular", "shared-name"), "tok-i");
    let ra = s.create(&a, &body).await;
    ra.expect(200, None);
    s.create(&a, &valid("Singular", "x"))
        .await
        .expect(402, Some("QUOTA_EXCEEDED"));
    let mut changed = body.clone();
    changed["connectionMode"] = json!("Private");
    let rb = s.create(&b, &changed).await;
    rb.expect(200, None);
    assert_ne!(ra.id(), rb.id());
    assert_eq!((s.count(&a).await, s.count(&b).await), (1, 1));
}

async fn concurrent_same_token_requests_create_exactly_one_profile(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    for round in 0..20 {
        let acct = account();
        let body = with_token(
            valid("Trendmicro", &format!("race-{round}")),
            &format!("tok-r{round}"),
        );
        let replies = futures::future::join_all((0..64).map(|_| s.create(&acct, &body))).await;
        let ids: std::collections::HashSet<&str> = replies
            .iter()
            .map(|r| {
                r.expect(200, None);
                r.id()
            })
            .collect();
        assert_eq!(ids.len(), 1, "round {round}");
        assert_eq!(s.count(&acct).await, 1, "round {round}");
    }
}

async fn concurrent_creates_near_the_quota_never_exceed_it(engine: Engine) {
    let s = Server::start(
        engine,
        StubConfig {
            quota: 10,
            ..StubConfig::default()
        },
    )
    .await;
    for round in 0..10 {
        let acct = account();
        for i in 0..8 {
            s.create(&acct, &valid("S3", &format!("pre-{i}")))
                .await
                .expect(200, None);
        }
        let replies = futures::future::join_all((0..32).map(|i| {
            let b = valid("S3", &format!("near-{i}"));
            let s = &s;
            let acct = acct.clone();
            async move { s.create(&acct, &b).await }
        }))
        .await;
        let ok = replies.iter().filter(|r| r.status == 200).count();
        assert!(
            replies
                .iter()
                .all(|r| r.status == 200 || r.code() == "QUOTA_EXCEEDED")
        );
        assert_eq!(ok, 2, "round {round}");
        assert_eq!(s.count(&acct).await, 10, "round {round}");
    }
}

async fn hostile_input_always_gets_an_envelope(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let acct = account();
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        (
            "malformed",
            "application/json",
            b"{\"connectorProfileName\": ".to_vec(),
            400,
        ),
        ("deep array", "application/json", deep.into_bytes(), 400),
        (
            "deep object",
            "application/json",
            deep_obj.into_bytes(),
            400,
        ),
        (
            "invalid utf-8",
            "application/json",
            vec![b'"', 0xff, 0xfe, b'"'],
            400,
        ),
        ("empty", "application/json", Vec::new(), 400),
        (
            "not an object",
            "application/json",
            b"[1,2,3]".to_vec(),
            400,
        ),
        ("null", "application/json", b"null".to_vec(), 400),
        (
            "wrong content type",
            "application/x-www-form-urlencoded",
            b"a=b".to_vec(),
            415,
        ),
        ("too large", "application/json", vec![b'1'; 300 * 1024], 413),
    ];
    for (what, ct, body, status) in cases {
        let r = s.send(&acct, ct, body).await;
        assert_eq!(
            r.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&r.raw)
        );
        r.expect(status, Some(r.code()));
    }
    assert_eq!(s.count(&acct).await, 0);
}

async fn require_account_mode_refuses_anonymous_callers(engine: Engine) {
    let s = Server::start(
        engine,
        StubConfig {
            require_account: true,
            ..StubConfig::default()
        },
    )
    .await;
    let r = crate::helpers::Reply::read(
        s.client
            .post(s.url("/create-connector-profile"))
            .json(&valid("S3", "anon"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(401, Some("UNAUTHORIZED"));
    s.create(&account(), &valid("S3", "named"))
        .await
        .expect(200, None);
    let open = Server::start(engine, StubConfig::default()).await;
    let r = crate::helpers::Reply::read(
        open.client
            .post(open.url("/create-connector-profile"))
            .json(&valid("S3", "anon"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.expect(200, None);
    assert_eq!(open.count("000000000000").await, 1);
}

async fn admin_quota_raises_the_soft_limit(engine: Engine) {
    let s = Server::start(
        engine,
        StubConfig {
            quota: 1,
            ..StubConfig::default()
        },
    )
    .await;
    let acct = account();
    s.create(&acct, &valid("S3", "q1")).await.expect(200, None);
    s.create(&acct, &valid("S3", "q2"))
        .await
        .expect(402, Some("QUOTA_EXCEEDED"));
    let r = s
        .client
        .put(s.url(&format!("/__admin/accounts/{acct}/quota")))
        .json(&json!({"quota": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    s.create(&acct, &valid("S3", "q2")).await.expect(200, None);
    s.create(&acct, &valid("S3", "q3"))
        .await
        .expect(402, Some("QUOTA_EXCEEDED"));
    let reset = s.client.post(s.url("/__admin/reset")).send().await.unwrap();
    assert_eq!(reset.status(), 200);
    assert_eq!(s.count(&acct).await, 0);
}
