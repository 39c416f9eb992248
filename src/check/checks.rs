//! The catalogue: every check as data (stable ID, description, needs) and its body.

use super::ctx::{Ctx, Step, Stop};
use super::http::Exchange;
use crate::contract::{self, CaseClass, ErrorCode, Size, connector_types, invalid_cases, validate};
use futures::StreamExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use std::sync::Arc;

/// What a check needs beyond the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The endpoint alone.
    Endpoint,
    /// The stub's admin routes (`--admin-url`, or the embedded stub); runs alone, after the others,
    /// because it moves the target's clock.
    AdminClock,
}

/// One check of the catalogue.
pub struct CheckDef {
    /// Stable ID, `group.name`.
    pub id: &'static str,
    /// One line saying what it proves.
    pub description: &'static str,
    /// What it needs.
    pub needs: Needs,
    /// Its body.
    pub run: for<'a> fn(&'a Ctx) -> BoxFuture<'a, Step>,
}

impl CheckDef {
    /// The group: the ID up to the dot.
    pub fn group(&self) -> &'static str {
        self.id.split('.').next().unwrap_or(self.id)
    }
}

macro_rules! check {
    ($id:literal, $desc:literal, $f:ident) => {
        check!($id, $desc, $f, Needs::Endpoint)
    };
    ($id:literal, $desc:literal, $f:ident, $needs:expr) => {
        CheckDef {
            id: $id,
            description: $desc,
            needs: $needs,
            run: |c| Box::pin($f(c)),
        }
    };
}

