//! Secrets: the values under `connectorProfileConfig.connectorProfileCredentials`.

use serde_json::Value;

/// What replaces a secret in anything shown to a person.
pub const REDACTED: &str = "***";

/// Credential values shorter than this are not searched for in responses or scrubbed from text: a
/// two-letter value would match ordinary words and report leaks that are not there.
pub const MIN_SCANNED_SECRET: usize = 6;

/// Every credential value a response is searched for (at least [`MIN_SCANNED_SECRET`] characters).
pub fn scanned_secrets(request: &Value) -> Vec<String> {
    let mut all = secret_values(request);
    all.retain(|s| s.chars().count() >= MIN_SCANNED_SECRET);
    all
}

/// Every string value under the request's credentials (the values a server must never echo).
pub fn secret_values(request: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(creds) = request
        .get("connectorProfileConfig")
        .and_then(|c| c.get("connectorProfileCredentials"))
    {
        collect(creds, &mut out);
    }
    out
}

fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Object(map) => map.values().for_each(|i| collect(i, out)),
        _ => {}
    }
}

/// A copy of the request with every credential leaf replaced by [`REDACTED`] (structure kept).
pub fn redact_request(request: &Value) -> Value {
    let mut copy = request.clone();
    if let Some(creds) = copy
        .get_mut("connectorProfileConfig")
        .and_then(|c| c.get_mut("connectorProfileCredentials"))
    {
        mask(creds);
    }
    copy
}

fn mask(v: &mut Value) {
    match v {
        Value::Object(map) => map.values_mut().for_each(mask),
        Value::Array(items) => items.iter_mut().for_each(mask),
        Value::Null => {}
        other => *other = Value::String(REDACTED.into()),
    }
}
