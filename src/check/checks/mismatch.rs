//! The mismatch group: the same token with any other parameter is refused and creates nothing.

use crate::check::ctx::{Ctx, Step};
use crate::contract::ErrorCode;
use crate::contract::rules::Direction::{Accepted, Refused};
use serde_json::{Value, json};

async fn mismatch(c: &Ctx, edit: fn(&Ctx, &mut Value)) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("CustomConnector");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    let mut changed = body.clone();
    edit(c, &mut changed);
    debug_assert_ne!(changed, body);
    let ex = c.post(&acct, &changed).await;
    c.covers("idempotency.mismatch", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::IdempotentParameterMismatch,
        "the same token with other parameters was not refused as a mismatch",
    )?;
    // Nothing was created: the original still replays, and a changed name is still free.
    let ex = c.post(&acct, &body).await;
    c.covers("idempotency.mismatch", Accepted, &ex);
    let again = c.created(
        &ex,
        "after the mismatch, the original request no longer replays",
    )?;
    c.same_answer(&first, &again, &ex, "replay after a mismatch")?;
    if changed["connectorProfileName"] != body["connectorProfileName"] {
        let mut fresh = changed.clone();
        fresh["clientToken"] = json!(c.token());
        c.created_or_full(
            &c.post(&acct, &fresh).await,
            1,
            "the mismatched request's name is taken: the mismatch created a profile",
        )?;
    }
    Ok(())
}

pub(super) async fn name(c: &Ctx) -> Step {
    mismatch(c, |c, b| b["connectorProfileName"] = json!(c.name("other"))).await
}
pub(super) async fn connector_type(c: &Ctx) -> Step {
    mismatch(c, |c, b| {
        let mut other = c.generator().request(
            "Salesforce",
            b["connectorProfileName"].as_str().unwrap_or("x"),
        );
        other["clientToken"] = b["clientToken"].clone();
        *b = other;
    })
    .await
}
pub(super) async fn connection_mode(c: &Ctx) -> Step {
    mismatch(c, |_, b| b["connectionMode"] = json!("Private")).await
}
pub(super) async fn connector_label(c: &Ctx) -> Step {
    mismatch(c, |_, b| b["connectorLabel"] = json!("another-connector")).await
}
pub(super) async fn kms_arn(c: &Ctx) -> Step {
    mismatch(c, |_, b| {
        b["kmsArn"] = json!("arn:aws:kms:eu-west-1:210987654321:key/another-key-for-the-check")
    })
    .await
}
pub(super) async fn properties(c: &Ctx) -> Step {
    mismatch(c, |_, b| b["connectorProfileConfig"]["connectorProfileProperties"]["CustomConnector"]["profileProperties"]["changed"] = json!("yes")).await
}
pub(super) async fn credentials(c: &Ctx) -> Step {
    mismatch(c, |_, b| b["connectorProfileConfig"]["connectorProfileCredentials"]["CustomConnector"]["authenticationType"] = json!("APIKEY")).await
}
