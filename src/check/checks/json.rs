//! The json group: well-formed but unusual JSON (escapes of every kind, surrogate pairs and lone
//! surrogates, integers beyond 64 bits and beyond `f64`, exponents, deep nesting) gets the answer
//! its content deserves, never a 500, a reset or a hang.

use crate::check::ctx::{Ctx, Step};
use crate::contract::rules::Direction;
use crate::contract::{self, ErrorCode};
use serde_json::Value;
use std::sync::Arc;

/// `s` with every character written as a `\uXXXX` escape.
fn escaped(s: &str) -> String {
    s.encode_utf16().map(|u| format!("\\u{u:04x}")).collect()
}

pub(super) async fn unusual_json(c: &Ctx) -> Step {
    let accounts = c.spread();
    // The answer each deserves is what the contract's own validator says of the same bytes: 200 when
    // they parse to a valid request, else 400.
    // Each case: what it is, the request's text, and the credential values in it (never shown).
    let mut cases: Vec<(String, String, Vec<String>)> = Vec::new();
    // Where JSON parsers disagree (a lone surrogate), either answer is the content's.
    let mut either = std::collections::HashSet::new();
    let text = |v: &Value| serde_json::to_string(v).unwrap_or_default();
    let with_name = |name: &str, raw_name: String| {
        let body = c.generator().request("S3", name);
        let raw = text(&body).replacen(&format!("\"{name}\""), &format!("\"{raw_name}\""), 1);
        (raw, contract::redact::scanned_secrets(&body))
    };
    let name = c.name("esc");
    let (raw, secrets) = with_name(&name, escaped(&name));
    cases.push(("a name written all in \\u escapes".into(), raw, secrets));
    let name = c.name("slash");
    let (raw, secrets) = with_name(&name, format!("{name}\\/x"));
    cases.push(("a name with an escaped slash (\\/)".into(), raw, secrets));
    // Credentials of Salesforce take any non-space characters.
    let sf = c.valid("Salesforce");
    let token =
        sf["connectorProfileConfig"]["connectorProfileCredentials"]["Salesforce"]["accessToken"]
            .as_str()
            .unwrap_or("t")
            .to_owned();
    for (what, replacement) in [
        (
            "a surrogate pair (\\ud83d\\ude00)",
            format!("{token}\\ud83d\\ude00"),
        ),
        ("a lone surrogate (\\ud800)", format!("{token}\\ud800")),
        ("escaped quotes and backslashes", format!("{token}\\\"\\\\")),
    ] {
        let mut body = c.valid("Salesforce");
        body["connectorProfileConfig"]["connectorProfileCredentials"]["Salesforce"]["accessToken"] =
            Value::String(token.clone());
        let raw = text(&body).replacen(&format!("\"{token}\""), &format!("\"{replacement}\""), 1);
        if what.contains("lone") {
            either.insert(cases.len());
        }
        cases.push((
            format!("a credential with {what}"),
            raw,
            contract::redact::scanned_secrets(&body),
        ));
    }
    // SAPOData's portNumber is an integer from 1 to 65535.
    for (what, number) in [
        ("an integer written as 4.43e2", "4.43e2"),
        ("an integer written as 443E0", "443E0"),
        (
            "an integer beyond 64 bits",
            "123456789012345678901234567890",
        ),
        ("a number beyond f64", "1e400"),
        ("a negative zero", "-0"),
    ] {
        let body = c.valid("SAPOData");
        let raw =
            text(&body).replacen("\"portNumber\":443", &format!("\"portNumber\":{number}"), 1);
        cases.push((
            format!("portNumber as {what}"),
            raw,
            contract::redact::scanned_secrets(&body),
        ));
    }
    // Deep but legal nesting (64 levels), under a member the schema does not have.
    let body = c.valid("S3");
    let deep = format!("{}1{}", "[".repeat(64), "]".repeat(64));
    let raw = text(&body).replacen('{', &format!("{{\"nested\":{deep},"), 1);
    cases.push((
        "64 levels of nesting in an unknown member".into(),
        raw,
        contract::redact::scanned_secrets(&body),
    ));

    for (i, (what, raw, secrets)) in cases.into_iter().enumerate() {
        let valid =
            serde_json::from_str::<Value>(&raw).is_ok_and(|v| contract::validate(&v).is_empty());
        let ex = c
            .post_raw(
                Some(&accounts.next()),
                Some("application/json"),
                raw.into_bytes(),
                Arc::new(secrets),
            )
            .await;
        if either.contains(&i) && c.is_created(&ex) {
            continue;
        }
        let dir = if valid {
            Direction::Accepted
        } else {
            Direction::Refused
        };
        c.covers("json.unusual", dir, &ex);
        let _ = if valid {
            c.created(&ex, &format!("{what}: valid, but not accepted"))
                .map(drop)
        } else {
            c.error(
                &ex,
                ErrorCode::ValidationError,
                &format!("{what}: not refused as invalid"),
            )
        };
    }
    Ok(())
}
