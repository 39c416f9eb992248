//! The contract's rules as data, each with a stable ID, so that what the runner checks is derived and
//! measured, not a list someone wrote: one rule per keyword per location of the request schema
//! (walked along the places a request can hold a value: members, list items, map keys and values,
//! each connector's structures), plus one per rule of the contract document (`schemas/CONTRACT.md`,
//! where each carries its ID). [`cases`] makes, for a schema rule, requests that break it and requests
//! at its edge that keep it; a rule it cannot make a case for says why, and shows as uncovered.

pub mod cases;
mod document;
pub mod instance;

pub use document::{DOCUMENT_RULES, document_ids};

use super::mutate::resolve;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which way a case tests its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// A request the rule refuses (or answers otherwise than a success): it breaks the rule.
    Refused,
    /// A request at the rule's edge that keeps it, and must be accepted.
    Accepted,
}

/// A keyword of the request schema at one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaRule {
    /// Where in a request: a JSON pointer in which `*` stands for any list item or map value and
    /// `{key}` for any map key.
    pub location: String,
    /// The keyword (`pattern`, `maxLength`, …), or the name of a rule that ties members together
    /// (`connector-key`, `label-for-custom-connector`).
    pub keyword: String,
    /// The connector type whose structures hold the location (`None` above them).
    pub connector_type: Option<String>,
    /// The schema at the location (references resolved).
    pub schema: Value,
}

/// One rule of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Stable ID: `create:/connectorProfileName:pattern`, `doc:idempotency.replay`.
    pub id: String,
    /// What it says, in a few words.
    pub description: String,
    /// For a schema rule, where and what.
    pub schema: Option<SchemaRule>,
}

/// Keywords that shape the walk rather than constrain a value.
const STRUCTURAL: &[&str] = &[
    "$ref",
    "$defs",
    "$schema",
    "$id",
    "title",
    "description",
    "properties",
    "items",
    "propertyNames",
    "x-connector-keys",
];

/// Every rule of the request schema `root` (the create request's, or another operation's built the
/// same way), IDs prefixed with `op`.
pub fn schema_rules(op: &str, root: &Value) -> Vec<Rule> {
    let mut w = Walker {
        op,
        root,
        out: Vec::new(),
    };
    w.walk(root, String::new(), None);
    w.out
}

/// Every rule of the create request schema and of the contract document, in a stable order.
pub fn all() -> Vec<Rule> {
    let mut rules = schema_rules("create", super::SchemaKind::Request.value());
    rules.extend(DOCUMENT_RULES.iter().map(|(id, description)| Rule {
        id: format!("doc:{id}"),
        description: (*description).to_owned(),
        schema: None,
    }));
    rules
}

struct Walker<'a> {
    op: &'a str,
    root: &'a Value,
    out: Vec<Rule>,
}

impl Walker<'_> {
    fn rule(&mut self, location: &str, keyword: &str, ty: Option<&str>, schema: &Value) {
        let what = match keyword {
            "required" => "is required".to_owned(),
            "additionalProperties" => "refuses members it does not list".to_owned(),
            "connector-key" => "holds only the key connectorType names".to_owned(),
            "label-for-custom-connector" => {
                "is required when connectorType is CustomConnector".into()
            }
            k => match schema.get(k) {
                Some(v) if !v.is_object() && !v.is_array() => format!("{k} {v}"),
                Some(Value::Array(a)) => format!("{k} of {} values", a.len()),
                _ => k.to_owned(),
            },
        };
        let at = if location.is_empty() {
            "the body"
        } else {
            location
        };
        self.out.push(Rule {
            id: format!("{}:{location}:{keyword}", self.op),
            description: format!("{at} {what}"),
            schema: Some(SchemaRule {
                location: location.to_owned(),
                keyword: keyword.to_owned(),
                connector_type: ty.map(str::to_owned),
                schema: schema.clone(),
            }),
        });
    }

    fn walk(&mut self, schema: &Value, loc: String, ty: Option<&str>) {
        let schema = resolve(self.root, schema);
        let Some(map) = schema.as_object() else {
            return;
        };
        for (k, v) in map {
            match k.as_str() {
                k if STRUCTURAL.contains(&k) => {}
                "required" => {
                    for m in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        self.rule(&format!("{loc}/{m}"), "required", ty, schema);
                    }
                }
                "additionalProperties" if v == &Value::Bool(false) => {
                    self.rule(&loc, "additionalProperties", ty, schema)
                }
                "additionalProperties" if v.is_object() => {}
                // The root's member-tying rules (the CustomConnector label, the connector keys).
                "allOf" if loc.is_empty() => {
                    self.rule(
                        "/connectorLabel",
                        "label-for-custom-connector",
                        None,
                        schema,
                    );
                }
                other => self.rule(&loc, other, ty, schema),
            }
        }
        if let Some(props) = map.get("properties").and_then(Value::as_object) {
            for (m, sub) in props {
                if loc.is_empty() && m == "connectorProfileConfig" {
                    self.config(sub);
                } else {
                    self.walk(sub, format!("{loc}/{m}"), ty);
                }
            }
        }
        if let Some(keys) = map.get("propertyNames") {
            self.walk(keys, format!("{loc}/{{key}}"), ty);
        }
        if let Some(values) = map.get("additionalProperties").filter(|v| v.is_object()) {
            self.walk(values, format!("{loc}/*"), ty);
        }
        if let Some(items) = map.get("items") {
            self.walk(items, format!("{loc}/*"), ty);
        }
    }

    /// `connectorProfileConfig`: its own keywords, then each container's, then each connector's
    /// structures under the connector's key.
    fn config(&mut self, schema: &Value) {
        let config = resolve(self.root, schema);
        let loc = "/connectorProfileConfig".to_owned();
        let mut own = config.clone();
        if let Some(m) = own.as_object_mut() {
            m.remove("properties");
        }
        self.walk(&own, loc.clone(), None);
        let Some(containers) = config.get("properties").and_then(Value::as_object) else {
            return;
        };
        let types = super::schema::connector_types();
        for (name, container) in containers {
            let container = resolve(self.root, container);
            let cloc = format!("{loc}/{name}");
            let mut own = container.clone();
            if let Some(m) = own.as_object_mut() {
                m.remove("properties");
            }
            self.walk(&own, cloc.clone(), None);
            self.rule(&cloc, "connector-key", None, container);
            for (key, sub) in container
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let ty = types
                    .iter()
                    .find(|t| super::schema::connector_key(t) == Some(key.as_str()));
                self.walk(sub, format!("{cloc}/{key}"), ty.map(String::as_str));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_location_and_keyword_of_the_schema_is_a_rule() {
        let rules = schema_rules("create", crate::contract::SchemaKind::Request.value());
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        for id in [
            "create::type",
            "create::additionalProperties",
            "create:/connectorProfileName:pattern",
            "create:/connectorProfileName:maxLength",
            "create:/connectorProfileName:required",
            "create:/connectorLabel:label-for-custom-connector",
            "create:/connectorProfileConfig/connectorProfileProperties:connector-key",
            "create:/connectorProfileConfig/connectorProfileProperties/CustomConnector/profileProperties/{key}:pattern",
            "create:/connectorProfileConfig/connectorProfileProperties/CustomConnector/profileProperties/*:maxLength",
            "create:/connectorProfileConfig/connectorProfileProperties/CustomConnector/profileProperties:maxProperties",
            "create:/connectorProfileConfig/connectorProfileProperties/Redshift/clusterIdentifier:pattern",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
        let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "IDs are unique");
        assert!(rules.len() > 500, "{}", rules.len());
    }
}
