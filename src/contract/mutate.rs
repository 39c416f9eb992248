//! Invalid requests generated from the request schema: from one valid request, one mutation per
//! constraint that the request's members are under (required member missing, wrong type, too long or
//! short, pattern broken with a valid prefix, enum, range, unknown member at each level, connector keys,
//! the CustomConnector label rule). Shared by the tests, the runner and the load scenarios.

use super::schema::{SchemaKind, connector_key, connector_types};
use super::validate::escape_pointer;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

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
    /// A string breaks its pattern (with a prefix that matches).
    Pattern,
    /// A value is not one of the allowed values.
    Enum,
    /// A number is out of range or not an integer.
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

pub(super) fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/$defs/")
            .and_then(|name| root["$defs"].get(name))
            .unwrap_or(schema),
        None => schema,
    }
}

/// The sub-schema that governs member `name` of an object under `schema` (resolved already): its own
/// property schema, else the object's `additionalProperties` schema; none when the object lists no such
/// member and refuses or leaves open the rest.
pub(super) fn member_schema<'a>(schema: &'a Value, name: &str) -> Option<&'a Value> {
    schema
        .get("properties")
        .and_then(|p| p.get(name))
        .or_else(|| schema.get("additionalProperties").filter(|s| s.is_object()))
}

/// Whether `value` matches a schema pattern (compiled once per pattern).
pub(super) fn matches(pattern: &str, value: &str) -> bool {
    static CACHE: LazyLock<Mutex<HashMap<String, Option<regex::Regex>>>> =
        LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let re = cache
        .entry(pattern.to_owned())
        .or_insert_with(|| regex::Regex::new(pattern).ok());
    re.as_ref().is_none_or(|re| re.is_match(value))
}

/// A value that keeps a valid prefix but breaks the pattern as a whole (within `max` characters).
fn pattern_breaker(pattern: &str, valid: &str, max: Option<usize>) -> Option<String> {
    let room = max.unwrap_or(usize::MAX).saturating_sub(2);
    let prefix: String = valid.chars().take(room.max(1)).collect();
    [" x", "\n", "é", " ", "\t", "\u{7f}", "%"]
        .iter()
        .map(|suffix| format!("{prefix}{suffix}"))
        .chain([format!(" {prefix}"), "é".to_owned()])
        .find(|c| !matches(pattern, c) && max.is_none_or(|m| c.chars().count() <= m))
}

struct Walker<'a> {
    root: &'a Value,
    body: &'a Value,
    out: Vec<InvalidCase>,
}

pub(super) fn set_at(body: &Value, path: &[String], f: &dyn Fn(&mut Value)) -> Value {
    let mut copy = body.clone();
    let mut cur = &mut copy;
    for seg in path {
        cur = match cur {
            Value::Object(m) => m.get_mut(seg).expect("path exists"),
            Value::Array(a) => &mut a[seg.parse::<usize>().expect("index")],
            _ => unreachable!("path goes through containers"),
        };
    }
    f(cur);
    copy
}

pub(super) fn pointer(path: &[String]) -> String {
    path.iter()
        .map(|s| format!("/{}", escape_pointer(s)))
        .collect()
}

/// Values of other JSON types than the schema's: the ones a client slips into (a number as a string,
/// a boolean, `null`, which is not absence).
fn wrong_types(schema: &Value) -> Vec<Value> {
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => vec![json!(42), json!(true)],
        Some("integer") | Some("number") => vec![json!("443"), json!(true), json!(null)],
        Some("boolean") => vec![json!("true"), json!(1)],
        Some("array") => vec![json!({"n": 1})],
        Some("object") => vec![json!([1, 2, 3])],
        _ => vec![json!(null)],
    }
}

