//! Invalid requests made from any valid request: the refused cases of every rule of the request
//! schema ([`super::rules`]) whose location the request reaches (each required member missing, wrong
//! types, lengths and sizes one past their bounds, values one character away from their pattern,
//! enums, ranges, unknown members, connector keys, the CustomConnector label). The same generator the
//! runner's validation checks use; the load scenarios, the fuzz corpus and the tests take it from here.

use super::rules::cases::{Bases, from_base};
use super::rules::{Direction, schema_rules};
use super::schema::SchemaKind;
use serde_json::Value;
use std::sync::LazyLock;

/// Which kind of constraint a case breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaseClass {
    /// A required member is missing.
    Required,
    /// A value has the wrong JSON type.
    Type,
    /// A string, list or map is too long or too short.
    Length,
    /// A string breaks its pattern.
    Pattern,
    /// A value is not one of the allowed values.
    Enum,
    /// A number is out of range.
    Range,
    /// An unknown member.
    Unknown,
    /// A second connector key, or one that does not match `connectorType`.
    ConnectorKey,
    /// `CustomConnector` without `connectorLabel`.
    Label,
}

impl CaseClass {
    /// Every class.
    pub const ALL: [CaseClass; 9] = [
        CaseClass::Required,
        CaseClass::Type,
        CaseClass::Length,
        CaseClass::Pattern,
        CaseClass::Enum,
        CaseClass::Range,
        CaseClass::Unknown,
        CaseClass::ConnectorKey,
        CaseClass::Label,
    ];

    /// The class's name (`pattern`).
    pub fn name(self) -> &'static str {
        match self {
            CaseClass::Required => "required",
            CaseClass::Type => "type",
            CaseClass::Length => "length",
            CaseClass::Pattern => "pattern",
            CaseClass::Enum => "enum",
            CaseClass::Range => "range",
            CaseClass::Unknown => "unknown-member",
            CaseClass::ConnectorKey => "connector-key",
            CaseClass::Label => "custom-label",
        }
    }

    /// The class of a schema rule's keyword (`None` for keywords no class names).
    pub fn of_keyword(keyword: &str, location: &str) -> Option<CaseClass> {
        Some(match keyword {
            "required" => CaseClass::Required,
            "type" => CaseClass::Type,
            "maxProperties" if super::rules::cases::is_container(location) => {
                CaseClass::ConnectorKey
            }
            "minLength" | "maxLength" | "minProperties" | "maxProperties" | "minItems"
            | "maxItems" => CaseClass::Length,
            "pattern" => CaseClass::Pattern,
            "enum" => CaseClass::Enum,
            "minimum" | "maximum" => CaseClass::Range,
            "additionalProperties" => CaseClass::Unknown,
            "connector-key" => CaseClass::ConnectorKey,
            "label-for-custom-connector" => CaseClass::Label,
            _ => return None,
        })
    }
}

/// One invalid request.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidCase {
    /// The kind of constraint broken.
    pub class: CaseClass,
    /// Where (JSON pointer).
    pub pointer: String,
    /// What was done, in a few words.
    pub description: String,
    /// The whole invalid body.
    pub body: Value,
}

/// The sub-schema `schema` stands for: the `$defs` entry a `$ref` names, or itself.
pub(crate) fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/$defs/")
            .and_then(|name| root["$defs"].get(name))
            .unwrap_or(schema),
        None => schema,
    }
}

/// Every invalid variant of `valid` the request schema's rules define: the refused cases of each
/// rule whose location `valid` reaches, made from `valid` itself.
pub fn invalid_cases(valid: &Value) -> Vec<InvalidCase> {
    static RULES: LazyLock<Vec<super::rules::Rule>> =
        LazyLock::new(|| schema_rules("create", SchemaKind::Request.value()));
    static BASES: LazyLock<Bases> = LazyLock::new(|| Bases::new("invalid-case", 0));
    let mut out = Vec::new();
    for r in RULES.iter() {
        let Some(rule) = &r.schema else { continue };
        let Some(class) = CaseClass::of_keyword(&rule.keyword, &rule.location) else {
            continue;
        };
        // The connector-key and label rules apply to the valid request's own type only.
        if rule
            .connector_type
            .as_deref()
            .is_some_and(|t| valid["connectorType"] != *t)
        {
            continue;
        }
        if rule.keyword == "label-for-custom-connector"
            && valid["connectorType"] != "CustomConnector"
        {
            continue;
        }
        let Ok(cases) = from_base(rule, &r.id, valid, &BASES) else {
            continue;
        };
        out.extend(
            cases
                .into_iter()
                .filter(|c| c.direction == Direction::Refused && c.raw.is_none())
                .map(|c| InvalidCase {
                    class,
                    pointer: c.pointer,
                    description: c.description,
                    body: c.body,
                }),
        );
    }
    out
}