/// Every check, in report order.
pub fn catalogue() -> Vec<CheckDef> {
    vec![
        check!(
            "envelope.success-shape",
            "A valid create answers 200 with the success envelope (id, RFC 3339 created_at) as JSON",
            envelope_success
        ),
        check!(
            "envelope.error-shape",
            "An invalid request answers the error envelope, with the status its code has",
            envelope_error
        ),
        check!(
            "envelope.not-found",
            "Another path answers 404 NOT_FOUND in the error envelope",
            envelope_not_found
        ),
        check!(
            "envelope.method-not-allowed",
            "Another method on the endpoint answers 405 METHOD_NOT_ALLOWED with Allow: POST",
            envelope_method
        ),
        check!(
            "validation.accepts-every-connector-type",
            "A valid request of each of the 24 connector types is accepted",
            accepts_every_type
        ),
        check!(
            "validation.required",
            "Each required member missing (at every level) is rejected, and creates nothing",
            v_required
        ),
        check!(
            "validation.type",
            "Each member with a wrong JSON type is rejected, and creates nothing",
            v_type
        ),
        check!(
            "validation.length",
            "Strings, lists and maps beyond their length bounds are rejected, and create nothing",
            v_length
        ),
        check!(
            "validation.pattern",
            "Values breaking their pattern, even with a matching prefix, are rejected, and create nothing",
            v_pattern
        ),
        check!(
            "validation.enum",
            "Values outside their enumeration are rejected, and create nothing",
            v_enum
        ),
        check!(
            "validation.range",
            "Numbers out of range or not integers are rejected, and create nothing",
            v_range
        ),
        check!(
            "validation.unknown-member",
            "An unknown member at any level is rejected, and creates nothing",
            v_unknown
        ),
        check!(
            "validation.connector-key",
            "A second connector key, or one that does not match connectorType, is rejected",
            v_connector_key
        ),
        check!(
            "validation.custom-label",
            "CustomConnector without connectorLabel is rejected",
            v_label
        ),
        check!(
            "validation.malformed-json",
            "Malformed JSON, invalid UTF-8 and an empty body answer 400 VALIDATION_ERROR",
            v_malformed
        ),
        check!(
            "validation.non-object-body",
            "A JSON body that is not an object answers 400 VALIDATION_ERROR",
            v_non_object
        ),
        check!(
            "validation.media-type",
            "A body not sent as JSON answers 415 UNSUPPORTED_MEDIA_TYPE",
            v_media_type
        ),
        check!(
            "validation.payload-too-large",
            "A body over the server's limit answers 413 PAYLOAD_TOO_LARGE",
            v_too_large
        ),
        check!(
            "validation.account-header",
            "A malformed account header answers 401 UNAUTHORIZED",
            v_account
        ),
        check!(
            "idempotency.replay-same-response",
            "A replay (same token, same parameters) returns the same id and created_at and creates nothing",
            i_replay
        ),
        check!(
            "idempotency.replay-after-other-creates",
            "A replay after other creates still returns the first answer",
            i_replay_after_others
        ),
        check!(
            "idempotency.replay-at-full-quota",
            "A replay succeeds even when the account is at its quota",
            i_replay_full_quota
        ),
        check!(
            "idempotency.replay-with-taken-name",
            "A replay wins over the name conflict with the profile it created",
            i_replay_taken_name
        ),
        check!(
            "idempotency.failure-binds-nothing",
            "A failed request binds nothing: corrected, the same token creates",
            i_failure_binds_nothing
        ),
        check!(
            "idempotency.no-token-new-call",
            "Without a token every request is a new call (the second meets CONFLICT)",
            i_no_token
        ),
        check!(
            "idempotency.member-order-irrelevant",
            "Member order and whitespace do not make a mismatch",
            i_member_order
        ),
        check!(
            "mismatch.connector-profile-name",
            "The same token with another connectorProfileName is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            m_name
        ),
        check!(
            "mismatch.connector-type",
            "The same token with another connectorType is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            m_type
        ),
        check!(
            "mismatch.connection-mode",
            "The same token with another connectionMode is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            m_mode
        ),
        check!(
            "mismatch.connector-label",
            "The same token with another connectorLabel is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            m_label
        ),
        check!(
            "mismatch.kms-arn",
            "The same token with another kmsArn is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            m_kms
        ),
        check!(
            "mismatch.connector-profile-properties",
            "The same token with other connector properties is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            m_properties
        ),
        check!(
            "mismatch.connector-profile-credentials",
            "The same token with other credentials is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            m_credentials
        ),
        check!(
            "uniqueness.same-name-new-token",
            "The same name with a new token (or none) is 409 CONFLICT",
            u_same_name
        ),
        check!(
            "quota.limit-enforced",
            "In a fresh account the quota's creates succeed and the next is 402 QUOTA_EXCEEDED",
            q_limit
        ),
        check!(
            "isolation.names",
            "A name taken in one account is free in another",
            iso_names
        ),
        check!(
            "isolation.tokens",
            "A token bound in one account is unbound in another",
            iso_tokens
        ),
        check!(
            "isolation.quota",
            "A full account does not limit another",
            iso_quota
        ),
        check!(
            "race.same-token",
            "Concurrent requests with one token: one id for every success, exactly one profile",
            r_same_token
        ),
        check!(
            "race.same-name",
            "Concurrent creates of one name with different tokens: exactly one succeeds",
            r_same_name
        ),
        check!(
            "race.near-quota",
            "Concurrent creates near the quota never push the account past it",
            r_near_quota
        ),
        check!(
            "secrets.not-echoed",
            "No response of any connector type contains a credential value that was sent",
            s_not_echoed
        ),
        check!(
            "ttl.token-expires",
            "A token is bound until its TTL passes, then the same request is a new call",
            t_expires,
            Needs::AdminClock
        ),
    ]
}

// ---------------------------------------------------------------- envelope

async fn envelope_success(c: &Ctx) -> Step {
    // Every response's envelope (id, RFC 3339 created_at, content type) is checked in Ctx::post.
    let ex = c.post(&c.account(), &c.valid("Salesforce")).await;
    c.created(&ex, "a valid create was not accepted")?;
    Ok(())
}

