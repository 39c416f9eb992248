//! How the fault modes bend validation: a request schema derived from the real one (never a hand
//! copy of the rules), and the views of a body that a faulty service would validate or fingerprint
//! instead of the body itself. Only used when a fault that needs it is on.

use super::fault::{Fault, Faults};
use crate::contract::SchemaKind;
use crate::contract::schema::{connector_key, connector_types};
use serde_json::{Map, Value, json};

/// Faults that validate with a derived schema.
const SCHEMA_FAULTS: [Fault; 13] = [
    Fault::UnanchoredPatterns,
    Fault::NoLabelRule,
    Fault::MaxLengthExclusive,
    Fault::LabelOnlyForCustom,
    Fault::MapKeysUnchecked,
    Fault::ListItemsUnchecked,
    Fault::SecondAlternativeUnanchored,
    Fault::JwtAsBase64url,
    Fault::KmsAnyPartition,
    Fault::ConnectorTypeAsModelKey,
    Fault::KmsArnStrict,
    Fault::TokensAnyUnicode,
    Fault::EmptyStringsRefused,
];

/// Applies `f` to every schema object under `v`.
fn each(v: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    match v {
        Value::Object(map) => {
            f(map);
            map.values_mut().for_each(|c| each(c, f));
        }
        Value::Array(items) => items.iter_mut().for_each(|c| each(c, f)),
        _ => {}
    }
}

/// The pattern a patterned schema object has, to rewrite in place.
fn pattern_of(map: &mut Map<String, Value>) -> Option<&mut String> {
    match map.get_mut("pattern") {
        Some(Value::String(p)) => Some(p),
        _ => None,
    }
}

/// The request schema a schema fault validates with, derived from the real one.
pub(super) fn faulty_schema(faults: Faults) -> Option<Value> {
    if !SCHEMA_FAULTS.into_iter().any(|f| faults.has(f)) {
        return None;
    }
    let mut schema = SchemaKind::Request.value().clone();
    each(&mut schema, &mut |m| {
        if faults.has(Fault::MaxLengthExclusive)
            && let Some(Value::Number(n)) = m.get_mut("maxLength")
            && let Some(max) = n.as_u64()
        {
            *n = max.saturating_sub(1).into();
        }
        if faults.has(Fault::MapKeysUnchecked) {
            m.remove("propertyNames");
        }
        if faults.has(Fault::ListItemsUnchecked) && m.get("type") == Some(&json!("array")) {
            m.remove("items");
        }
        let Some(p) = pattern_of(m) else { return };
        if faults.has(Fault::UnanchoredPatterns) && p.ends_with(")$") {
            p.pop();
        }
        // The model's own regex, searched: `^$|com.amazonaws…` then matches anywhere after the `|`.
        if faults.has(Fault::SecondAlternativeUnanchored)
            && let Some(inner) = p
                .strip_prefix("^(?:")
                .and_then(|r| r.strip_suffix(")$").or_else(|| r.strip_suffix(")?$")))
            && inner.starts_with("^$|")
        {
            *p = inner.to_owned();
        }
        if faults.has(Fault::JwtAsBase64url) && p.contains("[a-zA-Z0-9_=]+)\\.([a-zA-Z0-9_=]+)") {
            *p = p.replace("[a-zA-Z0-9_=]+", "[a-zA-Z0-9_=-]+");
        }
        if faults.has(Fault::KmsAnyPartition) && p.contains("arn:aws:kms:") {
            *p = p.replace("arn:aws:kms:", "arn:aws[a-z-]*:kms:");
        }
        if faults.has(Fault::KmsArnStrict) && p.contains("arn:aws:kms:") {
            *p = "^arn:aws:kms:[a-z]{2}-[a-z]+-[0-9]:[0-9]{12}:key/.+$".into();
        }
        if faults.has(Fault::TokensAnyUnicode) && p == "^(?:[ -~]+)$" {
            *p = "^(?:[^\\n]+)$".into();
        }
        if faults.has(Fault::EmptyStringsRefused)
            && let Some(inner) = p.strip_prefix("^(?:").and_then(|r| r.strip_suffix(")?$"))
        {
            *p = format!("^(?:{inner})$");
        }
    });
    let rules = schema.get_mut("allOf").and_then(Value::as_array_mut);
    if let Some(rules) = rules {
        if faults.has(Fault::NoLabelRule) {
            rules.retain(|r| r["then"]["required"] != json!(["connectorLabel"]));
        }
        if faults.has(Fault::LabelOnlyForCustom) {
            rules.push(json!({
                "if": {"properties": {"connectorType": {"not": {"const": "CustomConnector"}}}},
                "then": {"not": {"required": ["connectorLabel"]}}
            }));
        }
    }
    if faults.has(Fault::ConnectorTypeAsModelKey) {
        // The model keys that differ from the enum's spelling are taken too, and their config
        // checked as their own type's.
        let extra: Vec<&str> = connector_types()
            .iter()
            .filter_map(|t| connector_key(t).filter(|k| k != t))
            .collect();
        if let Some(Value::Array(e)) = schema.pointer_mut("/properties/connectorType/enum") {
            e.extend(extra.iter().map(|k| json!(k)));
        }
        if let Some(rules) = schema.get_mut("allOf").and_then(Value::as_array_mut) {
            for k in &extra {
                rules.push(json!({
                    "if": {"properties": {"connectorType": {"const": k}}, "required": ["connectorType"]},
                    "then": {"properties": {"connectorProfileConfig": {"properties": {
                        "connectorProfileProperties": {"propertyNames": {"const": k}},
                        "connectorProfileCredentials": {"propertyNames": {"const": k}}
                    }}}}
                }));
            }
        }
    }
    Some(schema)
}

