//! The validation group: every connector type accepted, every generated invalid case refused
//! (and creating nothing), malformed bodies, media types, the body limit and the account header.

use super::cases::family;
use crate::check::ctx::{Ctx, Step};
use crate::contract::rules::cases::is_container;
use crate::contract::rules::{Direction, SchemaRule};
use crate::contract::{ErrorCode, Size, connector_types};
use std::sync::Arc;

pub(super) async fn accepts_every_type(c: &Ctx) -> Step {
    let accounts = c.spread();
    for size in [Size::Minimal, Size::Typical] {
        for t in connector_types() {
            let name = c.name(&t.to_lowercase());
            let body = c.generator().request_sized(t, &name, size);
            let ex = c.post(&accounts.next(), &body).await;
            let _ = c.created(
                &ex,
                &format!("a valid {t} request ({size:?}) was not accepted"),
            );
        }
    }
    Ok(())
}

fn keyword(r: &SchemaRule, names: &[&str]) -> bool {
    names.contains(&r.keyword.as_str())
        && !(r.keyword == "maxProperties" && is_container(&r.location))
}

pub(super) async fn required(c: &Ctx) -> Step {
    family(c, |r| keyword(r, &["required"]), Direction::Refused).await
}
pub(super) async fn wrong_type(c: &Ctx) -> Step {
    family(c, |r| keyword(r, &["type"]), Direction::Refused).await
}
pub(super) async fn length(c: &Ctx) -> Step {
    family(c, |r| keyword(r, LENGTHS), Direction::Refused).await
}
pub(super) async fn pattern(c: &Ctx) -> Step {
    family(c, |r| keyword(r, &["pattern"]), Direction::Refused).await
}
pub(super) async fn enumeration(c: &Ctx) -> Step {
    family(c, |r| keyword(r, &["enum"]), Direction::Refused).await
}
pub(super) async fn range(c: &Ctx) -> Step {
    family(c, |r| keyword(r, RANGES), Direction::Refused).await
}
pub(super) async fn unknown_member(c: &Ctx) -> Step {
    family(
        c,
        |r| keyword(r, &["additionalProperties"]),
        Direction::Refused,
    )
    .await
}
pub(super) async fn connector_key(c: &Ctx) -> Step {
    family(c, connector_keys, Direction::Refused).await
}
pub(super) async fn custom_label(c: &Ctx) -> Step {
    family(
        c,
        |r| keyword(r, &["label-for-custom-connector"]),
        Direction::Refused,
    )
    .await
}

/// The keywords that bound a length or a size.
pub(super) const LENGTHS: &[&str] = &[
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
    "minItems",
    "maxItems",
];
/// The keywords that bound a number.
pub(super) const RANGES: &[&str] = &["minimum", "maximum"];

/// The rules of the config's connector keys: the key connectorType names, and one key at most.
pub(super) fn connector_keys(r: &SchemaRule) -> bool {
    r.keyword == "connector-key" || (r.keyword == "maxProperties" && is_container(&r.location))
}

/// Sends raw bodies the contract refuses with `code`, each a refused case of the document rule `doc`.
async fn raw_cases(
    c: &Ctx,
    doc: &str,
    cases: &[(&str, Option<&str>, Vec<u8>)],
    code: ErrorCode,
) -> Step {
    for (what, ct, body) in cases {
        let ex = c
            .post_raw(Some(&c.account()), *ct, body.clone(), Arc::default())
            .await;
        c.covers(doc, Direction::Refused, &ex);
        let _ = c.error(
            &ex,
            code,
            &format!("{what} was not refused with {}", code.as_str()),
        );
    }
    Ok(())
}

pub(super) async fn malformed_json(c: &Ctx) -> Step {
    let json = Some("application/json");
    raw_cases(
        c,
        "body.one-json-object",
        &[
            (
                "malformed JSON",
                json,
                b"{\"connectorProfileName\": ".to_vec(),
            ),
            (
                "a trailing comma",
                json,
                b"{\"connectorProfileName\": \"x\",}".to_vec(),
            ),
            (
                "invalid UTF-8",
                json,
                vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
            ),
            ("an empty body", json, Vec::new()),
            (
                "10,000-deep nesting",
                json,
                format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes(),
            ),
        ],
        ErrorCode::ValidationError,
    )
    .await
}

pub(super) async fn non_object_body(c: &Ctx) -> Step {
    let json = Some("application/json");
    raw_cases(
        c,
        "body.one-json-object",
        &[
            ("a JSON array", json, b"[1, 2]".to_vec()),
            ("a JSON string", json, b"\"profile\"".to_vec()),
            ("JSON null", json, b"null".to_vec()),
            ("a JSON number", json, b"42".to_vec()),
        ],
        ErrorCode::ValidationError,
    )
    .await
}

pub(super) async fn media_type(c: &Ctx) -> Step {
    let body = serde_json::to_vec(&c.valid("S3")).unwrap_or_default();
    raw_cases(
        c,
        "media.json",
        &[
            ("text/plain", Some("text/plain"), body.clone()),
            (
                "form data",
                Some("application/x-www-form-urlencoded"),
                b"connectorProfileName=x".to_vec(),
            ),
            ("no content type", None, body),
        ],
        ErrorCode::UnsupportedMediaType,
    )
    .await
}

pub(super) async fn payload_too_large(c: &Ctx) -> Step {
    let mut body = b"{\"connectorProfileName\": \"".to_vec();
    body.resize(c.cfg.max_body + 1 - 2, b'a');
    body.extend_from_slice(b"\"}");
    raw_cases(
        c,
        "size.limit-in-bytes",
        &[(
            &format!("a body of {} bytes", body.len()),
            Some("application/json"),
            body.clone(),
        )],
        ErrorCode::PayloadTooLarge,
    )
    .await
}

pub(super) async fn account_header(c: &Ctx) -> Step {
    let body = c.valid("S3");
    // Present but empty is malformed too, not absent.
    for bad in ["12345", "abcdefghijkl", "1234567890123", ""] {
        let ex = c.post(bad, &body).await;
        c.covers("account.malformed", Direction::Refused, &ex);
        let _ = c.error(
            &ex,
            ErrorCode::Unauthorized,
            &format!("account `{bad}` was not refused"),
        );
    }
    Ok(())
}
