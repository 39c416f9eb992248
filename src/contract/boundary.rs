//! Requests at the edge of every constraint of the request schema, which a service must **accept**:
//! strings of exactly their shortest and longest length, integers at both ends of their range and
//! written as `443.0`, every value of every enumeration, and optional members present where they
//! are optional. The other side of [`super::invalid_cases`]: a service that refuses these is as
//! broken as one that accepts those. Generated from the schema, so a new constraint in the model
//! gets its cases without code.

use super::mutate::{matches, member_schema, pointer, resolve, set_at};
use super::schema::SchemaKind;
use super::validate::validate;
use serde_json::{Map, Value, json};

/// Which edge a case stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeClass {
    /// A string of exactly its maximum length.
    MaxLength,
    /// A string of exactly its minimum length.
    MinLength,
    /// An integer at its minimum or maximum.
    IntegerRange,
    /// An integer written with a zero fraction (`443.0`), which JSON Schema calls an integer.
    IntegerAsFloat,
    /// One value of an enumeration, spelled exactly.
    EnumValue,
    /// An optional member present (`connectorLabel` on another type than CustomConnector, `kmsArn`).
    OptionalMember,
}

impl EdgeClass {
    /// Every class.
    pub const ALL: [EdgeClass; 6] = [
        EdgeClass::MaxLength,
        EdgeClass::MinLength,
        EdgeClass::IntegerRange,
        EdgeClass::IntegerAsFloat,
        EdgeClass::EnumValue,
        EdgeClass::OptionalMember,
    ];
}

/// One request that must be accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeCase {
    /// The edge it stands on.
    pub class: EdgeClass,
    /// Where (JSON pointer).
    pub pointer: String,
    /// What was done, in a few words.
    pub description: String,
    /// The whole (valid) body.
    pub body: Value,
}

/// Longer strings than this are left out: the body must stay well under a server's size limit.
const LONGEST: usize = 16 * 1024;

struct Walker<'a> {
    root: &'a Value,
    body: &'a Value,
    out: Vec<EdgeCase>,
}

/// `len` characters that match `pattern`, grown or cut from `valid`.
fn of_length(pattern: Option<&str>, valid: &str, len: usize) -> Option<String> {
    let fits = |c: &str| pattern.is_none_or(|p| matches(p, c));
    let fillers = [
        valid.chars().last(),
        Some('a'),
        Some('0'),
        Some('x'),
        Some('-'),
    ];
    for filler in fillers.into_iter().flatten() {
        let mut s: String = valid.chars().take(len).collect();
        while s.chars().count() < len {
            s.push(filler);
        }
        if fits(&s) {
            return Some(s);
        }
    }
    None
}

