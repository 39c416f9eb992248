//! Cases for each schema rule, both ways: requests that break the rule (and nothing else the schema
//! can keep apart from it), and requests at its edge that keep it. Each is made from the full
//! request of the rule's connector type ([`super::instance`]) and checked against the schema before it
//! is handed out, so a generator slip never sends a case that expects the wrong answer. A rule no
//! case can be made for says why ([`Err`]), and shows as uncovered.

mod maker;

use super::instance::{Builder, Fill, pattern};
use super::{Direction, SchemaRule};
use crate::contract::schema::{SchemaKind, connector_types};
use crate::contract::validate::{escape_pointer, validate};
use maker::Maker;
use serde_json::Value;
use std::collections::HashMap;

/// One request testing one rule one way.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The rule it tests.
    pub rule: String,
    /// Rules of the contract document it tests too (`schema.null-is-not-absence`, …).
    pub also: Vec<&'static str>,
    /// Which way.
    pub direction: Direction,
    /// Where it differs from the full request (a JSON pointer).
    pub pointer: String,
    /// What was done, in a few words.
    pub description: String,
    /// The whole body.
    pub body: Value,
    /// The bytes to send instead of `body`'s, where JSON values cannot say it (a 400-digit integer).
    pub raw: Option<String>,
}

/// The requests cases are made from: per connector type, the full and the minimal valid request.
pub struct Bases {
    full: HashMap<String, Value>,
    minimal: HashMap<String, Value>,
}

/// The connector type of rules above the connector structures.
const DEFAULT_TYPE: &str = "Salesforce";
/// Near misses per pattern location, from the full request's value; and from a long value, past
/// the 64th character (a validator that reads only a prefix).
const MISSES: usize = 4;
const DEEP_MISSES: usize = 2;
/// Strings longer than this are not generated (the body must stay well under a server's limit).
const LONGEST: usize = 16 * 1024;

impl Bases {
    /// The full and minimal request of every connector type, named `name` (seeded).
    pub fn new(name: &str, seed: u64) -> Bases {
        Bases::from_schema(SchemaKind::Request.value(), name, seed)
    }

    /// As [`Bases::new`], from another request schema (a newer model's, in a test).
    pub fn from_schema(root: &Value, name: &str, seed: u64) -> Bases {
        let build = |fill| {
            let mut b = Builder::new(root, seed, fill);
            connector_types()
                .iter()
                .filter_map(|t| Some((t.clone(), b.request(t, name)?)))
                .collect()
        };
        Bases {
            full: build(Fill::Full),
            minimal: build(Fill::Minimal),
        }
    }

    /// The full request of `connector_type`.
    pub fn full(&self, connector_type: &str) -> Option<&Value> {
        self.full.get(connector_type)
    }

    /// The minimal request of `connector_type`.
    pub fn minimal(&self, connector_type: &str) -> Option<&Value> {
        self.minimal.get(connector_type)
    }
}

/// The segments of `location` in `body`: `*` becomes the first item or map entry, `{key}` the
/// first map key (its last segment).
fn concrete(body: &Value, location: &str) -> Option<Vec<String>> {
    let mut path = Vec::new();
    let mut cur = body;
    for seg in location.split('/').skip(1) {
        let seg = match seg {
            "*" | "{key}" => match cur {
                Value::Array(a) if !a.is_empty() => "0".to_owned(),
                Value::Object(m) => m.keys().next()?.clone(),
                _ => return None,
            },
            s => s.to_owned(),
        };
        cur = match cur {
            Value::Object(m) => m.get(&seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
        path.push(seg);
    }
    Some(path)
}

fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|s| format!("/{}", escape_pointer(s)))
        .collect()
}

fn at_mut<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |cur, seg| match cur {
        Value::Object(m) => m.get_mut(seg),
        Value::Array(a) => a.get_mut(seg.parse::<usize>().ok()?),
        _ => None,
    })
}

/// Whether `location` is one of the config's two containers (which hold one connector key).
pub fn is_container(location: &str) -> bool {
    matches!(
        location,
        "/connectorProfileConfig/connectorProfileProperties"
            | "/connectorProfileConfig/connectorProfileCredentials"
    )
}

/// Why a rule has no case one way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoCase {
    /// Nothing the runner may send breaks it (a pattern that accepts every value but those with
    /// line terminators, which the contract leaves out; a map key's type, always a string in JSON).
    Vacuous(String),
    /// The generator could not make a case: a hole in the coverage.
    Cannot(String),
}

impl std::fmt::Display for NoCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoCase::Vacuous(why) => write!(f, "vacuous: {why}"),
            NoCase::Cannot(why) => f.write_str(why),
        }
    }
}

