//! Valid requests built from the request schema itself, so that every location the schema has is
//! reached by a request: the **full** request of a connector type holds every member the schema
//! allows at every level (one item in each list, one entry in each map), the **minimal** one only
//! the required members. Strings are made to fit their pattern and bounds ([`super::super::pattern`]);
//! every string under the credentials carries the secret marker, so the secret scan finds any echo.

use crate::contract::examples::{SECRET_MARKER, SplitMix64};
use crate::contract::mutate::resolve;
use crate::contract::pattern::Pattern;
use crate::contract::schema::connector_key;
use parking_lot::Mutex;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// A pattern parsed once per process (`None` when the generator cannot read it).
pub fn pattern(p: &str) -> Option<Arc<Pattern>> {
    static CACHE: LazyLock<Mutex<HashMap<String, Option<Arc<Pattern>>>>> =
        LazyLock::new(Default::default);
    CACHE
        .lock()
        .entry(p.to_owned())
        .or_insert_with(|| Pattern::new(p).map(Arc::new))
        .clone()
}

/// How much of the schema an instance fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Every member the schema allows, at every level.
    Full,
    /// Only the required members (and `connectorLabel` where `CustomConnector` requires it).
    Minimal,
}

/// The length a generated string aims for: natural, within its bounds.
const NATURAL: usize = 14;

/// A string that the schema `s` accepts, near `like` when given (`None` when none can be made).
pub fn string_for(s: &Value, like: Option<&str>) -> Option<String> {
    if let Some(first) = s.get("enum").and_then(|e| e.get(0)) {
        return first.as_str().map(str::to_owned);
    }
    let bound = |k: &str| s.get(k).and_then(Value::as_u64).map(|n| n as usize);
    let (min, max) = (bound("minLength").unwrap_or(0), bound("maxLength"));
    let want = like.map_or(NATURAL, |l| l.chars().count()).max(min.max(1));
    let want = max.map_or(want, |m| want.min(m));
    let lengths = (want..=max.unwrap_or(want).max(want)).chain((min..want).rev());
    match s.get("pattern").and_then(Value::as_str) {
        Some(p) => {
            let pat = pattern(p)?;
            lengths
                .take(64)
                .find_map(|len| pat.of_length(len, like))
                .filter(|v| v.chars().count() >= min)
        }
        None => {
            let base: String = like.unwrap_or("value").chars().collect();
            let mut v: String = base.chars().take(want).collect();
            while v.chars().count() < want {
                v.push('x');
            }
            Some(v)
        }
    }
}

/// Builds instances of the request schema `root`.
pub struct Builder<'a> {
    root: &'a Value,
    rng: SplitMix64,
    fill: Fill,
}