impl Walker<'_> {
    fn case(&mut self, class: EdgeClass, path: &[String], description: String, body: Value) {
        self.out.push(EdgeCase {
            class,
            pointer: pointer(path),
            description,
            body,
        });
    }

    fn set(&mut self, class: EdgeClass, path: &[String], value: Value, description: String) {
        let body = set_at(self.body, path, &|v| *v = value.clone());
        self.case(class, path, description, body);
    }

    fn walk(&mut self, schema: &Value, inst: &Value, path: &mut Vec<String>) {
        let schema = resolve(self.root, schema);
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            for option in options.iter().filter(|o| *o != inst) {
                self.set(
                    EdgeClass::EnumValue,
                    path,
                    option.clone(),
                    format!("the allowed value {option}"),
                );
            }
        }
        match inst {
            Value::String(s) => self.string(schema, s, path),
            Value::Number(n) => self.integer(schema, n, path),
            Value::Object(map) => self.object(schema, map, path),
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        path.push(i.to_string());
                        self.walk(item_schema, item, path);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }

    fn string(&mut self, schema: &Value, s: &str, path: &[String]) {
        let pattern = schema.get("pattern").and_then(Value::as_str);
        let bound = |k: &str| schema.get(k).and_then(Value::as_u64).map(|n| n as usize);
        if let Some(max) = bound("maxLength").filter(|m| *m <= LONGEST)
            && let Some(v) = of_length(pattern, s, max)
        {
            self.set(
                EdgeClass::MaxLength,
                path,
                json!(v),
                format!("exactly {max} characters (the maximum)"),
            );
        }
        if let Some(min) = bound("minLength").filter(|m| *m > 0)
            && let Some(v) = of_length(pattern, s, min)
        {
            self.set(
                EdgeClass::MinLength,
                path,
                json!(v),
                format!("exactly {min} characters (the minimum)"),
            );
        }
    }

    fn integer(&mut self, schema: &Value, n: &serde_json::Number, path: &[String]) {
        if schema.get("type").and_then(Value::as_str) != Some("integer") {
            return;
        }
        for (key, what) in [("minimum", "the minimum"), ("maximum", "the maximum")] {
            if let Some(edge) = schema.get(key).and_then(Value::as_i64) {
                self.set(
                    EdgeClass::IntegerRange,
                    path,
                    json!(edge),
                    format!("{edge} ({what})"),
                );
            }
        }
        if let Some(i) = n.as_i64() {
            self.set(
                EdgeClass::IntegerAsFloat,
                path,
                json!(i as f64),
                format!("{i}.0, an integer written with a fraction"),
            );
        }
    }

    fn object(&mut self, schema: &Value, map: &Map<String, Value>, path: &mut Vec<String>) {
        for (name, value) in map {
            if let Some(sub) = member_schema(schema, name) {
                path.push(name.clone());
                self.walk(sub, value, path);
                path.pop();
            }
        }
    }

    /// Optional top-level members, present: `connectorLabel` on any type, `kmsArn`.
    fn optional_members(&mut self) {
        for (member, value) in [
            ("connectorLabel", json!("label-for-any-type")),
            (
                "kmsArn",
                json!("arn:aws:kms:us-east-1:123456789012:key/edge-case-key"),
            ),
        ] {
            if self.body.get(member).is_none() {
                let mut body = self.body.clone();
                body[member] = value;
                self.case(
                    EdgeClass::OptionalMember,
                    &[member.to_owned()],
                    format!("the optional {member} present"),
                    body,
                );
            }
        }
    }
}

/// Every edge case of `valid` that the request schema defines, each still valid (the request
/// schema's own validator is asked, so a generator slip never sends an invalid one).
pub fn edge_cases(valid: &Value) -> Vec<EdgeCase> {
    let root = SchemaKind::Request.value();
    let mut w = Walker {
        root,
        body: valid,
        out: Vec::new(),
    };
    w.walk(root, valid, &mut Vec::new());
    w.optional_members();
    // A value already at its edge is the valid request itself: nothing more to send.
    w.out
        .retain(|c| c.body != *valid && validate(&c.body).is_empty());
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::{ExampleGen, Size, connector_types};

    #[test]
    fn every_edge_class_is_generated_and_every_case_is_valid() {
        let mut generator = ExampleGen::new(3);
        let mut seen = std::collections::BTreeMap::new();
        for t in connector_types() {
            let valid = generator.request_sized(t, "edge-name", Size::Largest);
            for c in edge_cases(&valid) {
                assert_eq!(validate(&c.body), vec![], "{} {}", c.pointer, c.description);
                assert_ne!(c.body, valid, "{} changes something", c.pointer);
                *seen.entry(c.class).or_insert(0) += 1;
            }
        }
        for class in EdgeClass::ALL {
            assert!(
                seen.get(&class).copied().unwrap_or(0) > 0,
                "no {class:?} case: {seen:?}"
            );
        }
        // The model's name bounds, as examples of what is generated.
        let valid = generator.request_sized("Salesforce", "edge-name", Size::Typical);
        let cases = edge_cases(&valid);
        let name = |d: &str| {
            cases
                .iter()
                .find(|c| c.pointer == "/connectorProfileName" && c.description.contains(d))
                .map(|c| {
                    c.body["connectorProfileName"]
                        .as_str()
                        .unwrap()
                        .chars()
                        .count()
                })
        };
        assert_eq!(name("maximum"), Some(256));
        assert_eq!(name("minimum"), Some(1));
        eprintln!("{seen:?}");
    }
}
