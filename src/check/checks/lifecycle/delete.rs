//! Delete: what it frees, a missing profile, and a create's token after its profile is gone.

use super::described;
use crate::check::ctx::{Ctx, Step, Stop};
use crate::contract::rules::Direction::{Accepted, Refused};
use crate::contract::{self, ErrorCode};
use serde_json::json;

pub(crate) async fn delete_frees(c: &Ctx) -> Step {
    c.needs_lifecycle().await?;
    let acct = c.account();
    let body = c.valid("S3");
    let name = body["connectorProfileName"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let first = c.created(&c.post(&acct, &body).await, "the create was not accepted")?;
    c.fill(&acct, c.cfg.quota.saturating_sub(1)).await?;
    let ex = c.post(&acct, &c.valid("S3")).await;
    c.covers("lifecycle.delete-frees", Refused, &ex);
    c.error(&ex, ErrorCode::QuotaExceeded, "the account should be full")?;
    let ex = c.delete(&acct, &name, true).await;
    c.page(&ex, "the delete was not accepted")?;
    // The name and the place are free at once: the same name, with a new token, is a new profile.
    let mut again = body.clone();
    again["clientToken"] = json!(c.token());
    let ex = c.post(&acct, &again).await;
    c.covers("lifecycle.delete-frees", Accepted, &ex);
    let second = c.created(
        &ex,
        "after a delete, its name (and its place of the quota) was not free",
    )?;
    if second["id"] == first["id"] && c.cfg.errors.dialect() == contract::Dialect::Envelope {
        c.fail(
            "the new profile has the deleted one's id",
            Some("a new id".into()),
            Some(second["id"].to_string()),
            Some(&ex),
        );
    }
    Ok(())
}

pub(crate) async fn delete_missing(c: &Ctx) -> Step {
    c.needs_lifecycle().await?;
    let acct = c.account();
    let body = c.valid("S3");
    let name = body["connectorProfileName"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    c.created(&c.post(&acct, &body).await, "the create was not accepted")?;
    let ex = c.delete(&acct, &name, false).await;
    c.covers("lifecycle.delete-missing", Accepted, &ex);
    c.page(&ex, "the delete was not accepted")?;
    let gone = described(c, &acct, &[&name], &[]).await?;
    if !gone.is_empty() {
        c.fail(
            "a deleted profile is still described",
            Some("[]".into()),
            Some(format!("{:?}", Ctx::names(&gone))),
            None,
        );
    }
    let ex = c.delete(&acct, &name, false).await;
    c.covers("lifecycle.delete-missing", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::ResourceNotFound,
        "a second delete was not RESOURCE_NOT_FOUND",
    )
}

pub(crate) async fn create_token_after_delete(c: &Ctx) -> Step {
    c.needs_lifecycle().await?;
    let acct = c.account();
    let (body, _) = c.valid_with_token("Pardot");
    let name = body["connectorProfileName"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let first = c.created(&c.post(&acct, &body).await, "the create was not accepted")?;
    let ex = c.delete(&acct, &name, false).await;
    c.page(&ex, "the delete was not accepted")?;
    let ex = c.post(&acct, &body).await;
    c.covers("lifecycle.create-token-after-delete", Accepted, &ex);
    let again = c.created(
        &ex,
        "after a delete, the create's replay was not answered with its first success",
    )?;
    c.same_answer(&first, &again, &ex, "replay after a delete")?;
    let gone = described(c, &acct, &[&name], &[]).await?;
    c.cover("doc:lifecycle.create-token-after-delete", Refused);
    if !gone.is_empty() {
        c.fail(
            "a replay after a delete created the profile again",
            Some("[] (it stays deleted)".into()),
            Some(format!("{:?}", Ctx::names(&gone))),
            None,
        );
        return Err(Stop);
    }
    let mut fresh = body.clone();
    fresh["clientToken"] = json!(c.token());
    let second = c.created(
        &c.post(&acct, &fresh).await,
        "a new token with the deleted profile's name did not create",
    )?;
    if c.cfg.errors.dialect() == contract::Dialect::Envelope && second["id"] == first["id"] {
        c.fail(
            "the new profile has the deleted one's id",
            Some("a new id".into()),
            Some(second["id"].to_string()),
            None,
        );
    }
    Ok(())
}
