//! Update: what it replaces and keeps, its token, a missing profile, a config of another type.

use super::{arn_of, expected_properties};
use super::{described, same};
use crate::check::ctx::{Ctx, Step, Stop};
use crate::contract::rules::Direction::{Accepted, Refused};
use crate::contract::{self, ErrorCode, Operation};
use serde_json::{Value, json};

/// An update of `name` to `mode` with Datadog properties `url`, with `token` if any.
fn update_body(name: &str, mode: &str, url: &str, token: Option<&str>) -> Value {
    let mut b = json!({
        "connectorProfileName": name,
        "connectionMode": mode,
        "connectorProfileConfig": {
            "connectorProfileProperties": {"Datadog": {"instanceUrl": url}},
            "connectorProfileCredentials": {"Datadog": {"apiKey": "update-key-s3cr3t-0001", "applicationKey": "update-app-s3cr3t-0002"}}
        }
    });
    if let Some(t) = token {
        b["clientToken"] = json!(t);
    }
    b
}

/// The one detail a describe of `name` in `account` shows.
async fn detail(c: &Ctx, account: &str, name: &str, secrets: &[String]) -> Result<Value, Stop> {
    let all = described(c, account, &[name], secrets).await?;
    match all.into_iter().next() {
        Some(d) => Ok(d),
        None => {
            c.fail(
                format!("describe does not show the profile {name}"),
                Some("one detail".into()),
                Some("none".into()),
                None,
            );
            Err(Stop)
        }
    }
}

pub(crate) async fn update_replaces(c: &Ctx) -> Step {
    c.needs_lifecycle().await?;
    let acct = c.account();
    let body = c.valid("Datadog");
    let name = body["connectorProfileName"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let data = c.created(&c.post(&acct, &body).await, "the create was not accepted")?;
    let secrets = contract::redact::scanned_secrets(&body);
    let before = detail(c, &acct, &name, &secrets).await?;
    if c.target.admin().is_some() {
        // Time passes (the stub's clock), so that lastUpdatedAt has somewhere to move to.
        let _ = c
            .target
            .admin_call(
                reqwest::Method::POST,
                "/__admin/clock",
                Some(json!({"advance_seconds": 5})),
            )
            .await;
    }
    let update = update_body(&name, "Private", "https://updated.example.com", None);
    let ex = c
        .call(Operation::Update, &acct, &update, secrets.clone())
        .await;
    c.covers("lifecycle.update-replaces", Accepted, &ex);
    let answered = c.created(&ex, "the update was not accepted")?;
    if let (Some(a), Some(b)) = (arn_of(c, &answered), arn_of(c, &data)) {
        same(
            c,
            &json!({"connectorProfileArn": a}),
            "connectorProfileArn",
            &json!(b),
            &ex,
        )?;
    }
    let after = detail(c, &acct, &name, &secrets).await?;
    same(c, &after, "connectionMode", &json!("Private"), &ex)?;
    same(
        c,
        &after,
        "connectorProfileProperties",
        &expected_properties(&json!({
            "connectorType": "Datadog",
            "connectorProfileConfig": update["connectorProfileConfig"],
        })),
        &ex,
    )?;
    for kept in [
        "connectorProfileArn",
        "connectorType",
        "createdAt",
        "id",
        "created_at",
        "connectorLabel",
    ] {
        same(c, &after, kept, &before[kept], &ex)?;
    }
    let moved = |d: &Value| {
        d["lastUpdatedAt"].as_f64().or_else(|| {
            d["lastUpdatedAt"]
                .as_str()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.timestamp_millis() as f64 / 1000.0)
        })
    };
    if moved(&after) < moved(&before)
        || (c.target.admin().is_some() && moved(&after) == moved(&before))
    {
        c.fail(
            "an update did not move lastUpdatedAt",
            Some(format!("after {}", before["lastUpdatedAt"])),
            Some(after["lastUpdatedAt"].to_string()),
            Some(&ex),
        );
    }
    // The type cannot change: a config of another connector's key is refused, and nothing changes.
    let mut other = update.clone();
    other["connectorProfileConfig"] = json!({"connectorProfileProperties": {"Salesforce": {}}});
    let ex = c.call(Operation::Update, &acct, &other, Vec::new()).await;
    c.covers("lifecycle.update-replaces", Refused, &ex);
    c.covers("lifecycle.update-config", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::ValidationError,
        "an update with another connector's properties was not refused",
    )?;
    let still = detail(c, &acct, &name, &secrets).await?;
    same(
        c,
        &still,
        "connectorProfileProperties",
        &after["connectorProfileProperties"],
        &ex,
    )?;
    c.cover("doc:lifecycle.update-config", Accepted);
    Ok(())
}

