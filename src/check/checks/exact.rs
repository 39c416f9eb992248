//! How parameters, tokens and names are compared: numbers by value, arrays in order, strings, tokens
//! and names exactly (letter case included), and a token of spaces is a token. Each rule both ways: the
//! request it says is the same call (a replay) and the one it says is another.

use crate::check::ctx::{Ctx, Step};
use crate::contract::rules::Direction::{Accepted, Refused};
use crate::contract::{self, ErrorCode};
use serde_json::{Value, json};
use std::sync::Arc;

/// Creates `body` in a fresh account; returns the account and the first answer's `data`.
async fn first(c: &Ctx, body: &Value) -> Result<(String, Value), crate::check::ctx::Stop> {
    let acct = c.account();
    let first = c.created(
        &c.post(&acct, body).await,
        "the first create was not accepted",
    )?;
    Ok((acct, first))
}

/// Sends `again` (a JSON text) in `acct` as a replay of `body`, which answered `first`.
async fn replay(
    c: &Ctx,
    acct: &str,
    (body, first): (&Value, &Value),
    again: String,
    doc: &str,
    what: &str,
) -> Step {
    let ex = c
        .post_raw(
            Some(acct),
            Some("application/json"),
            again.into_bytes(),
            Arc::new(contract::redact::scanned_secrets(body)),
        )
        .await;
    c.covers(doc, Accepted, &ex);
    let again = c.created(&ex, &format!("{what} was not a replay"))?;
    c.same_answer(first, &again, &ex, what)
}

/// Sends `other` in `acct`, which differs from the bound request only as `doc` says matters.
async fn mismatch(c: &Ctx, acct: &str, other: &Value, doc: &str, what: &str) -> Step {
    let ex = c.post(acct, other).await;
    c.covers(doc, Refused, &ex);
    c.error(
        &ex,
        ErrorCode::IdempotentParameterMismatch,
        &format!("{what} was not the mismatch"),
    )
}

pub(super) async fn numbers_by_value(c: &Ctx) -> Step {
    // SAPOData's portNumber is an integer: 443 and 443.0 are one value, 444 another.
    let body = c.valid("SAPOData");
    let (acct, answer) = first(c, &body).await?;
    let text = serde_json::to_string(&body).unwrap_or_default();
    let again = text.replacen("\"portNumber\":443", "\"portNumber\":443.0", 1);
    let doc = "fingerprint.numbers";
    replay(
        c,
        &acct,
        (&body, &answer),
        again,
        doc,
        "the same request with portNumber 443.0",
    )
    .await?;
    let mut other = body.clone();
    other["connectorProfileConfig"]["connectorProfileProperties"]["SAPOData"]["portNumber"] =
        json!(444);
    mismatch(c, &acct, &other, doc, "the same token with portNumber 444").await
}

/// The full SAPOData request (its OAuth properties hold a list of scopes), with two scopes.
fn with_scopes(c: &Ctx) -> Option<Value> {
    let mut body = c.full_request("SAPOData")?;
    body["connectorProfileName"] = json!(c.name("scopes"));
    body["clientToken"] = json!(c.token());
    let props = &mut body["connectorProfileConfig"]["connectorProfileProperties"]["SAPOData"];
    props["oAuthProperties"]["oAuthScopes"] = json!(["scope.read", "scope.write"]);
    Some(body)
}

pub(super) async fn arrays_in_order(c: &Ctx) -> Step {
    let Some(body) = with_scopes(c) else {
        c.cannot_verify("the full SAPOData request could not be built".into());
        return Ok(());
    };
    let (acct, answer) = first(c, &body).await?;
    let doc = "fingerprint.arrays-in-order";
    let again = serde_json::to_string(&body).unwrap_or_default();
    replay(
        c,
        &acct,
        (&body, &answer),
        again,
        doc,
        "the same scopes in the same order",
    )
    .await?;
    let mut other = body.clone();
    other["connectorProfileConfig"]["connectorProfileProperties"]["SAPOData"]["oAuthProperties"]
        ["oAuthScopes"] = json!(["scope.write", "scope.read"]);
    mismatch(
        c,
        &acct,
        &other,
        doc,
        "the same token with the scopes in another order",
    )
    .await
}

pub(super) async fn strings_exact(c: &Ctx) -> Step {
    let body = c.valid("Datadog");
    let (acct, answer) = first(c, &body).await?;
    let doc = "fingerprint.strings-exact";
    let again = serde_json::to_string(&body).unwrap_or_default();
    replay(c, &acct, (&body, &answer), again, doc, "the same request").await?;
    let mut other = body.clone();
    let url = &mut other["connectorProfileConfig"]["connectorProfileProperties"]["Datadog"]["instanceUrl"];
    *url = json!(
        url.as_str()
            .unwrap_or_default()
            .to_uppercase()
            .replace("HTTPS", "https")
    );
    mismatch(
        c,
        &acct,
        &other,
        doc,
        "the same token with instanceUrl in capitals",
    )
    .await
}

pub(super) async fn token_exact(c: &Ctx) -> Step {
    let mut body = c.valid("Pardot");
    body["clientToken"] = json!(format!("Tok-{}-ABC", c.token()));
    let (acct, answer) = first(c, &body).await?;
    let again = serde_json::to_string(&body).unwrap_or_default();
    replay(
        c,
        &acct,
        (&body, &answer),
        again,
        "tokens.exact",
        "the same token",
    )
    .await?;
    // The token in lower case is another token: a new call, which meets its own name.
    let mut other = body.clone();
    other["clientToken"] = json!(
        body["clientToken"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
    );
    let ex = c.post(&acct, &other).await;
    c.covers("tokens.exact", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::Conflict,
        "the token in lower case was treated as the same token (tokens compare exactly: it is a new call, which meets CONFLICT)",
    )
}

pub(super) async fn token_of_spaces(c: &Ctx) -> Step {
    let mut body = c.valid("Singular");
    body["clientToken"] = json!("   ");
    let (acct, answer) = first(c, &body).await?;
    let again = serde_json::to_string(&body).unwrap_or_default();
    let doc = "tokens.spaces";
    replay(
        c,
        &acct,
        (&body, &answer),
        again,
        doc,
        "the same request with the token of spaces",
    )
    .await?;
    let mut other = body.clone();
    other["connectionMode"] = json!("Private");
    mismatch(
        c,
        &acct,
        &other,
        doc,
        "the token of spaces with another connectionMode",
    )
    .await
}

pub(super) async fn names_exact(c: &Ctx) -> Step {
    c.needs_quota(2, "two profiles whose names differ only in letter case")?;
    let acct = c.account();
    let mut body = c.valid("Veeva");
    let name = format!("{}Case-Name", c.name("n"));
    body["connectorProfileName"] = json!(name);
    c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    let mut lower = c.valid("Veeva");
    lower["connectorProfileName"] = json!(name.to_lowercase());
    let ex = c.post(&acct, &lower).await;
    c.covers("names.exact", Accepted, &ex);
    c.created(
        &ex,
        "a name that differs only in letter case was refused (names compare exactly: it is another profile)",
    )?;
    let mut same = c.valid("Veeva");
    same["connectorProfileName"] = json!(name);
    let ex = c.post(&acct, &same).await;
    c.covers("names.exact", Refused, &ex);
    c.covers("names.unique", Refused, &ex);
    c.error(
        &ex,
        ErrorCode::Conflict,
        "the exact same name was not a CONFLICT",
    )
}
