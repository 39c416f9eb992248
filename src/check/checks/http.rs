//! The http group: JSON's media type in every spelling the contract allows and none it does not,
//! the body limit counted in bytes at its exact edge, and the default account of a request without
//! the account header.

use crate::check::ctx::{Ctx, Step};
use crate::contract::{self, ErrorCode};
use serde_json::json;
use std::sync::Arc;

pub(super) async fn json_media_types(c: &Ctx) -> Step {
    let acct = c.account();
    for ct in [
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON",
        "APPLICATION/JSON; charset=\"utf-8\"",
    ] {
        let body = c.valid("S3");
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let ex = c
            .post_raw(Some(&acct), Some(ct), bytes, Arc::default())
            .await;
        let _ = c.created(
            &ex,
            &format!("a valid request sent as `{ct}` was not accepted"),
        );
    }
    Ok(())
}

pub(super) async fn not_json_media_types(c: &Ctx) -> Step {
    let acct = c.account();
    for ct in [
        "application/json-seq",
        "application/merge-patch+json",
        "application/vnd.api+json",
        "text/json",
    ] {
        let bytes = serde_json::to_vec(&c.valid("S3")).unwrap_or_default();
        let ex = c
            .post_raw(Some(&acct), Some(ct), bytes, Arc::default())
            .await;
        let _ = c.error(
            &ex,
            ErrorCode::UnsupportedMediaType,
            &format!("a request sent as `{ct}` (not JSON) was not refused"),
        );
    }
    Ok(())
}

pub(super) async fn body_limit_in_bytes(c: &Ctx) -> Step {
    let limit = c.cfg.max_body;
    let acct = c.account();
    // A valid request padded with trailing whitespace to exactly the limit: not too large.
    let mut exact = serde_json::to_vec(&c.valid("S3")).unwrap_or_default();
    if exact.len() <= limit {
        exact.resize(limit, b' ');
        let ex = c
            .post_raw(Some(&acct), Some("application/json"), exact, Arc::default())
            .await;
        c.created(
            &ex,
            &format!("a valid body of exactly the limit ({limit} bytes) was not accepted"),
        )?;
    }
    // One byte more: too large.
    let mut over = serde_json::to_vec(&c.valid("S3")).unwrap_or_default();
    over.resize(limit + 1, b' ');
    let ex = c
        .post_raw(Some(&acct), Some("application/json"), over, Arc::default())
        .await;
    let _ = c.error(
        &ex,
        ErrorCode::PayloadTooLarge,
        &format!(
            "a body of the limit plus one byte ({} bytes) was not refused",
            limit + 1
        ),
    );
    // Fewer characters than the limit, more bytes: the limit counts bytes.
    let chars = limit / 2 + 1;
    let text = format!("{{\"connectorProfileName\": \"{}\"}}", "é".repeat(chars));
    let ex = c
        .post_raw(
            Some(&acct),
            Some("application/json"),
            text.into_bytes(),
            Arc::default(),
        )
        .await;
    let _ = c.error(
        &ex,
        ErrorCode::PayloadTooLarge,
        &format!(
            "a body of about {} characters but over {limit} bytes (two bytes each) was not refused",
            chars
        ),
    );
    Ok(())
}

pub(super) async fn default_account(c: &Ctx) -> Step {
    // The default account is shared by every run against the target: a token of this run's own.
    let mut body = c.valid("S3");
    body["clientToken"] = json!(format!("{}{}", c.settings.prefix, c.token()));
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let secrets = Arc::new(contract::redact::scanned_secrets(&body));
    let ex = c
        .post_raw(None, Some("application/json"), bytes, secrets)
        .await;
    if c.cfg.require_account {
        return c.error(
            &ex,
            ErrorCode::Unauthorized,
            "a request without the account header was not refused, though the contract requires it",
        );
    }
    if c.code_of(&ex) == Some(ErrorCode::QuotaExceeded) {
        c.cannot_verify(format!(
            "the default account {} is full, so a request without the account header cannot create in it",
            contract::DEFAULT_ACCOUNT
        ));
        return Ok(());
    }
    let first = c.created(
        &ex,
        "a valid request without the account header was not accepted",
    )?;
    // The same token in the account the header names explicitly is the same call: a replay.
    let ex = c.post(contract::DEFAULT_ACCOUNT, &body).await;
    let again = c.created(
        &ex,
        &format!(
            "the same request naming the default account {} was not a replay",
            contract::DEFAULT_ACCOUNT
        ),
    )?;
    c.same_answer(
        &first,
        &again,
        &ex,
        "a request without the account header and one naming the default account",
    )?;
    // And the name is taken there.
    let mut clash = body.clone();
    clash["clientToken"] = json!(c.token());
    c.error(
        &c.post(contract::DEFAULT_ACCOUNT, &clash).await,
        ErrorCode::Conflict,
        "the name created without the account header is not taken in the default account",
    )
}
