//! The order group: a request that breaks two rows of the error table at once gets the earlier
//! row's answer (route, method, media type, size, identity, validation, token, name, quota).

use crate::check::ctx::{Ctx, Step};
use crate::contract::{self, ErrorCode};
use serde_json::json;
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
    c.error(
        &ex,
        ErrorCode::Unauthorized,
        "an invalid body with a malformed account was not UNAUTHORIZED (the identity comes first)",
    )
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
    c.error(
        &c.post(&acct, &invalid).await,
        ErrorCode::ValidationError,
        "an invalid body reusing a bound token was not VALIDATION_ERROR (validation comes before the token)",
    )
}

pub(super) async fn token_before_name(c: &Ctx) -> Step {
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
    c.error(
        &c.post(&acct, &both).await,
        ErrorCode::IdempotentParameterMismatch,
        "a bound token with other parameters and a taken name was not the mismatch (the token comes before the name)",
    )
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
    c.error(
        &c.post(&acct, &again).await,
        ErrorCode::Conflict,
        "a taken name in a full account was not CONFLICT (the name comes before the quota)",
    )
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
    c.error(
        &c.post(&acct, &changed).await,
        ErrorCode::IdempotentParameterMismatch,
        "a bound token with other parameters in a full account was not the mismatch (the token comes before the quota)",
    )
}