pub(crate) async fn update_idempotency(c: &Ctx) -> Step {
    c.needs_lifecycle().await?;
    let acct = c.account();
    let body = c.valid("Datadog");
    let name = body["connectorProfileName"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    c.created(&c.post(&acct, &body).await, "the create was not accepted")?;
    let token = c.token();
    let first = update_body(&name, "Private", "https://first.example.com", Some(&token));
    let ex = c.call(Operation::Update, &acct, &first, Vec::new()).await;
    let answer = c.created(&ex, "the update was not accepted")?;
    let ex = c.call(Operation::Update, &acct, &first, Vec::new()).await;
    c.covers("lifecycle.update-idempotency", Accepted, &ex);
    let again = c.created(&ex, "the update's replay was not answered")?;
    c.same_answer(&answer, &again, &ex, "update replay")?;
    let other = update_body(&name, "Public", "https://other.example.com", Some(&token));
    let ex = c.call(Operation::Update, &acct, &other, Vec::new()).await;
    c.covers("lifecycle.update-idempotency", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::IdempotentParameterMismatch,
        "the update's token with other parameters was not the mismatch",
    )?;
    let d = detail(c, &acct, &name, &[]).await?;
    same(c, &d, "connectionMode", &json!("Private"), &ex)?;
    // After a delete the replay still answers its first answer.
    let ex = c.delete(&acct, &name, false).await;
    c.page(&ex, "the delete was not accepted")?;
    let ex = c.call(Operation::Update, &acct, &first, Vec::new()).await;
    let after = c.created(
        &ex,
        "after a delete, the update's replay was not answered with its first answer",
    )?;
    c.same_answer(&answer, &after, &ex, "update replay after a delete")
}

pub(crate) async fn update_missing(c: &Ctx) -> Step {
    c.needs_lifecycle().await?;
    let acct = c.account();
    // A name the account does not have: 404, before the config is checked against a type.
    let missing = update_body(&c.name("missing"), "Public", "https://x.example.com", None);
    let ex = c.call(Operation::Update, &acct, &missing, Vec::new()).await;
    c.covers("lifecycle.update-missing", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::ResourceNotFound,
        "an update of a name the account does not have was not RESOURCE_NOT_FOUND",
    )?;
    // Validation still comes first.
    let mut invalid = missing.clone();
    invalid["connectionMode"] = json!("Sideways");
    let ex = c.call(Operation::Update, &acct, &invalid, Vec::new()).await;
    c.error(
        &ex,
        ErrorCode::ValidationError,
        "an invalid update of a missing name was not VALIDATION_ERROR (validation comes first)",
    )?;
    let body = c.valid("Datadog");
    c.created(&c.post(&acct, &body).await, "the create was not accepted")?;
    let name = body["connectorProfileName"].as_str().unwrap_or("");
    let ex = c
        .call(
            Operation::Update,
            &acct,
            &update_body(name, "Public", "https://y.example.com", None),
            Vec::new(),
        )
        .await;
    c.covers("lifecycle.update-missing", Accepted, &ex);
    c.created(
        &ex,
        "an update of a profile the account has was not accepted",
    )
    .map(drop)
}