/// Whether `pattern` accepts every string the runner may send (it leaves out line terminators).
fn accepts_everything(p: &str) -> bool {
    pattern(p).is_some_and(|pat| {
        ["", "a", "$ *é%", "中", "1"].iter().all(|s| pat.matches(s))
            && pat.near_misses("a$ b", 8).is_empty()
    })
}

/// Every case of `rule` (with ID `id`), each checked against the request schema: a case that does
/// not break (or keep) what it says is dropped. `Err` says why none could be made one way.
pub fn for_rule(rule: &SchemaRule, id: &str, bases: &Bases) -> Result<Vec<Case>, NoCase> {
    if rule.keyword == "pattern"
        && let Some(p) = rule.schema["pattern"].as_str()
        && accepts_everything(p)
    {
        return Err(NoCase::Vacuous(format!(
            "{p} accepts every value but those with line terminators, which the runner does not send"
        )));
    }
    if rule.keyword == "type" && rule.location.ends_with("/{key}") {
        return Err(NoCase::Vacuous(
            "a JSON object's keys are always strings".into(),
        ));
    }
    for_rule_cases(rule, id, bases).map_err(NoCase::Cannot)
}

/// The connector type whose full request a rule's cases are made from.
pub fn base_type(rule: &SchemaRule) -> &str {
    match (&rule.connector_type, rule.location.as_str()) {
        (Some(t), _) => t.as_str(),
        (None, "/connectorLabel") if rule.keyword == "label-for-custom-connector" => {
            "CustomConnector"
        }
        _ => DEFAULT_TYPE,
    }
}

fn for_rule_cases(rule: &SchemaRule, id: &str, bases: &Bases) -> Result<Vec<Case>, String> {
    let ty = base_type(rule);
    let base = bases
        .full(ty)
        .ok_or_else(|| format!("no full request of {ty} could be built"))?;
    let cases = from_base(rule, id, base, bases)?;
    for dir in [Direction::Refused, Direction::Accepted] {
        if !cases.iter().any(|c| c.direction == dir) {
            return Err(
                format!("no {dir:?} case could be made for {}", rule.keyword).to_lowercase(),
            );
        }
    }
    Ok(cases)
}

/// The cases of `rule` made from `base`, any valid request (checked against the schema; none when
/// `base` does not reach the rule's location).
pub fn from_base(
    rule: &SchemaRule,
    id: &str,
    base: &Value,
    bases: &Bases,
) -> Result<Vec<Case>, String> {
    let ty = base_type(rule);
    let path = concrete(base, &rule.location)
        .ok_or_else(|| format!("the full request of {ty} does not reach {}", rule.location))?;
    let mut m = Maker {
        rule,
        bases,
        id,
        base,
        path,
        key: rule.location.ends_with("/{key}"),
        out: Vec::new(),
    };
    m.make()?;
    if rule.keyword == "label-for-custom-connector"
        && let Some(other) = bases.minimal(DEFAULT_TYPE)
    {
        let what = format!("{DEFAULT_TYPE} without connectorLabel");
        m.push(Direction::Accepted, what, other.clone(), &[]);
    }
    if rule.location == "/connectorType" && rule.keyword == "enum" {
        for t in connector_types() {
            if let Some(b) = bases.full(t) {
                let also = &["schema.enums-exact"];
                m.push(
                    Direction::Accepted,
                    format!("the allowed value {t:?}"),
                    b.clone(),
                    also,
                );
            }
        }
    }
    let mut cases = m.out;
    if rule.location == "/clientToken" && rule.keyword == "pattern" {
        for c in &mut cases {
            c.also.push("tokens.ascii");
        }
    }
    cases.retain(|c| {
        let parsed = c.raw.as_ref().map(|r| serde_json::from_str::<Value>(r));
        let valid = match parsed {
            Some(Ok(v)) => validate(&v).is_empty(),
            Some(Err(_)) => false,
            None => validate(&c.body).is_empty(),
        };
        valid == (c.direction == Direction::Accepted)
    });
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::rules::schema_rules;

    #[test]
    fn every_rule_of_the_committed_schema_has_cases_both_ways() {
        let bases = Bases::new("case-name", 3);
        let (mut uncovered, mut vacuous) = (Vec::new(), 0);
        let mut count = 0;
        for r in schema_rules("create", SchemaKind::Request.value()) {
            let rule = r.schema.as_ref().unwrap();
            match for_rule(rule, &r.id, &bases) {
                Ok(c) => count += c.len(),
                Err(NoCase::Vacuous(_)) => vacuous += 1,
                Err(why) => uncovered.push(format!("{}: {why}", r.id)),
            }
        }
        assert_eq!(uncovered, Vec::<String>::new());
        assert!(count > 1000, "{count} cases");
        assert!(vacuous < 40, "{vacuous} vacuous rules");
    }
}