impl<'a> Builder<'a> {
    /// A builder over the schema `root`, seeded.
    pub fn new(root: &'a Value, seed: u64, fill: Fill) -> Builder<'a> {
        Builder {
            root,
            rng: SplitMix64::new(seed),
            fill,
        }
    }

    /// A valid value of the (sub-)schema `s`; `secret` for values under the credentials.
    pub fn value(&mut self, s: &Value, member: &str, secret: bool) -> Option<Value> {
        let s = resolve(self.root, s);
        match s.get("type").and_then(Value::as_str) {
            Some("string") => {
                let like = if secret {
                    format!("{SECRET_MARKER}{}", self.rng.alnum(10))
                } else {
                    natural(member, &mut self.rng)
                };
                string_for(s, Some(&like)).map(Value::String)
            }
            Some("integer") => {
                let lo = s.get("minimum").and_then(Value::as_i64).unwrap_or(0);
                let hi = s.get("maximum").and_then(Value::as_i64).unwrap_or(i64::MAX);
                Some(json!(if (lo..=hi).contains(&443) { 443 } else { lo }))
            }
            Some("number") => Some(json!(1.5)),
            Some("boolean") => Some(json!(false)),
            Some("array") => {
                let item = s.get("items")?;
                let n = s
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .max(1);
                let items = (0..n)
                    .map(|_| self.value(item, member, secret))
                    .collect::<Option<Vec<_>>>()?;
                Some(Value::Array(items))
            }
            Some("object") => self.object(s, secret),
            _ => None,
        }
    }

    fn object(&mut self, s: &Value, secret: bool) -> Option<Value> {
        let mut out = Map::new();
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                if self.fill == Fill::Minimal && !required.contains(&name.as_str()) {
                    continue;
                }
                out.insert(name.clone(), self.value(sub, name, secret)?);
            }
        }
        // A map: one entry (or as many as it requires), keyed as its key schema says.
        if let (Some(keys), Some(values)) = (
            s.get("propertyNames").map(|k| resolve(self.root, k)),
            s.get("additionalProperties").filter(|v| v.is_object()),
        ) {
            let n = s
                .get("minProperties")
                .and_then(Value::as_u64)
                .unwrap_or(u64::from(self.fill == Fill::Full));
            for i in 0..n {
                let key = string_for(keys, Some(&format!("key{i}")))?;
                out.insert(key, self.value(values, "entry", secret)?);
            }
        }
        Some(Value::Object(out))
    }

    /// A valid request of `connector_type`, named `name`.
    pub fn request(&mut self, connector_type: &str, name: &str) -> Option<Value> {
        let props = self.root.get("properties")?;
        let mut req = Map::new();
        req.insert("connectorProfileName".into(), json!(name));
        req.insert("connectorType".into(), json!(connector_type));
        req.insert("connectionMode".into(), json!("Public"));
        let mut config = Map::new();
        for (container, secret) in [
            ("connectorProfileProperties", false),
            ("connectorProfileCredentials", true),
        ] {
            let schema = resolve(
                self.root,
                &self.root["$defs"]["ConnectorProfileConfig"]["properties"][container],
            );
            let inner = match connector_key(connector_type) {
                Some(key) => {
                    let sub = schema.get("properties")?.get(key)?;
                    json!({ key: self.value(sub, key, secret)? })
                }
                None => json!({}),
            };
            // Credentials are optional: a minimal request has them only where they are needed.
            if secret && self.fill == Fill::Minimal {
                continue;
            }
            config.insert(container.into(), inner);
        }
        req.insert("connectorProfileConfig".into(), Value::Object(config));
        let label_needed = connector_type == "CustomConnector";
        let required = |m: &str| {
            self.root["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|v| v == m))
        };
        // Every other top-level member the schema has (`connectorLabel`, `kmsArn`, `clientToken`,
        // and whatever a newer model adds), where the fill wants it.
        for (member, sub) in props.as_object()? {
            if req.contains_key(member) || member == "connectorProfileConfig" {
                continue;
            }
            let wanted = self.fill == Fill::Full
                || required(member)
                || (member == "connectorLabel" && label_needed);
            if wanted {
                let sub = sub.clone();
                req.insert(member.clone(), self.value(&sub, member, false)?);
            }
        }
        Some(Value::Object(req))
    }
}

/// A natural-looking seed for a member's value, from its name.
fn natural(member: &str, rng: &mut SplitMix64) -> String {
    let m = member.to_ascii_lowercase();
    let id = rng.alnum(6);
    if m.contains("url") {
        format!("https://{id}.example.com")
    } else if m.contains("arn") {
        format!("arn:aws:iam::123456789012:role/r{id}")
    } else if m.contains("bucket") {
        format!("bucket-{id}")
    } else {
        format!("{member}{id}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::schema::{SchemaKind, connector_types};
    use crate::contract::validate;

    #[test]
    fn full_and_minimal_requests_of_every_type_are_valid() {
        let root = SchemaKind::Request.value();
        for fill in [Fill::Full, Fill::Minimal] {
            let mut b = Builder::new(root, 7, fill);
            for t in connector_types() {
                let req = b.request(t, "full-name").expect("buildable");
                assert_eq!(validate(&req), vec![], "{fill:?} {t}: {req}");
            }
        }
        // The full request reaches the nested OAuth request and the scopes list.
        let full = Builder::new(root, 7, Fill::Full)
            .request("Salesforce", "n")
            .unwrap();
        let text = full.to_string();
        assert!(
            text.contains("oAuthRequest") || text.contains("oauth"),
            "{text}"
        );
    }

    #[test]
    fn strings_fit_bounds_and_patterns() {
        let s = json!({"type": "string", "minLength": 20, "maxLength": 2048, "pattern": "^(?:arn:aws:kms:.*:[0-9]+:.*)$"});
        let v = string_for(&s, Some("x")).unwrap();
        assert!(v.chars().count() >= 20, "{v}");
        assert!(pattern(s["pattern"].as_str().unwrap()).unwrap().matches(&v));
    }
}
