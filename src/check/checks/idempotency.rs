//! The idempotency group: replays answer the first success, failures bind nothing, no token is a
//! new call, member order does not matter.

use crate::check::ctx::{Ctx, Step};
use crate::contract::rules::Direction::{Accepted, Refused};
use crate::contract::{self, ErrorCode};
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) async fn replay_same_response(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Snowflake");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    let ex = c.post(&acct, &body).await;
    c.covers("idempotency.replay", Accepted, &ex);
    let again = c.created(&ex, "the replay was not answered with the first success")?;
    c.same_answer(&first, &again, &ex, "replay")?;
    let ex = c.post(&acct, &body).await;
    let third = c.created(
        &ex,
        "a second replay was not answered with the first success",
    )?;
    c.same_answer(&first, &third, &ex, "second replay")
}

pub(super) async fn replay_after_other_creates(c: &Ctx) -> Step {
    c.needs_quota(2, "the replay must come after other creates in its account")?;
    let acct = c.account();
    let (body, _) = c.valid_with_token("Datadog");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    for _ in 0..3.min(c.cfg.quota - 1) {
        let (other, _) = c.valid_with_token("Datadog");
        c.created(
            &c.post(&acct, &other).await,
            "another create was not accepted",
        )?;
    }
    let ex = c.post(&acct, &body).await;
    let again = c.created(
        &ex,
        "the replay after other creates was not answered with the first success",
    )?;
    c.same_answer(&first, &again, &ex, "replay after other creates")
}

pub(super) async fn replay_at_full_quota(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Slack");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    c.fill(&acct, c.cfg.quota.saturating_sub(1)).await?;
    let ex = c.post(&acct, &c.valid("Slack")).await;
    c.covers("idempotency.replay-at-quota", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::QuotaExceeded,
        "the account should be at its quota",
    )?;
    let ex = c.post(&acct, &body).await;
    c.covers("idempotency.replay-at-quota", Accepted, &ex);
    let again = c.created(
        &ex,
        "the replay at full quota was not answered with the first success",
    )?;
    c.same_answer(&first, &again, &ex, "replay at full quota")
}

pub(super) async fn replay_with_taken_name(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Zendesk");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    let mut other = body.clone();
    other["clientToken"] = json!(c.token());
    let ex = c.post(&acct, &other).await;
    c.covers("idempotency.replay-over-name", Refused, &ex);
    c.covers("idempotency.replay", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::Conflict,
        "the same name with a new token was not a CONFLICT",
    )?;
    let ex = c.post(&acct, &body).await;
    c.covers("idempotency.replay-over-name", Accepted, &ex);
    let again = c.created(
        &ex,
        "the replay was refused although the name is taken by the very profile it created",
    )?;
    c.same_answer(&first, &again, &ex, "replay with the name taken")
}

pub(super) async fn failure_binds_nothing(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Veeva");
    let mut broken = body.clone();
    broken["connectionMode"] = json!("Sideways");
    let ex = c.post(&acct, &broken).await;
    c.covers("idempotency.failure-binds-nothing", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::ValidationError,
        "the invalid request was not refused",
    )?;
    let ex = c.post(&acct, &body).await;
    c.covers("idempotency.failure-binds-nothing", Accepted, &ex);
    c.created(
        &ex,
        "after a refused request, the corrected request with the same token was not accepted",
    )?;
    // A conflict binds nothing either (in an account of its own, so that any quota will do: in a
    // full account the free token meets the quota, never the mismatch).
    let acct = c.account();
    let taken = c.valid("Veeva");
    c.created(&c.post(&acct, &taken).await, "a create was not accepted")?;
    let mut clash = taken.clone();
    let token2 = c.token();
    clash["clientToken"] = json!(token2);
    c.error(
        &c.post(&acct, &clash).await,
        ErrorCode::Conflict,
        "the taken name was not a CONFLICT",
    )?;
    let mut fixed = c.valid("Veeva");
    fixed["clientToken"] = json!(token2);
    c.created_or_full(
        &c.post(&acct, &fixed).await,
        1,
        "after a CONFLICT, a corrected request with the same token was not accepted",
    )
}

pub(super) async fn no_token_new_call(c: &Ctx) -> Step {
    let acct = c.account();
    let body = c.tokenless("Marketo");
    let ex = c.post(&acct, &body).await;
    c.covers("idempotency.no-token", Accepted, &ex);
    c.created(&ex, "the first create was not accepted")?;
    let ex = c.post(&acct, &body).await;
    c.covers("idempotency.no-token", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::Conflict,
        "the same request without a token was not a new call meeting CONFLICT",
    )
}

pub(super) async fn member_order_irrelevant(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Amplitude");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    // The same members, reversed at every level, pretty-printed.
    fn reversed(v: &Value) -> String {
        match v {
            Value::Object(m) => {
                let parts: Vec<String> = m
                    .iter()
                    .rev()
                    .map(|(k, v)| format!("\n  {} :  {}", json!(k), reversed(v)))
                    .collect();
                format!("{{ {} \n}}", parts.join(" ,"))
            }
            other => other.to_string(),
        }
    }
    let text = reversed(&body);
    let ex = c
        .post_raw(
            Some(&acct),
            Some("application/json"),
            text.into_bytes(),
            Arc::new(contract::redact::scanned_secrets(&body)),
        )
        .await;
    c.covers("fingerprint.member-order", Accepted, &ex);
    let again = c.created(
        &ex,
        "the same parameters in another member order were not a replay",
    )?;
    c.same_answer(&first, &again, &ex, "reordered replay")?;
    // Reordered and with one value changed: other parameters after all.
    let mut changed = body.clone();
    changed["connectionMode"] = json!("Private");
    let ex = c
        .post_raw(
            Some(&acct),
            Some("application/json"),
            reversed(&changed).into_bytes(),
            Arc::new(contract::redact::scanned_secrets(&body)),
        )
        .await;
    c.covers("fingerprint.member-order", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::IdempotentParameterMismatch,
        "reordered members with another connectionMode were not the mismatch",
    )
}
