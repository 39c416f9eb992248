//! The validation group: every connector type accepted, every generated invalid case refused
//! (and creating nothing), malformed bodies, media types, the body limit and the account header.

use crate::check::ctx::{Ctx, Step, Stop};
use crate::contract::{CaseClass, ErrorCode, Size, connector_types, invalid_cases, validate};
use futures::StreamExt;
use std::sync::Arc;

pub(super) async fn accepts_every_type(c: &Ctx) -> Step {
    let acct = c.account();
    for size in [Size::Minimal, Size::Typical] {
        for t in connector_types() {
            let name = c.name(&t.to_lowercase());
            let body = c.generator().request_sized(t, &name, size);
            let ex = c.post(&acct, &body).await;
            let _ = c.created(
                &ex,
                &format!("a valid {t} request ({size:?}) was not accepted"),
            );
        }
    }
    Ok(())
}

/// Sends every generated case of `class` (from a valid example of each connector type): each must be
/// 400 VALIDATION_ERROR, and the valid request with the same name must still be creatable afterwards.
async fn invalid_class(c: &Ctx, class: CaseClass) -> Step {
    let mut cases = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in connector_types() {
        let name = c.name("v");
        let valid_body = c.generator().request_sized(t, &name, Size::Largest);
        for case in invalid_cases(&valid_body) {
            // Never send a case our own validator accepts: a generator slip must not fail a good server.
            if case.class == class
                && !validate(&case.body).is_empty()
                && seen.insert((case.pointer.clone(), case.description.clone()))
            {
                cases.push((case, valid_body.clone()));
            }
        }
    }
    if cases.is_empty() {
        c.fail(
            format!("no {} cases could be generated", class.name()),
            None,
            None,
            None,
        );
        return Err(Stop);
    }
    let concurrency = c.settings.concurrency.max(1);
    let cases = &cases;
    futures::stream::iter((0..cases.len()).map(|i| async move {
        let (case, valid_body) = &cases[i];
        let acct = c.account();
        let ex = c.post(&acct, &case.body).await;
        if c.error(&ex, ErrorCode::ValidationError, &format!("{} ({}) was not refused", case.pointer, case.description)).is_err() {
            return;
        }
        if case.body["connectorProfileName"] == valid_body["connectorProfileName"] {
            let probe = c.post(&acct, valid_body).await;
            let _ = c.created(&probe, &format!("after the refused {} ({}), the valid request of the same name was not accepted: did the refusal create a profile?", case.pointer, case.description));
        }
    }))
    .buffer_unordered(concurrency)
    .collect::<Vec<()>>()
    .await;
    Ok(())
}

pub(super) async fn required(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Required).await
}
pub(super) async fn wrong_type(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Type).await
}
pub(super) async fn length(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Length).await
}
pub(super) async fn pattern(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Pattern).await
}
pub(super) async fn enumeration(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Enum).await
}
pub(super) async fn range(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Range).await
}
pub(super) async fn unknown_member(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Unknown).await
}
pub(super) async fn connector_key(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::ConnectorKey).await
}
pub(super) async fn custom_label(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Label).await
}

async fn raw_cases(c: &Ctx, cases: &[(&str, Option<&str>, Vec<u8>)], code: ErrorCode) -> Step {
    for (what, ct, body) in cases {
        let ex = c
            .post_raw(Some(&c.account()), *ct, body.clone(), Arc::default())
            .await;
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
    for bad in ["12345", "abcdefghijkl", "1234567890123"] {
        let ex = c.post(bad, &body).await;
        let _ = c.error(
            &ex,
            ErrorCode::Unauthorized,
            &format!("account `{bad}` was not refused"),
        );
    }
    Ok(())
}
