//! The order group: a request that breaks two rows of the error table at once gets the earlier
//! row's answer (route, method, media type, size, identity, validation, token, name, quota).

use crate::check::ctx::{Ctx, Step};
use crate::contract::rules::Direction::{Accepted, Refused};
use crate::contract::{self, ErrorCode};
use serde_json::{Value, json};
use std::sync::Arc;

/// A JSON body one byte over the target's limit.
fn oversized(c: &Ctx) -> Vec<u8> {
    let mut body = b"{\"connectorProfileName\": \"".to_vec();
    body.resize(c.cfg.max_body + 1 - 2, b'a');
    body.extend_from_slice(b"\"}");
    body
}

pub(super) async fn method_before_media_type(c: &Ctx) -> Step {
    let sent = c.target.request(
        reqwest::Method::PUT,
        contract::ENDPOINT,
        Some(&c.account()),
        Some("text/plain"),
        "not json",
        Arc::default(),
    );
    let ex = c.send(sent).await;
    c.covers("order.method-before-media-type", Refused, &ex);
    c.accepted_neighbour("order.method-before-media-type")
        .await?;
    c.error(
        &ex,
        ErrorCode::MethodNotAllowed,
        "PUT with a body that is not JSON was not METHOD_NOT_ALLOWED (the method comes first)",
    )
}

pub(super) async fn media_type_before_size(c: &Ctx) -> Step {
    let ex = c
        .post_raw(
            Some(&c.account()),
            Some("text/plain"),
            oversized(c),
            Arc::default(),
        )
        .await;
    c.covers("order.media-type-before-size", Refused, &ex);
    c.accepted_neighbour("order.media-type-before-size").await?;
    c.error(
        &ex,
        ErrorCode::UnsupportedMediaType,
        "a body over the limit sent as text/plain was not UNSUPPORTED_MEDIA_TYPE (the media type comes first)",
    )
}

pub(super) async fn size_before_identity(c: &Ctx) -> Step {
    let ex = c
        .post_raw(
            Some("12345"),
            Some("application/json"),
            oversized(c),
            Arc::default(),
        )
        .await;
    c.covers("order.size-before-identity", Refused, &ex);
    c.accepted_neighbour("order.size-before-identity").await?;
    c.error(
        &ex,
        ErrorCode::PayloadTooLarge,
        "a body over the limit with a malformed account was not PAYLOAD_TOO_LARGE (the size comes first)",
    )
}

pub(super) async fn identity_before_validation(c: &Ctx) -> Step {
    let ex = c
        .post("abcdefghijkl", &json!({"connectorProfileName": "x"}))
        .await;
    c.covers("order.identity-before-validation", Refused, &ex);
    c.accepted_neighbour("order.identity-before-validation")
        .await?;
    c.error(
        &ex,
        ErrorCode::Unauthorized,
        "an invalid body with a malformed account was not UNAUTHORIZED (the identity comes first)",
    )
}

/// Sends `broken` (which breaks two rows) in `acct` and expects `code` (the earlier row's); then
/// the replay of `body`, which breaks neither, and expects the first answer again.
async fn earlier_row(
    c: &Ctx,
    doc: &str,
    acct: &str,
    (body, broken): (&Value, &Value),
    code: ErrorCode,
    what: &str,
) -> Step {
    let ex = c.post(acct, broken).await;
    c.covers(doc, Refused, &ex);
    c.error(&ex, code, what)?;
    let ex = c.post(acct, body).await;
    c.covers(doc, Accepted, &ex);
    c.created(&ex, "the replay of the bound token was not answered")
        .map(drop)
}

pub(super) async fn validation_before_token(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Slack");
    c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    let mut invalid = body.clone();
    invalid["connectionMode"] = json!("Sideways");
    earlier_row(
        c,
        "order.validation-before-token",
        &acct,
        (&body, &invalid),
        ErrorCode::ValidationError,
        "an invalid body reusing a bound token was not VALIDATION_ERROR (validation comes before the token)",
    )
    .await
}

pub(super) async fn token_before_name(c: &Ctx) -> Step {
    c.needs_quota(
        2,
        "a bound token and another profile's taken name in one account",
    )?;
    let acct = c.account();
    let (first, _) = c.valid_with_token("Slack");
    c.created(
        &c.post(&acct, &first).await,
        "the first create was not accepted",
    )?;
    let other = c.valid("Slack");
    c.created(
        &c.post(&acct, &other).await,
        "the second create was not accepted",
    )?;
    // The first token, with the second profile's (taken) name: a mismatch, not a conflict.
    let mut both = first.clone();
    both["connectorProfileName"] = other["connectorProfileName"].clone();
    earlier_row(
        c,
        "order.token-before-name",
        &acct,
        (&first, &both),
        ErrorCode::IdempotentParameterMismatch,
        "a bound token with other parameters and a taken name was not the mismatch (the token comes before the name)",
    )
    .await
}

pub(super) async fn name_before_quota(c: &Ctx) -> Step {
    let acct = c.account();
    let taken = c.valid("S3");
    c.created(
        &c.post(&acct, &taken).await,
        "the first create was not accepted",
    )?;
    c.fill(&acct, c.cfg.quota.saturating_sub(1)).await?;
    let mut again = taken.clone();
    again["clientToken"] = json!(c.token());
    earlier_row(
        c,
        "order.name-before-quota",
        &acct,
        (&taken, &again),
        ErrorCode::Conflict,
        "a taken name in a full account was not CONFLICT (the name comes before the quota)",
    )
    .await
}

pub(super) async fn token_before_quota(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("S3");
    c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    c.fill(&acct, c.cfg.quota.saturating_sub(1)).await?;
    let mut changed = body.clone();
    changed["connectionMode"] = json!("Private");
    earlier_row(
        c,
        "order.token-before-quota",
        &acct,
        (&body, &changed),
        ErrorCode::IdempotentParameterMismatch,
        "a bound token with other parameters in a full account was not the mismatch (the token comes before the quota)",
    )
    .await
}