impl Walker<'_> {
    fn case(&mut self, class: CaseClass, path: &[String], description: String, body: Value) {
        self.out.push(InvalidCase {
            class,
            pointer: pointer(path),
            description,
            body,
        });
    }

    fn walk(&mut self, schema: &Value, inst: &Value, path: &mut Vec<String>) {
        let schema = resolve(self.root, schema);
        if !path.is_empty() && schema.get("type").is_some() {
            for bad in wrong_types(schema) {
                let body = set_at(self.body, path, &|v| *v = bad.clone());
                self.case(CaseClass::Type, path, format!("wrong type ({bad})"), body);
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array)
            && let Some(s) = inst.as_str()
        {
            let lower = s.to_lowercase();
            let bad = if options.iter().any(|o| o.as_str() == Some(&lower)) {
                "NOT_A_VALUE".to_owned()
            } else {
                lower
            };
            let body = set_at(self.body, path, &|v| *v = json!(bad));
            self.case(
                CaseClass::Enum,
                path,
                format!("not an allowed value ({bad:?})"),
                body,
            );
        }
        match inst {
            Value::String(s) => self.string(schema, s, path),
            Value::Number(_) => self.number(schema, path),
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
        let max = schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        let pattern = schema.get("pattern").and_then(Value::as_str);
        if let Some(max) = max {
            let filler = s.chars().last().unwrap_or('a');
            let mut long: String = s.to_owned();
            while long.chars().count() <= max {
                long.push(filler);
            }
            let body = set_at(self.body, path, &|v| *v = json!(long));
            self.case(
                CaseClass::Length,
                path,
                format!("{} characters (at most {max})", max + 1),
                body,
            );
        }
        let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        if min > 0 {
            let body = set_at(self.body, path, &|v| *v = json!(""));
            self.case(CaseClass::Length, path, "empty string".into(), body);
        }
        if min > 1 {
            // One character short of the bound, from the valid value (its pattern still holds).
            let short: String = s.chars().take(min - 1).collect();
            if short.chars().count() == min - 1 {
                let body = set_at(self.body, path, &|v| *v = json!(short));
                self.case(
                    CaseClass::Length,
                    path,
                    format!("{} characters (at least {min})", min - 1),
                    body,
                );
            }
        }
        if let Some(p) = pattern
            && let Some(bad) = pattern_breaker(p, s, max)
        {
            let body = set_at(self.body, path, &|v| *v = json!(bad));
            self.case(
                CaseClass::Pattern,
                path,
                format!("valid prefix, but the whole value breaks {p}"),
                body,
            );
        }
    }

    fn number(&mut self, schema: &Value, path: &[String]) {
        if let Some(min) = schema.get("minimum").and_then(Value::as_i64) {
            let body = set_at(self.body, path, &|v| *v = json!(min - 1));
            self.case(
                CaseClass::Range,
                path,
                format!("{} (minimum {min})", min - 1),
                body,
            );
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_i64) {
            let body = set_at(self.body, path, &|v| *v = json!(max + 1));
            self.case(
                CaseClass::Range,
                path,
                format!("{} (maximum {max})", max + 1),
                body,
            );
        }
        if schema.get("type").and_then(Value::as_str) == Some("integer") {
            for fraction in [json!(1.5), json!(443.5)] {
                let body = set_at(self.body, path, &|v| *v = fraction.clone());
                self.case(
                    CaseClass::Range,
                    path,
                    format!("{fraction} is not an integer"),
                    body,
                );
            }
        }
    }

    fn object(&mut self, schema: &Value, map: &Map<String, Value>, path: &mut Vec<String>) {
        if let Some(req) = schema.get("required").and_then(Value::as_array) {
            for name in req.iter().filter_map(Value::as_str) {
                if map.contains_key(name) {
                    path.push(name.to_owned());
                    let parent = &path[..path.len() - 1];
                    let body = set_at(self.body, parent, &|v| {
                        if let Value::Object(m) = v {
                            m.remove(name);
                        }
                    });
                    self.case(
                        CaseClass::Required,
                        path,
                        "required member missing".into(),
                        body,
                    );
                    path.pop();
                }
            }
        }
        if schema.get("additionalProperties") == Some(&json!(false)) {
            path.push("unexpectedMember".into());
            let parent = &path[..path.len() - 1];
            let body = set_at(self.body, parent, &|v| {
                if let Value::Object(m) = v {
                    m.insert("unexpectedMember".into(), json!("x"));
                }
            });
            self.case(CaseClass::Unknown, path, "unknown member".into(), body);
            path.pop();
        }
        // A map: its keys have their own schema, its values share one.
        if let Some(key_schema) = schema.get("propertyNames").map(|s| resolve(self.root, s)) {
            if let Some(p) = key_schema.get("pattern").and_then(Value::as_str) {
                let sample = map.keys().next().map_or("key", String::as_str);
                if let Some(bad) = pattern_breaker(p, sample, None) {
                    path.push(bad.clone());
                    let parent = &path[..path.len() - 1];
                    let body = set_at(self.body, parent, &|v| {
                        if let Value::Object(m) = v {
                            m.insert(bad.clone(), json!("value"));
                        }
                    });
                    self.case(
                        CaseClass::Pattern,
                        path,
                        format!("map key breaks {p}"),
                        body,
                    );
                    path.pop();
                }
            }
            if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64) {
                let body = set_at(self.body, path, &|v| {
                    if let Value::Object(m) = v {
                        for i in 0..=max {
                            m.insert(format!("k{i}"), json!("value"));
                        }
                    }
                });
                self.case(
                    CaseClass::Length,
                    path,
                    format!("more than {max} map entries"),
                    body,
                );
            }
        }
        for (name, value) in map {
            if let Some(sub) = member_schema(schema, name) {
                path.push(name.clone());
                self.walk(sub, value, path);
                path.pop();
            }
        }
    }

    /// The rules that tie members together: connector keys and the CustomConnector label.
    fn cross_member(&mut self) {
        let Some(ty) = self.body["connectorType"].as_str() else {
            return;
        };
        let own = connector_key(ty);
        let other = connector_types()
            .iter()
            .filter_map(|t| connector_key(t))
            .find(|k| Some(*k) != own)
            .unwrap_or("Salesforce");
        for container in ["connectorProfileProperties", "connectorProfileCredentials"] {
            let config = &self.body["connectorProfileConfig"];
            let Some(current) = config.get(container).and_then(Value::as_object) else {
                continue;
            };
            let path = vec!["connectorProfileConfig".to_owned(), container.to_owned()];
            let body = set_at(self.body, &path, &|v| {
                if let Value::Object(m) = v {
                    m.insert(other.to_owned(), json!({}));
                }
            });
            self.case(
                CaseClass::ConnectorKey,
                &path,
                format!("a second connector key ({other})"),
                body,
            );
            if let Some((key, inner)) = current.iter().next() {
                let body = set_at(self.body, &path, &|v| {
                    if let Value::Object(m) = v {
                        m.remove(key);
                        m.insert(other.to_owned(), inner.clone());
                    }
                });
                self.case(
                    CaseClass::ConnectorKey,
                    &path,
                    format!("connector key {other} does not match connectorType {ty}"),
                    body,
                );
            }
        }
        if ty == "CustomConnector" && self.body.get("connectorLabel").is_some() {
            let mut body = self.body.clone();
            if let Some(m) = body.as_object_mut() {
                m.remove("connectorLabel");
            }
            self.case(
                CaseClass::Label,
                &["connectorLabel".to_owned()],
                "CustomConnector without connectorLabel".into(),
                body,
            );
        }
    }
}

/// Every invalid variant of `valid` that the request schema defines (one per constraint and member).
pub fn invalid_cases(valid: &Value) -> Vec<InvalidCase> {
    let root = SchemaKind::Request.value();
    let mut w = Walker {
        root,
        body: valid,
        out: Vec::new(),
    };
    w.walk(root, valid, &mut Vec::new());
    w.cross_member();
    w.out
}