/// Whether a fault bends the body a faulty service would validate (so the in-place fast path,
/// which validates the body itself, is not taken).
pub(super) fn bends_validation(faults: Faults) -> bool {
    faults.has(Fault::NullAsAbsent) || faults.has(Fault::PatternPrefixOnly)
}

/// The body as a faulty service validates it: `null` members dropped (`NullAsAbsent`), strings
/// cut to 64 characters for their patterns (`PatternPrefixOnly`, with its own schema for the rest).
pub(super) fn validation_view(faults: Faults, body: &Value) -> Value {
    fn drop_nulls(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.retain(|_, c| !c.is_null());
                m.values_mut().for_each(drop_nulls);
            }
            Value::Array(items) => items.iter_mut().for_each(drop_nulls),
            _ => {}
        }
    }
    let mut view = body.clone();
    if faults.has(Fault::NullAsAbsent) {
        drop_nulls(&mut view);
    }
    view
}

/// Under `PatternPrefixOnly`: whether the body's patterns hold on the first 64 characters of each
/// string (its lengths are checked on the whole, by the real schema without patterns).
pub(super) fn prefix_only_valid(body: &Value) -> bool {
    use std::sync::LazyLock;
    static NO_PATTERNS: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
        let mut s = SchemaKind::Request.value().clone();
        each(&mut s, &mut |m| {
            m.remove("pattern");
        });
        crate::contract::schema::compile(&s).expect("derived schema compiles")
    });
    static NO_LENGTHS: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
        let mut s = SchemaKind::Request.value().clone();
        each(&mut s, &mut |m| {
            m.remove("maxLength");
            m.remove("minLength");
        });
        crate::contract::schema::compile(&s).expect("derived schema compiles")
    });
    fn cut(v: &mut Value) {
        match v {
            Value::String(s) if s.chars().count() > 64 => *s = s.chars().take(64).collect(),
            Value::Object(m) => m.values_mut().for_each(cut),
            Value::Array(items) => items.iter_mut().for_each(cut),
            _ => {}
        }
    }
    let mut prefix = body.clone();
    cut(&mut prefix);
    NO_PATTERNS.is_valid(body) && NO_LENGTHS.is_valid(&prefix)
}

/// The body as a faulty service fingerprints it: list items sorted (`ArraysAsSets`), strings in
/// lower case (`FingerprintIgnoresCase`).
pub(super) fn fingerprint_view(faults: Faults, body: &Value) -> Value {
    fn bend(v: &mut Value, sort: bool, lower: bool) {
        match v {
            Value::String(s) if lower => *s = s.to_lowercase(),
            Value::Array(items) => {
                items.iter_mut().for_each(|c| bend(c, sort, lower));
                if sort {
                    items.sort_by_key(|c| c.to_string());
                }
            }
            Value::Object(m) => m.values_mut().for_each(|c| bend(c, sort, lower)),
            _ => {}
        }
    }
    let mut view = body.clone();
    bend(
        &mut view,
        faults.has(Fault::ArraysAsSets),
        faults.has(Fault::FingerprintIgnoresCase),
    );
    view
}

/// Under `F64OverflowSaturates`: the body with every integer of more than 309 digits (beyond
/// `f64`) replaced by 65535, as a parser that saturates would read it.
pub(super) fn saturate_huge_integers(body: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut run = String::new();
    for ch in text.chars().chain(std::iter::once('\0')) {
        if ch.is_ascii_digit() {
            run.push(ch);
            continue;
        }
        if run.len() > 309 {
            out.push_str("65535");
            changed = true;
        } else {
            out.push_str(&run);
        }
        run.clear();
        if ch != '\0' {
            out.push(ch);
        }
    }
    changed.then(|| out.into_bytes())
}

/// Under `EchoSecretsInErrors`: the values of every OAuth request under the credentials, which the
/// faulty service quotes in its refusals.
pub(super) fn oauth_request_values(body: &Value) -> Vec<String> {
    fn find(v: &Value, inside: bool, out: &mut Vec<String>) {
        match v {
            Value::String(s) if inside => out.push(s.clone()),
            Value::Object(m) => {
                for (k, c) in m {
                    find(c, inside || k == "oAuthRequest", out);
                }
            }
            Value::Array(items) => items.iter().for_each(|c| find(c, inside, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(creds) = body.pointer("/connectorProfileConfig/connectorProfileCredentials") {
        find(creds, false, &mut out);
    }
    out
}
