//! The http group: JSON's media type in every spelling the contract allows and none it does not,
//! the body limit counted in bytes at its exact edge, and the default account of a request without
//! the account header.

use crate::check::ctx::{Ctx, Step};
use crate::contract::rules::Direction::{Accepted, Refused};
use crate::contract::{self, ErrorCode};
use serde_json::json;
use std::sync::Arc;

pub(super) async fn json_media_types(c: &Ctx) -> Step {
    let accounts = c.spread();
    for ct in [
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON",
        "APPLICATION/JSON; charset=\"utf-8\"",
    ] {
        let body = c.valid("S3");
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let ex = c
            .post_raw(Some(&accounts.next()), Some(ct), bytes, Arc::default())
            .await;
        c.covers("media.json", Accepted, &ex);
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
        c.covers("media.json", Refused, &ex);
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
        c.covers("size.limit-in-bytes", Accepted, &ex);
        c.covers("body.one-json-object", Accepted, &ex);
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
    c.covers("size.limit-in-bytes", Refused, &ex);
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
    c.covers("account.default", Accepted, &ex);
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
    let ex = c.post(contract::DEFAULT_ACCOUNT, &clash).await;
    c.covers("account.default", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::Conflict,
        "the name created without the account header is not taken in the default account",
    )
}

/// Sends `method` (any spelling) to `path` with a valid body in a fresh account.
async fn send(c: &Ctx, method: &str, path: &str) -> crate::http::Exchange {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let body = c.valid("S3");
    let sent = c.target.request(
        method,
        path,
        Some(&c.account()),
        Some("application/json"),
        serde_json::to_vec(&body).unwrap_or_default(),
        Arc::new(contract::redact::scanned_secrets(&body)),
    );
    c.send(sent).await
}

pub(super) async fn method_case(c: &Ctx) -> Step {
    // Methods are case-sensitive (RFC 9110): `post` is not POST.
    for method in ["post", "Post"] {
        let ex = send(c, method, contract::ENDPOINT).await;
        c.covers("method.case-sensitive", Refused, &ex);
        c.error(
            &ex,
            ErrorCode::MethodNotAllowed,
            &format!(
                "`{method}` on the endpoint was not METHOD_NOT_ALLOWED (methods are case-sensitive)"
            ),
        )?;
    }
    let ex = send(c, "POST", contract::ENDPOINT).await;
    c.covers("method.case-sensitive", Accepted, &ex);
    c.created(&ex, "a valid POST was not accepted").map(drop)
}

pub(super) async fn head_without_body(c: &Ctx) -> Step {
    let sent = c.target.request(
        reqwest::Method::HEAD,
        contract::ENDPOINT,
        Some(&c.account()),
        None,
        Vec::new(),
        Arc::default(),
    );
    let ex = c.send(sent).await;
    c.covers("method.post-only", Refused, &ex);
    // A HEAD answer has no body, so only its status and Allow can be judged.
    if let Ok(r) = &ex.result {
        let allow = r.allow.as_deref().unwrap_or("");
        if r.status != 405
            || !allow
                .split(',')
                .any(|m| m.trim().eq_ignore_ascii_case("POST"))
        {
            c.fail(
                "HEAD on the endpoint was not 405 with Allow: POST",
                Some("405, Allow: POST, no body".into()),
                Some(format!("{}, Allow: {allow}", r.status)),
                Some(&ex),
            );
        }
        if !r.body.is_empty() {
            c.fail(
                "HEAD on the endpoint was answered with a body",
                Some("no body".into()),
                Some(format!("{} bytes", r.body.len())),
                Some(&ex),
            );
        }
    } else {
        c.unanswered("HEAD on the endpoint got no answer", None, &ex);
    }
    Ok(())
}

pub(super) async fn query_string(c: &Ctx) -> Step {
    // A query string does not change the path.
    let path = format!("{}?source=appflow-harness&x=1", contract::ENDPOINT);
    let ex = send(c, "POST", &path).await;
    c.covers("route.exact-path", Accepted, &ex);
    c.created(&ex, "a valid create with a query string was not accepted (a query string does not change the path)")
        .map(drop)
}

pub(super) async fn trailing_data(c: &Ctx) -> Step {
    // One JSON value, then nothing but whitespace.
    let text = serde_json::to_string(&c.valid("S3")).unwrap_or_default();
    for (what, raw) in [
        (
            "a second JSON value after the object",
            format!("{text}{{}}"),
        ),
        ("a word after the object", format!("{text} x")),
        ("a comma after the object", format!("{text},")),
    ] {
        let ex = c
            .post_raw(
                Some(&c.account()),
                Some("application/json"),
                raw.into_bytes(),
                Arc::default(),
            )
            .await;
        c.covers("body.one-json-object", Refused, &ex);
        c.error(
            &ex,
            ErrorCode::ValidationError,
            &format!("a body with {what} was not refused"),
        )?;
    }
    let raw = format!("{text} \r\n\t ");
    let ex = c
        .post_raw(
            Some(&c.account()),
            Some("application/json"),
            raw.into_bytes(),
            Arc::default(),
        )
        .await;
    c.covers("body.one-json-object", Accepted, &ex);
    c.created(&ex, "a valid body followed by whitespace was not accepted")
        .map(drop)
}
