//! The envelope group: both envelopes, 404 on other paths, 405 with `Allow: POST`.

use crate::check::ctx::{Ctx, Step};
use crate::contract::rules::Direction::{Accepted, Refused};
use crate::contract::{self, ErrorCode};
use serde_json::json;
use std::sync::Arc;

pub(super) async fn success_shape(c: &Ctx) -> Step {
    // Every response's envelope (id, RFC 3339 created_at, content type) is checked in Ctx::post.
    let ex = c.post(&c.account(), &c.valid("Salesforce")).await;
    for doc in [
        "route.before-method",
        "method.post-only",
        "account.malformed",
    ] {
        c.covers(doc, Accepted, &ex);
    }
    c.created(&ex, "a valid create was not accepted")?;
    Ok(())
}

pub(super) async fn error_shape(c: &Ctx) -> Step {
    let ex = c
        .post(&c.account(), &json!({"connectorProfileName": "x"}))
        .await;
    c.error(
        &ex,
        ErrorCode::ValidationError,
        "an invalid request was not refused with VALIDATION_ERROR",
    )
}

pub(super) async fn not_found(c: &Ctx) -> Step {
    // Paths are compared exactly: another letter case or a trailing slash is another path.
    for (method, path) in [
        (reqwest::Method::POST, "/create-connector-profiles"),
        (reqwest::Method::POST, "/create-connector-profile/"),
        (reqwest::Method::POST, "/Create-Connector-Profile"),
        (reqwest::Method::GET, "/no-such-path"),
    ] {
        let sent = c.target.request(
            method,
            path,
            Some(&c.account()),
            Some("application/json"),
            "{}",
            Arc::default(),
        );
        let ex = c.send(sent).await;
        c.covers("route.exact-path", Refused, &ex);
        c.covers("route.before-method", Refused, &ex);
        c.error(
            &ex,
            ErrorCode::NotFound,
            &format!("{path} did not answer NOT_FOUND"),
        )?;
    }
    Ok(())
}

pub(super) async fn method_not_allowed(c: &Ctx) -> Step {
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
        reqwest::Method::OPTIONS,
    ] {
        let sent = c.target.request(
            method.clone(),
            contract::ENDPOINT,
            Some(&c.account()),
            None,
            "",
            Arc::default(),
        );
        let ex = c.send(sent).await;
        c.covers("method.post-only", Refused, &ex);
        c.error(
            &ex,
            ErrorCode::MethodNotAllowed,
            &format!("{method} on the endpoint did not answer METHOD_NOT_ALLOWED"),
        )?;
        let allow = ex
            .result
            .as_ref()
            .ok()
            .and_then(|r| r.allow.clone())
            .unwrap_or_default();
        if !allow
            .split(',')
            .any(|m| m.trim().eq_ignore_ascii_case("POST"))
        {
            c.fail(
                format!("{method}: the 405 does not say `Allow: POST` (RFC 9110)"),
                Some("Allow: POST".into()),
                Some(format!("Allow: {allow}")),
                Some(&ex),
            );
        }
    }
    Ok(())
}