async fn envelope_error(c: &Ctx) -> Step {
    let ex = c
        .post(&c.account(), &json!({"connectorProfileName": "x"}))
        .await;
    c.error(
        &ex,
        ErrorCode::ValidationError,
        "an invalid request was not refused with VALIDATION_ERROR",
    )
}

async fn envelope_not_found(c: &Ctx) -> Step {
    for (method, path) in [
        (reqwest::Method::POST, "/create-connector-profiles"),
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
        c.error(
            &ex,
            ErrorCode::NotFound,
            &format!("{path} did not answer NOT_FOUND"),
        )?;
    }
    Ok(())
}

async fn envelope_method(c: &Ctx) -> Step {
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
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

// ---------------------------------------------------------------- validation

async fn accepts_every_type(c: &Ctx) -> Step {
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

async fn v_required(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Required).await
}
async fn v_type(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Type).await
}
async fn v_length(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Length).await
}
async fn v_pattern(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Pattern).await
}
async fn v_enum(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Enum).await
}
async fn v_range(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Range).await
}
async fn v_unknown(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::Unknown).await
}
async fn v_connector_key(c: &Ctx) -> Step {
    invalid_class(c, CaseClass::ConnectorKey).await
}
async fn v_label(c: &Ctx) -> Step {
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

async fn v_malformed(c: &Ctx) -> Step {
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

async fn v_non_object(c: &Ctx) -> Step {
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

async fn v_media_type(c: &Ctx) -> Step {
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

async fn v_too_large(c: &Ctx) -> Step {
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

async fn v_account(c: &Ctx) -> Step {
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

// ---------------------------------------------------------------- idempotency

fn same_answer(c: &Ctx, first: &Value, again: &Value, ex: &Exchange, what: &str) -> Step {
    for member in ["id", "created_at"] {
        if first[member] != again[member] {
            c.fail(
                format!("{what}: the replay's {member} differs from the first answer's"),
                Some(first[member].to_string()),
                Some(again[member].to_string()),
                Some(ex),
            );
            return Err(Stop);
        }
    }
    Ok(())
}

async fn i_replay(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Snowflake");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    let ex = c.post(&acct, &body).await;
    let again = c.created(&ex, "the replay was not answered with the first success")?;
    same_answer(c, &first, &again, &ex, "replay")?;
    let ex = c.post(&acct, &body).await;
    let third = c.created(
        &ex,
        "a second replay was not answered with the first success",
    )?;
    same_answer(c, &first, &third, &ex, "second replay")
}

async fn i_replay_after_others(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Datadog");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    for _ in 0..3 {
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
    same_answer(c, &first, &again, &ex, "replay after other creates")
}

async fn i_replay_full_quota(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Slack");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    c.fill(&acct, c.cfg.quota.saturating_sub(1)).await?;
    let ex = c.post(&acct, &c.valid("Slack")).await;
    c.error(
        &ex,
        ErrorCode::QuotaExceeded,
        "the account should be at its quota",
    )?;
    let ex = c.post(&acct, &body).await;
    let again = c.created(
        &ex,
        "the replay at full quota was not answered with the first success",
    )?;
    same_answer(c, &first, &again, &ex, "replay at full quota")
}

async fn i_replay_taken_name(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Zendesk");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    let mut other = body.clone();
    other["clientToken"] = json!(c.token());
    c.error(
        &c.post(&acct, &other).await,
        ErrorCode::Conflict,
        "the same name with a new token was not a CONFLICT",
    )?;
    let ex = c.post(&acct, &body).await;
    let again = c.created(
        &ex,
        "the replay was refused although the name is taken by the very profile it created",
    )?;
    same_answer(c, &first, &again, &ex, "replay with the name taken")
}

async fn i_failure_binds_nothing(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Veeva");
    let mut broken = body.clone();
    broken["connectionMode"] = json!("Sideways");
    c.error(
        &c.post(&acct, &broken).await,
        ErrorCode::ValidationError,
        "the invalid request was not refused",
    )?;
    c.created(
        &c.post(&acct, &body).await,
        "after a refused request, the corrected request with the same token was not accepted",
    )?;
    // A conflict binds nothing either.
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
    c.created(
        &c.post(&acct, &fixed).await,
        "after a CONFLICT, a corrected request with the same token was not accepted",
    )?;
    Ok(())
}

async fn i_no_token(c: &Ctx) -> Step {
    let acct = c.account();
    let body = c.valid("Marketo");
    c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    c.error(
        &c.post(&acct, &body).await,
        ErrorCode::Conflict,
        "the same request without a token was not a new call meeting CONFLICT",
    )
}

async fn i_member_order(c: &Ctx) -> Step {
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
    let again = c.created(
        &ex,
        "the same parameters in another member order were not a replay",
    )?;
    same_answer(c, &first, &again, &ex, "reordered replay")
}

// ---------------------------------------------------------------- mismatch

async fn mismatch(c: &Ctx, edit: fn(&Ctx, &mut Value)) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("CustomConnector");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    let mut changed = body.clone();
    edit(c, &mut changed);
    debug_assert_ne!(changed, body);
    let ex = c.post(&acct, &changed).await;
    c.error(
        &ex,
        ErrorCode::IdempotentParameterMismatch,
        "the same token with other parameters was not refused as a mismatch",
    )?;
    // Nothing was created: the original still replays, and a changed name is still free.
    let ex = c.post(&acct, &body).await;
    let again = c.created(
        &ex,
        "after the mismatch, the original request no longer replays",
    )?;
    same_answer(c, &first, &again, &ex, "replay after a mismatch")?;
    if changed["connectorProfileName"] != body["connectorProfileName"] {
        let mut fresh = changed.clone();
        fresh["clientToken"] = json!(c.token());
        c.created(
            &c.post(&acct, &fresh).await,
            "the mismatched request's name is taken: the mismatch created a profile",
        )?;
    }
    Ok(())
}

async fn m_name(c: &Ctx) -> Step {
    mismatch(c, |c, b| b["connectorProfileName"] = json!(c.name("other"))).await
}
async fn m_type(c: &Ctx) -> Step {
    mismatch(c, |c, b| {
        let mut other = c.generator().request(
            "Salesforce",
            b["connectorProfileName"].as_str().unwrap_or("x"),
        );
        other["clientToken"] = b["clientToken"].clone();
        *b = other;
    })
    .await
}
async fn m_mode(c: &Ctx) -> Step {
    mismatch(c, |_, b| b["connectionMode"] = json!("Private")).await
}
async fn m_label(c: &Ctx) -> Step {
    mismatch(c, |_, b| b["connectorLabel"] = json!("another-connector")).await
}
async fn m_kms(c: &Ctx) -> Step {
    mismatch(c, |_, b| {
        b["kmsArn"] = json!("arn:aws:kms:eu-west-1:210987654321:key/another-key-for-the-check")
    })
    .await
}
async fn m_properties(c: &Ctx) -> Step {
    mismatch(c, |_, b| b["connectorProfileConfig"]["connectorProfileProperties"]["CustomConnector"]["profileProperties"]["changed"] = json!("yes")).await
}
async fn m_credentials(c: &Ctx) -> Step {
    mismatch(c, |_, b| b["connectorProfileConfig"]["connectorProfileCredentials"]["CustomConnector"]["authenticationType"] = json!("APIKEY")).await
}

// ---------------------------------------------------------------- uniqueness, quota, isolation

async fn u_same_name(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Dynatrace");
    c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    let mut again = body.clone();
    again["clientToken"] = json!(c.token());
    c.error(
        &c.post(&acct, &again).await,
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

async fn q_limit(c: &Ctx) -> Step {
    let acct = c.account();
    c.fill(&acct, c.cfg.quota).await?;
    for n in 1..=2 {
        let ex = c.post(&acct, &c.valid("S3")).await;
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

async fn iso_names(c: &Ctx) -> Step {
    let (a, b) = (c.account(), c.account());
    let body = c.valid("Singular");
    c.created(
        &c.post(&a, &body).await,
        "the create in the first account was not accepted",
    )?;
    c.created(
        &c.post(&b, &body).await,
        "a name taken in another account was refused",
    )?;
    Ok(())
}

async fn iso_tokens(c: &Ctx) -> Step {
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

async fn iso_quota(c: &Ctx) -> Step {
    let (a, b) = (c.account(), c.account());
    c.fill(&a, c.cfg.quota).await?;
    c.error(
        &c.post(&a, &c.valid("S3")).await,
        ErrorCode::QuotaExceeded,
        "the first account should be full",
    )?;
    c.created(
        &c.post(&b, &c.valid("S3")).await,
        "a full account limited another account",
    )?;
    Ok(())
}

// ---------------------------------------------------------------- races

/// Sends the same request until it is not IDEMPOTENCY_IN_PROGRESS (bounded).
async fn settle(c: &Ctx, acct: &str, body: &Value) -> Exchange {
    let mut ex = c.post(acct, body).await;
    for attempt in 0..50u64 {
        if c.code_of(&ex) != Some(ErrorCode::IdempotencyInProgress) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5 * (attempt + 1).min(20))).await;
        ex = c.post(acct, body).await;
    }
    ex
}

async fn repeat_runs(c: &Ctx, run: for<'a> fn(&'a Ctx) -> BoxFuture<'a, Step>) -> Step {
    let total = c.settings.repeat.max(1);
    let mut failed = 0;
    for _ in 0..total {
        let before = c.failure_count();
        let _ = run(c).await;
        if c.failure_count() > before {
            failed += 1;
        }
    }
    *c.runs.lock() = Some((total, failed));
    Ok(())
}

async fn r_same_token(c: &Ctx) -> Step {
    repeat_runs(c, |c| Box::pin(r_same_token_once(c))).await
}

async fn r_same_token_once(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Honeycode");
    let answers =
        futures::future::join_all((0..c.settings.concurrency).map(|_| settle(c, &acct, &body)))
            .await;
    let mut ids = std::collections::BTreeSet::new();
    for ex in &answers {
        let data = c.created(
            ex,
            "a concurrent retry with the same token was not answered with the success",
        )?;
        ids.insert(data["id"].to_string());
    }
    if ids.len() != 1 {
        c.fail(
            format!(
                "{} concurrent requests with one token got {} different ids",
                answers.len(),
                ids.len()
            ),
            Some("one id".into()),
            Some(ids.into_iter().collect::<Vec<_>>().join(", ")),
            None,
        );
        return Err(Stop);
    }
    let n = c.count_profiles(&acct).await?;
    if n != 1 {
        c.fail(
            format!(
                "{} concurrent requests with one token created {n} profiles",
                answers.len()
            ),
            Some("exactly 1 profile".into()),
            Some(format!("{n} profiles")),
            None,
        );
    }
    Ok(())
}

async fn r_same_name(c: &Ctx) -> Step {
    repeat_runs(c, |c| Box::pin(r_same_name_once(c))).await
}

async fn r_same_name_once(c: &Ctx) -> Step {
    let acct = c.account();
    let body = c.valid("Pardot");
    let bodies: Vec<Value> = (0..c.settings.concurrency)
        .map(|_| {
            let mut b = body.clone();
            b["clientToken"] = json!(c.token());
            b
        })
        .collect();
    let answers =
        futures::future::join_all((0..bodies.len()).map(|i| settle(c, &acct, &bodies[i]))).await;
    let ok = answers.iter().filter(|ex| Ctx::is_created(ex)).count();
    for ex in answers.iter().filter(|ex| !Ctx::is_created(ex)) {
        c.error(
            ex,
            ErrorCode::Conflict,
            "a concurrent create of a taken name was not a CONFLICT",
        )?;
    }
    if ok != 1 {
        c.fail(
            format!(
                "{} concurrent creates of one name: {ok} succeeded",
                answers.len()
            ),
            Some("exactly 1 success".into()),
            Some(format!("{ok} successes")),
            None,
        );
    }
    Ok(())
}

async fn r_near_quota(c: &Ctx) -> Step {
    repeat_runs(c, |c| Box::pin(r_near_quota_once(c))).await
}

async fn r_near_quota_once(c: &Ctx) -> Step {
    let acct = c.account();
    let left = 2u32.min(c.cfg.quota);
    c.fill(&acct, c.cfg.quota - left).await?;
    let bodies: Vec<Value> = (0..c.settings.concurrency).map(|_| c.valid("S3")).collect();
    let answers =
        futures::future::join_all((0..bodies.len()).map(|i| c.post(&acct, &bodies[i]))).await;
    let ok = answers.iter().filter(|ex| Ctx::is_created(ex)).count() as u32;
    for ex in answers.iter().filter(|ex| !Ctx::is_created(ex)) {
        c.error(
            ex,
            ErrorCode::QuotaExceeded,
            "a concurrent create near the quota was not QUOTA_EXCEEDED",
        )?;
    }
    let expected = left.min(c.settings.concurrency as u32);
    if ok != expected {
        c.fail(
            format!(
                "{} concurrent creates with {left} left under the quota: {ok} succeeded",
                answers.len()
            ),
            Some(format!("exactly {expected}")),
            Some(format!(
                "{ok} (the account now holds {} of {})",
                c.cfg.quota - left + ok,
                c.cfg.quota
            )),
            None,
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- secrets, ttl

async fn s_not_echoed(c: &Ctx) -> Step {
    // Every response is scanned for the credential values it was sent (see Ctx::post); here every
    // connector type with credentials is sent, as a create, a replay and a mismatch.
    let acct = c.account();
    for t in connector_types() {
        let (body, _) = c.valid_with_token(t);
        if contract::redact::secret_values(&body).is_empty() {
            continue;
        }
        let _ = c.created(
            &c.post(&acct, &body).await,
            &format!("a valid {t} request was not accepted"),
        );
        let _ = c.post(&acct, &body).await;
        let mut changed = body.clone();
        changed["connectionMode"] = json!("Private");
        let _ = c.post(&acct, &changed).await;
    }
    Ok(())
}

async fn t_expires(c: &Ctx) -> Step {
    let advance = |secs: u64| {
        c.target.admin_call(
            reqwest::Method::POST,
            "/__admin/clock",
            Some(json!({"advance_seconds": secs})),
        )
    };
    let ttl = c.cfg.token_ttl.as_secs().max(2);
    let acct = c.account();
    let (body, token) = c.valid_with_token("Redshift");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    if let Err(e) = advance(ttl - 1).await {
        c.fail(
            format!("cannot advance the target's clock: {e}"),
            None,
            None,
            None,
        );
        return Err(Stop);
    }
    let ex = c.post(&acct, &body).await;
    let again = c.created(
        &ex,
        "one second before the TTL, the replay was not answered",
    )?;
    same_answer(c, &first, &again, &ex, "replay just before the TTL")?;
    if let Err(e) = advance(1).await {
        c.fail(
            format!("cannot advance the target's clock: {e}"),
            None,
            None,
            None,
        );
        return Err(Stop);
    }
    let ex = c.post(&acct, &body).await;
    c.error(
        &ex,
        ErrorCode::Conflict,
        "after the TTL, the same request was not a new call (which meets CONFLICT on its name)",
    )?;
    let mut other = c.valid("Redshift");
    other["clientToken"] = json!(token);
    c.created(
        &c.post(&acct, &other).await,
        "after the TTL, the token with other parameters was still bound",
    )?;
    Ok(())
}
