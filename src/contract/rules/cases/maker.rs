//! The keyword handlers: for one rule, the cases that break it and those at its edge that keep it.

use super::{
    Bases, Case, DEEP_MISSES, DEFAULT_TYPE, LONGEST, MISSES, at_mut, base_type, concrete,
    is_container, pointer,
};
use crate::contract::rules::instance::{pattern, string_for};
use crate::contract::rules::{Direction, SchemaRule};
use crate::contract::schema::{connector_key, connector_types};
use serde_json::{Map, Value, json};

/// Makes cases for one rule.
pub(super) struct Maker<'a> {
    pub(super) rule: &'a SchemaRule,
    pub(super) bases: &'a Bases,
    pub(super) id: &'a str,
    pub(super) base: &'a Value,
    pub(super) path: Vec<String>,
    /// Whether the location is a map key (`…/{key}`).
    pub(super) key: bool,
    pub(super) out: Vec<Case>,
}

impl Maker<'_> {
    pub(super) fn push(
        &mut self,
        dir: Direction,
        what: String,
        body: Value,
        also: &[&'static str],
    ) {
        self.push_raw(dir, what, body, None, also);
    }

    fn push_raw(
        &mut self,
        dir: Direction,
        what: String,
        body: Value,
        raw: Option<String>,
        also: &[&'static str],
    ) {
        self.out.push(Case {
            rule: self.id.to_owned(),
            also: also.to_vec(),
            direction: dir,
            pointer: pointer(&self.path),
            description: what,
            body,
            raw,
        });
    }

    /// The base with the value at the location replaced (or, for a map key, the key renamed).
    fn with(&self, value: Value) -> Option<Value> {
        let mut body = self.base.clone();
        if self.key {
            let (last, parent) = self.path.split_last()?;
            let Value::Object(m) = at_mut(&mut body, parent)? else {
                return None;
            };
            let inner = m.remove(last)?;
            m.insert(value.as_str()?.to_owned(), inner);
        } else {
            *at_mut(&mut body, &self.path)? = value;
        }
        Some(body)
    }

    fn current(&self) -> Option<&Value> {
        if self.key {
            return None;
        }
        self.path.iter().try_fold(self.base, |cur, seg| match cur {
            Value::Object(m) => m.get(seg),
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?),
            _ => None,
        })
    }

    fn current_str(&self) -> Option<String> {
        if self.key {
            return self.path.last().cloned();
        }
        self.current()?.as_str().map(str::to_owned)
    }

    fn set(&mut self, dir: Direction, what: String, value: Value, also: &[&'static str]) {
        if let Some(body) = self.with(value) {
            self.push(dir, what, body, also);
        }
    }

    fn keep_base(&mut self, what: &str) {
        self.push(Direction::Accepted, what.to_owned(), self.base.clone(), &[]);
    }

    pub(super) fn make(&mut self) -> Result<(), String> {
        let s = &self.rule.schema;
        let bound = |k: &str| s.get(k).and_then(Value::as_u64).map(|n| n as usize);
        match self.rule.keyword.as_str() {
            "type" => self.types(),
            "required" => {
                let (last, parent) = self.path.split_last().ok_or("no member")?;
                let mut body = self.base.clone();
                if let Some(Value::Object(m)) = at_mut(&mut body, parent) {
                    m.remove(last);
                }
                self.push(
                    Direction::Refused,
                    "required member missing".into(),
                    body,
                    &[],
                );
                self.keep_base("the member present");
                // The minimal request: every optional member absent (not null) is accepted.
                let ty = base_type(self.rule);
                if let Some(min) = self.bases.minimal(ty)
                    && concrete(min, &self.rule.location).is_some()
                {
                    let also = &["schema.null-is-not-absence"];
                    let what = "the minimal request (optional members absent)".to_owned();
                    self.push(Direction::Accepted, what, min.clone(), also);
                }
            }
            "additionalProperties" => {
                let mut body = self.base.clone();
                if let Some(Value::Object(m)) = at_mut(&mut body, &self.path) {
                    m.insert("unexpectedMember".into(), json!("x"));
                }
                let also = &["schema.unknown-members"];
                self.push(Direction::Refused, "an unknown member".into(), body, also);
                let base = self.base.clone();
                self.push(
                    Direction::Accepted,
                    "every member it lists, and no other".into(),
                    base,
                    also,
                );
            }
            "maxLength" => {
                let n = bound("maxLength").ok_or("no bound")?;
                self.length(n + 1, Direction::Refused, &format!("at most {n}"))?;
                if n <= LONGEST {
                    self.length(n, Direction::Accepted, "the maximum")?;
                }
            }
            "minLength" => {
                let n = bound("minLength").ok_or("no bound")?;
                if n > 0 {
                    self.length(n - 1, Direction::Refused, &format!("at least {n}"))?;
                }
                // The shortest value the pattern allows, where it needs more than the bound.
                let shortest = match self.rule.schema.get("pattern").and_then(Value::as_str) {
                    Some(p) => pattern(p).map_or(n, |pat| pat.lengths().0.max(n)),
                    None => n,
                };
                let what = if shortest > n {
                    "the shortest its pattern allows"
                } else {
                    "the minimum"
                };
                self.length(shortest, Direction::Accepted, what)?;
            }
            "pattern" => self.pattern()?,
            "enum" => self.enumeration(),
            "minimum" | "maximum" => self.range()?,
            "maxProperties" | "minProperties" | "maxItems" | "minItems" => self.size()?,
            "connector-key" => self.connector_key(),
            "label-for-custom-connector" => self.label(),
            other => return Err(format!("no case generator for the keyword `{other}`")),
        }
        Ok(())
    }

    fn types(&mut self) {
        let ty = self.rule.schema.get("type").and_then(Value::as_str);
        let mut bad = match ty {
            Some("string") => vec![json!(42), json!(true)],
            Some("integer") | Some("number") => vec![json!("443"), json!(true)],
            Some("boolean") => vec![json!("true"), json!(1)],
            Some("array") => vec![json!({"n": 1})],
            Some("object") => vec![json!([1, 2, 3]), json!("x")],
            _ => Vec::new(),
        };
        if self.path.is_empty() {
            // The body itself: any JSON that is not an object.
            for b in [json!([1, 2]), json!("profile"), json!(42), Value::Null] {
                self.push(Direction::Refused, format!("a body of {b}"), b, &[]);
            }
            self.keep_base("an object");
            return;
        }
        if self.key {
            return self.keep_base("a string key");
        }
        bad.push(Value::Null);
        for b in bad {
            let also: &[&'static str] = if b.is_null() {
                &["schema.null-is-not-absence"]
            } else {
                &[]
            };
            self.set(Direction::Refused, format!("wrong type ({b})"), b, also);
        }
        if ty == Some("integer") {
            for f in [json!(1.5), json!(443.5)] {
                self.set(Direction::Refused, format!("{f} is not an integer"), f, &[]);
            }
            if let Some(i) = self.current().and_then(Value::as_i64) {
                let what = format!("{i}.0, the integer written with a fraction");
                self.set(Direction::Accepted, what, json!(i as f64), &[]);
            }
        }
        if ty == Some("boolean") {
            let flipped = !self.current().and_then(Value::as_bool).unwrap_or(false);
            self.set(
                Direction::Accepted,
                format!("{flipped}"),
                json!(flipped),
                &[],
            );
        }
        self.keep_base("a value of its type");
    }

    /// A value of `len` characters at the location that keeps its pattern (when one can).
    fn length(&mut self, len: usize, dir: Direction, what: &str) -> Result<(), String> {
        let like = self.current_str();
        let mut s = self.rule.schema.clone();
        if let Some(m) = s.as_object_mut() {
            m.remove("minLength");
            m.remove("maxLength");
        }
        let value = match s.get("pattern").and_then(Value::as_str) {
            Some(p) => pattern(p)
                .ok_or("unreadable pattern")?
                .of_length(len, like.as_deref()),
            None => string_for(&s, like.as_deref()).map(|v| {
                let mut v: String = v.chars().chain(std::iter::repeat('x')).take(len).collect();
                v.truncate(v.char_indices().nth(len).map_or(v.len(), |(i, _)| i));
                v
            }),
        };
        // Where the pattern itself rules the length out, the case breaks it too (it cannot not).
        let value = value.unwrap_or_else(|| "a".repeat(len));
        let desc = format!("{len} characters ({what})");
        self.set(dir, desc, json!(value), &[]);
        Ok(())
    }

    fn pattern(&mut self) -> Result<(), String> {
        let p = self.rule.schema["pattern"].as_str().ok_or("no pattern")?;
        let pat = pattern(p).ok_or_else(|| format!("the generator cannot read {p}"))?;
        let valid = self.current_str().ok_or("no value at the location")?;
        let max = self.rule.schema.get("maxLength").and_then(Value::as_u64);
        let min = self
            .rule
            .schema
            .get("minLength")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let fits = |v: &str| {
            let n = v.chars().count();
            n >= min && max.is_none_or(|m| n as u64 <= m)
        };
        let whole = &["schema.whole-value"];
        // Near misses that keep the length bounds, spread over what the generator found.
        let spread = |all: Vec<crate::contract::pattern::NearMiss>, n: usize| {
            let kept: Vec<_> = all.into_iter().filter(|m| fits(&m.value)).collect();
            let step = (kept.len() / n.max(1)).max(1);
            kept.into_iter().step_by(step).take(n).collect::<Vec<_>>()
        };
        let mut misses = spread(pat.near_misses(&valid, 32), MISSES);
        let long_len = max.map_or(200, |m| m.min(200)) as usize;
        if long_len > 64
            && let Some(long) = pat.of_length(long_len, Some(&valid))
        {
            let deep = pat.near_misses(&long, 64);
            misses.extend(spread(
                deep.into_iter().filter(|m| m.position > 64).collect(),
                DEEP_MISSES,
            ));
        }
        for alt in pat.alternatives() {
            if alt.is_empty() {
                let also = &["schema.empty-optional-config"];
                self.set(
                    Direction::Accepted,
                    "\"\" (an empty string)".into(),
                    json!(""),
                    also,
                );
                continue;
            }
            if fits(&alt) {
                let what = format!("a value of another alternative ({alt:?})");
                self.set(Direction::Accepted, what, json!(alt), whole);
            }
            misses.extend(spread(pat.near_misses(&alt, 16), 2));
        }
        // What a validator of another partition's ARNs lets through (`arn:aws-cn:kms:…`).
        if valid.starts_with("arn:aws:") {
            let other = valid.replacen("arn:aws:", "arn:aws-cn:", 1);
            if !pat.matches(&other) && fits(&other) {
                let what = "an ARN of another partition (arn:aws-cn:)".to_owned();
                self.set(Direction::Refused, what, json!(other), whole);
            }
        }
        if !pat.matches("") && min == 0 && !self.key {
            let also = &["schema.empty-optional-config"];
            self.set(
                Direction::Refused,
                "\"\" (an empty string)".into(),
                json!(""),
                also,
            );
        }
        for m in misses {
            let what = format!(
                "one character away ({:?} at {}, {})",
                m.edit, m.position, m.class
            );
            self.set(Direction::Refused, what, json!(m.value), whole);
        }
        self.keep_base("a value that matches");
        Ok(())
    }

    fn enumeration(&mut self) {
        let options: Vec<String> = self.rule.schema["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let current = self.current_str().unwrap_or_default();
        let mut bad = vec![
            "NOT_A_VALUE".to_owned(),
            current.to_lowercase(),
            current.to_uppercase(),
        ];
        let is_type = self.rule.location == "/connectorType";
        if is_type {
            // The model keys that differ from the enum's spelling (ServiceNow for Servicenow).
            bad.extend(
                connector_types()
                    .iter()
                    .filter_map(|t| connector_key(t).filter(|k| k != t).map(str::to_owned)),
            );
        }
        bad.retain(|b| !options.contains(b));
        bad.dedup();
        for b in bad {
            // Spelled as a model key: the request of the type whose key it is, so that only the
            // spelling of connectorType is wrong.
            let body = match connector_types()
                .iter()
                .find(|t| connector_key(t) == Some(&b))
            {
                Some(t) if is_type => self.bases.full(t).cloned().map(|mut v| {
                    v["connectorType"] = json!(b);
                    v
                }),
                _ => self.with(json!(b)),
            };
            if let Some(body) = body {
                let also = &["schema.enums-exact"];
                self.push(
                    Direction::Refused,
                    format!("not an allowed value ({b:?})"),
                    body,
                    also,
                );
            }
        }
        if !is_type {
            for o in options {
                let also = &["schema.enums-exact"];
                self.set(
                    Direction::Accepted,
                    format!("the allowed value {o:?}"),
                    json!(o),
                    also,
                );
            }
        }
    }

    fn range(&mut self) -> Result<(), String> {
        let s = &self.rule.schema;
        let kw = self.rule.keyword.as_str();
        let edge = s.get(kw).and_then(Value::as_i64).ok_or("no bound")?;
        let out = if kw == "minimum" { edge - 1 } else { edge + 1 };
        self.set(
            Direction::Refused,
            format!("{out} ({kw} {edge})"),
            json!(out),
            &[],
        );
        self.set(
            Direction::Accepted,
            format!("{edge} (the {kw})"),
            json!(edge),
            &[],
        );
        if kw == "maximum" {
            // Integers far beyond u64 and beyond f64, written out: JSON values cannot hold them.
            let current = self.current().cloned().ok_or("no value at the location")?;
            let member = self.path.last().cloned().unwrap_or_default();
            let text = serde_json::to_string(self.base).unwrap_or_default();
            let from = format!("\"{member}\":{current}");
            for digits in [30usize, 400] {
                let huge = format!("9{}", "0".repeat(digits - 1));
                if text.matches(&from).count() == 1 {
                    let raw = text.replacen(&from, &format!("\"{member}\":{huge}"), 1);
                    let what = format!("an integer of {digits} digits (maximum {edge})");
                    self.push_raw(Direction::Refused, what, self.base.clone(), Some(raw), &[]);
                }
            }
        }
        Ok(())
    }

    fn size(&mut self) -> Result<(), String> {
        let kw = self.rule.keyword.as_str();
        let n = self
            .rule
            .schema
            .get(kw)
            .and_then(Value::as_u64)
            .ok_or("no bound")? as usize;
        let current = self.current().cloned().ok_or("no value at the location")?;
        if is_container(&self.rule.location) && kw == "maxProperties" {
            // A config container: one connector key at most.
            let other = other_key(self.rule.connector_type.as_deref().or(Some(DEFAULT_TYPE)));
            let mut two = current.clone();
            if let Value::Object(m) = &mut two {
                m.insert(other.to_owned(), json!({}));
            }
            self.set(
                Direction::Refused,
                format!("a second connector key ({other})"),
                two,
                &[],
            );
            self.set(
                Direction::Accepted,
                "no connector key".into(),
                json!({}),
                &[],
            );
            self.keep_base("one connector key");
            return Ok(());
        }
        let grow = |count: usize| -> Option<Value> {
            match &current {
                Value::Object(m) => {
                    let (k0, v0) = m.iter().next()?;
                    let keys = self.rule.schema.get("propertyNames");
                    let mut out = Map::new();
                    for i in 0..count {
                        let key = match keys {
                            Some(k) => string_for(k, Some(&format!("{k0}{i}")))?,
                            None => format!("{k0}{i}"),
                        };
                        out.insert(key, v0.clone());
                    }
                    Some(Value::Object(out))
                }
                Value::Array(a) => Some(Value::Array(vec![a.first()?.clone(); count])),
                _ => None,
            }
        };
        let over = if kw.starts_with("max") {
            n + 1
        } else {
            n.saturating_sub(1)
        };
        if (kw.starts_with("max") || n > 0)
            && let Some(v) = grow(over)
        {
            self.set(
                Direction::Refused,
                format!("{over} entries ({kw} {n})"),
                v,
                &[],
            );
        }
        let v = grow(n).ok_or("cannot grow the value")?;
        self.set(Direction::Accepted, format!("exactly {n} entries"), v, &[]);
        Ok(())
    }

    fn connector_key(&mut self) {
        let ty = self.rule.connector_type.as_deref().unwrap_or(DEFAULT_TYPE);
        let Some(Value::Object(current)) = self.current().cloned() else {
            return;
        };
        let other = other_key(Some(ty));
        if let Some((key, inner)) = current.iter().next() {
            let mut swapped = Map::new();
            swapped.insert(other.to_owned(), inner.clone());
            let what = format!("connector key {other} where connectorType names {key}");
            self.set(Direction::Refused, what, Value::Object(swapped), &[]);
        }
        self.set(
            Direction::Accepted,
            "no connector key".into(),
            json!({}),
            &[],
        );
        self.keep_base("the key connectorType names");
    }

    fn label(&mut self) {
        let mut body = self.base.clone();
        if let Some(m) = body.as_object_mut() {
            m.remove("connectorLabel");
        }
        self.push(
            Direction::Refused,
            "CustomConnector without connectorLabel".into(),
            body,
            &[],
        );
        self.keep_base("CustomConnector with connectorLabel");
    }
}

/// A connector key that is not `connector_type`'s.
fn other_key(connector_type: Option<&str>) -> &'static str {
    let own = connector_type.and_then(connector_key);
    connector_types()
        .iter()
        .filter_map(|t| connector_key(t))
        .find(|k| Some(*k) != own)
        .unwrap_or("Salesforce")
}
