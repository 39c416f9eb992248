//! Names, quota and isolation: a taken name is a conflict, the quota holds, and accounts never
//! see, conflict with or limit each other.

use crate::check::ctx::{Ctx, Step};
use crate::contract::ErrorCode;
use crate::contract::rules::Direction::{Accepted, Refused};
use serde_json::json;

pub(super) async fn same_name_new_token(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Dynatrace");
    let ex = c.post(&acct, &body).await;
    c.covers("names.unique", Accepted, &ex);
    c.created(&ex, "the first create was not accepted")?;
    let mut again = body.clone();
    again["clientToken"] = json!(c.token());
    let ex = c.post(&acct, &again).await;
    c.covers("names.unique", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::Conflict,
        "the same name with a new token was not a CONFLICT",
    )?;
    if let Some(m) = again.as_object_mut() {
        m.remove("clientToken");
    }
    c.error(
        &c.post(&acct, &again).await,
        ErrorCode::Conflict,
        "the same name without a token was not a CONFLICT",
    )
}

pub(super) async fn quota_limit(c: &Ctx) -> Step {
    let acct = c.account();
    c.fill(&acct, c.cfg.quota).await?;
    c.cover("doc:quota.limit", Accepted);
    for n in 1..=2 {
        let ex = c.post(&acct, &c.valid("S3")).await;
        c.covers("quota.limit", Refused, &ex);
        c.error(
            &ex,
            ErrorCode::QuotaExceeded,
            &format!(
                "create number {} beyond the quota of {} was not refused",
                n, c.cfg.quota
            ),
        )?;
    }
    Ok(())
}

pub(super) async fn isolated_names(c: &Ctx) -> Step {
    let (a, b) = (c.account(), c.account());
    let body = c.valid("Singular");
    c.created(
        &c.post(&a, &body).await,
        "the create in the first account was not accepted",
    )?;
    let ex = c.post(&b, &body).await;
    c.covers("account.isolation", Accepted, &ex);
    c.created(&ex, "a name taken in another account was refused")?;
    Ok(())
}

pub(super) async fn isolated_tokens(c: &Ctx) -> Step {
    let (a, b) = (c.account(), c.account());
    let (body, token) = c.valid_with_token("Trendmicro");
    let first = c.created(
        &c.post(&a, &body).await,
        "the create in the first account was not accepted",
    )?;
    let mut other = c.valid("Trendmicro");
    other["clientToken"] = json!(token);
    let ex = c.post(&b, &other).await;
    let second = c.created(
        &ex,
        "a token bound in another account was treated as bound here",
    )?;
    if second["id"] == first["id"] {
        c.fail(
            "the other account's create replayed the first account's profile",
            Some("a new id".into()),
            Some(second["id"].to_string()),
            Some(&ex),
        );
    }
    Ok(())
}

pub(super) async fn isolated_quota(c: &Ctx) -> Step {
    let (a, b) = (c.account(), c.account());
    c.fill(&a, c.cfg.quota).await?;
    let ex = c.post(&a, &c.valid("S3")).await;
    c.covers("account.isolation", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::QuotaExceeded,
        "the first account should be full",
    )?;
    c.created(
        &c.post(&b, &c.valid("S3")).await,
        "a full account limited another account",
    )?;
    Ok(())
}

pub(super) async fn refusals_use_no_quota(c: &Ctx) -> Step {
    // One place left; then a refusal of every kind and two replays; the place must still be there.
    c.needs_quota(2, "one place must be left after a first create")?;
    let acct = c.account();
    let (body, _) = c.valid_with_token("S3");
    c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    c.fill(&acct, c.cfg.quota.saturating_sub(2)).await?;
    let mut invalid = c.valid("S3");
    invalid["connectionMode"] = json!("Sideways");
    c.error(
        &c.post(&acct, &invalid).await,
        ErrorCode::ValidationError,
        "an invalid request was not refused",
    )?;
    let mut mismatch = body.clone();
    mismatch["connectionMode"] = json!("Private");
    c.error(
        &c.post(&acct, &mismatch).await,
        ErrorCode::IdempotentParameterMismatch,
        "the token with other parameters was not the mismatch",
    )?;
    let mut conflict = body.clone();
    conflict["clientToken"] = json!(c.token());
    c.error(
        &c.post(&acct, &conflict).await,
        ErrorCode::Conflict,
        "the taken name was not a CONFLICT",
    )?;
    for _ in 0..2 {
        c.created(&c.post(&acct, &body).await, "the replay was not answered")?;
    }
    let ex = c.post(&acct, &c.valid("S3")).await;
    c.covers("quota.refusals-free", Accepted, &ex);
    c.created(
        &ex,
        &format!(
            "with one place of {} left, a create after refusals and replays was refused: they used up quota",
            c.cfg.quota
        ),
    )?;
    let ex = c.post(&acct, &c.valid("S3")).await;
    c.covers("quota.refusals-free", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::QuotaExceeded,
        "the account is now full, but a further create was not refused",
    )
}

pub(super) async fn counts_every_create(c: &Ctx) -> Step {
    // The quota counts creates with a token and without: fill all but one place with tokens, take
    // the last without one; then neither kind gets in.
    let acct = c.account();
    c.fill(&acct, c.cfg.quota.saturating_sub(1)).await?;
    let ex = c.post(&acct, &c.tokenless("S3")).await;
    c.covers("quota.limit", Accepted, &ex);
    c.created(
        &ex,
        "the last place of the quota was refused to a create without a token",
    )?;
    for (what, body) in [
        ("without a token", c.tokenless("S3")),
        ("with a token", c.valid("S3")),
    ] {
        let ex = c.post(&acct, &body).await;
        c.covers("quota.limit", Refused, &ex);
        c.error(
            &ex,
            ErrorCode::QuotaExceeded,
            &format!("a create {what} in a full account was not refused (every create counts, with a token or without)"),
        )?;
    }
    Ok(())
}
