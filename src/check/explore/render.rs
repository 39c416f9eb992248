//! Rendering a program: each step's request as bytes for the target and the model (the same JSON
//! value in every spelling), the bodies made from the seed (so no credential is ever written down).

use super::program::{Http, Name, Recipe, Spelling, Step, Tok, Tweak};
use crate::check::coverage::RuleSet;
use crate::contract::Operation;
use crate::contract::examples::ExampleGen;
use serde_json::{Value, json};

/// Which account header a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountHeader {
    /// The step's account.
    Account,
    /// None (the default account).
    Absent,
    /// An empty one.
    Empty,
    /// One that is not 12 digits.
    Bad,
    /// The default account, named (`000000000000`).
    Default,
}

impl AccountHeader {
    /// The header's value for a step in `account` (`None`: no header).
    pub fn value<'a>(&self, account: &'a str) -> Option<&'a str> {
        match self {
            AccountHeader::Account => Some(account),
            AccountHeader::Absent => None,
            AccountHeader::Empty => Some(""),
            AccountHeader::Bad => Some("12"),
            AccountHeader::Default => Some(crate::contract::DEFAULT_ACCOUNT),
        }
    }
}

/// One request, ready for both sides.
#[derive(Debug, Clone)]
pub struct Wire {
    /// The operation its path names.
    pub op: Operation,
    /// The method.
    pub method: String,
    /// The path (with a query string, if any).
    pub path: String,
    /// The content type.
    pub content_type: Option<String>,
    /// The account header.
    pub account: AccountHeader,
    /// The JSON value the body writes (for secrets, and for a describe's token), when it is one.
    pub value: Option<Value>,
    /// The body's bytes (a describe continuing a walk gets its `nextToken` put in per side).
    pub body: Vec<u8>,
    /// A describe that continues the last page of its account.
    pub next: bool,
    /// How the body is written (a describe's token is put in with it).
    pub spelling: Spelling,
}

impl Wire {
    /// The body with the describe's `nextToken` (each side's own) put in.
    pub fn body_with(&self, token: Option<&str>) -> Vec<u8> {
        match (&self.value, token) {
            (Some(v), Some(t)) if self.next => {
                let mut v = v.clone();
                v["nextToken"] = json!(t);
                write(&v, self.spelling)
            }
            _ => self.body.clone(),
        }
    }

    /// Makes a request in the shared default account this run's own: its name and token get
    /// `nonce` (a rerun, when shrinking or replaying, must not meet the profile an earlier run made).
    pub fn own_run(&mut self, nonce: u32) {
        if self.account != AccountHeader::Absent && self.account != AccountHeader::Default {
            return;
        }
        if let Some(v) = &mut self.value {
            for key in ["connectorProfileName", "clientToken"] {
                if let Some(s) = v[key].as_str() {
                    v[key] = json!(format!("{s}-{nonce:x}"));
                }
            }
            self.body = write(v, self.spelling);
        }
    }
}

/// What a program is rendered with.
pub struct Render<'a> {
    /// The run's name prefix (`ah-XXXXXX-`).
    pub prefix: &'a str,
    /// The run's seed (the parameters' variants and the rule cases follow from it).
    pub seed: u64,
    /// The contract's rules and their cases.
    pub rules: &'a RuleSet,
    /// The size limit.
    pub max_body: usize,
    /// Bodies made so far, by type and variant (making one is most of a request's rendering).
    pub made: parking_lot::Mutex<std::collections::HashMap<(String, u8), Value>>,
}

impl Render<'_> {
    /// The name `n` stands for.
    pub fn name(&self, n: &Name) -> String {
        let s = format!("{}n{}", self.prefix, n.n);
        if n.upper { s.to_uppercase() } else { s }
    }

    fn token(t: &Tok) -> String {
        if t.blank {
            " ".repeat(usize::from(t.n) + 1)
        } else if t.upper {
            format!("TOK-{}", t.n)
        } else {
            format!("tok-{}", t.n)
        }
    }

    /// A valid create of `connector_type`'s parameters `variant`, named `name`.
    fn create_body(&self, connector_type: &str, name: &str, variant: u8) -> Value {
        let key = (connector_type.to_owned(), variant);
        let mut body = self
            .made
            .lock()
            .entry(key)
            .or_insert_with(|| {
                let seed = self
                    .seed
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    .wrapping_add(u64::from(variant) << 32)
                    .wrapping_add(type_seed(connector_type));
                ExampleGen::new(seed).request(connector_type, "")
            })
            .clone();
        body["connectorProfileName"] = json!(name);
        body
    }

    /// The `step`-th step's request (`fill` is the index of a fill's request).
    pub fn wire(&self, index: usize, step: &Step, fill: usize) -> Wire {
        let json_post = |op: Operation, value: Value, spelling: Spelling| Wire {
            op,
            method: "POST".into(),
            path: op.path().into(),
            content_type: Some("application/json".into()),
            account: AccountHeader::Account,
            body: write(&value, spelling),
            value: Some(value),
            next: false,
            spelling,
        };
        match &step.recipe {
            Recipe::Create {
                connector_type,
                name,
                token,
                variant,
                private,
                spelling,
                tweak,
            } => {
                let mut b = self.create_body(connector_type, &self.name(name), *variant);
                tweak_body(&mut b, *tweak);
                set_token(&mut b, token.as_ref());
                if *private {
                    b["connectionMode"] = json!("Private");
                }
                json_post(Operation::Create, b, *spelling)
            }
            Recipe::Fill { .. } => {
                let name = format!("{}f{index}-{fill}", self.prefix);
                json_post(
                    Operation::Create,
                    self.create_body("S3", &name, 0),
                    Spelling::Plain,
                )
            }
            Recipe::Case { index, name, token } => {
                let cases = &self.rules.cases;
                let Some((case, _)) = cases.get(*index as usize % cases.len().max(1)) else {
                    return json_post(Operation::Create, json!({}), Spelling::Plain);
                };
                if let Some(raw) = &case.raw {
                    let mut w = json_post(Operation::Create, case.body.clone(), Spelling::Plain);
                    w.body = raw.clone().into_bytes();
                    return w;
                }
                let mut b = case.body.clone();
                if case.pointer != "/connectorProfileName" && b["connectorProfileName"].is_string()
                {
                    b["connectorProfileName"] = json!(self.name(name));
                }
                if case.pointer != "/clientToken" {
                    set_token(&mut b, token.as_ref());
                }
                json_post(Operation::Create, b, Spelling::Plain)
            }
            Recipe::Http { variant, name } => {
                let valid = self.create_body("Datadog", &self.name(name), 0);
                let mut w = json_post(Operation::Create, valid, Spelling::Plain);
                match variant {
                    Http::LowerCaseMethod => w.method = "post".into(),
                    Http::Get => w.method = "GET".into(),
                    Http::QueryString => w.path.push_str("?trace=1&x=%20"),
                    Http::ContentType(ct) => w.content_type = Some(ct.clone()),
                    Http::AtLimit | Http::OverLimit | Http::OverLimitBadAccount => {
                        let want = self.max_body + usize::from(*variant != Http::AtLimit);
                        w.body.resize(want.max(w.body.len()), b' ');
                        if *variant == Http::OverLimitBadAccount {
                            w.account = AccountHeader::Bad;
                        }
                    }
                    Http::NoAccount => {
                        // Refused whatever the default account holds (other runs share it).
                        let v = json!({"connectorProfileName": self.name(name)});
                        w = json_post(Operation::Create, v, Spelling::Plain);
                        w.account = AccountHeader::Absent;
                    }
                    Http::EmptyAccount => w.account = AccountHeader::Empty,
                    Http::BadAccount => w.account = AccountHeader::Bad,
                    Http::Malformed => {
                        w.body.truncate(w.body.len() / 2);
                    }
                    Http::TrailingData => w.body.extend_from_slice(b" x"),
                    Http::DefaultAccount(n) => {
                        // A name and token of this run's own: the default account is shared.
                        let mut v =
                            self.create_body("Datadog", &format!("{}d{n:x}", self.prefix), 0);
                        v["clientToken"] = json!(format!("{}dt{n:x}", self.prefix));
                        w = json_post(Operation::Create, v, Spelling::Plain);
                        w.account = if fill == 0 {
                            AccountHeader::Absent
                        } else {
                            AccountHeader::Default
                        };
                    }
                }
                w
            }
            Recipe::Describe {
                names,
                connector_type,
                max,
                next,
            } => {
                let mut v = json!({});
                if !names.is_empty() {
                    v["connectorProfileNames"] =
                        json!(names.iter().map(|n| self.name(n)).collect::<Vec<_>>());
                }
                if let Some(t) = connector_type {
                    v["connectorType"] = json!(t);
                }
                if let Some(m) = max {
                    v["maxResults"] = json!(m);
                }
                let mut w = json_post(Operation::Describe, v, Spelling::Plain);
                w.next = *next;
                w
            }
            Recipe::Update {
                connector_type,
                name,
                variant,
                private,
                token,
            } => {
                let b = self.create_body(connector_type, &self.name(name), *variant);
                let mut v = json!({
                    "connectorProfileName": b["connectorProfileName"],
                    "connectionMode": if *private { "Private" } else { "Public" },
                    "connectorProfileConfig": b["connectorProfileConfig"],
                });
                set_token(&mut v, token.as_ref());
                json_post(Operation::Update, v, Spelling::Plain)
            }
            Recipe::Delete { name } => json_post(
                Operation::Delete,
                json!({"connectorProfileName": self.name(name)}),
                Spelling::Plain,
            ),
        }
    }
}

fn tweak_body(body: &mut Value, tweak: Tweak) {
    fn upper(v: &mut Value) {
        match v {
            Value::String(s) => *s = s.to_uppercase(),
            Value::Array(items) => items.iter_mut().for_each(upper),
            Value::Object(m) => m.values_mut().for_each(upper),
            _ => {}
        }
    }
    let config = &mut body["connectorProfileConfig"];
    match tweak {
        Tweak::None => {}
        Tweak::UpperCredentials => upper(&mut config["connectorProfileCredentials"]),
        Tweak::Scopes | Tweak::ScopesReversed => {
            if let Some(p) = config["connectorProfileProperties"]
                .get_mut("SAPOData")
                .and_then(Value::as_object_mut)
            {
                let mut scopes = vec!["read", "write"];
                if tweak == Tweak::ScopesReversed {
                    scopes.reverse();
                }
                p.insert(
                    "oAuthProperties".into(),
                    json!({
                        "authCodeUrl": "https://auth.example.com/authorize",
                        "tokenUrl": "https://auth.example.com/token",
                        "oAuthScopes": scopes,
                    }),
                );
            }
        }
    }
}

fn set_token(body: &mut Value, token: Option<&Tok>) {
    if let Some(obj) = body.as_object_mut() {
        match token {
            Some(t) => {
                obj.insert("clientToken".into(), json!(Render::token(t)));
            }
            None => {
                obj.remove("clientToken");
            }
        }
    }
}

fn type_seed(connector_type: &str) -> u64 {
    connector_type
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}

/// Writes `v` as JSON in `spelling` (the same JSON value every way).
pub fn write(v: &Value, spelling: Spelling) -> Vec<u8> {
    let mut out = String::new();
    write_value(v, spelling, &mut out);
    out.into_bytes()
}

fn write_value(v: &Value, sp: Spelling, out: &mut String) {
    let space = if sp == Spelling::Spaced { " " } else { "" };
    match v {
        Value::Null | Value::Bool(_) => out.push_str(&v.to_string()),
        Value::Number(n) => {
            out.push_str(&n.to_string());
            if sp == Spelling::Floats && (n.is_u64() || n.is_i64()) {
                out.push_str(".0");
            }
        }
        Value::String(s) => write_string(s, sp, out),
        Value::Array(items) => {
            out.push('[');
            out.push_str(space);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    out.push_str(space);
                }
                write_value(item, sp, out);
            }
            out.push_str(space);
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            out.push_str(space);
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if sp == Spelling::Reordered {
                entries.reverse();
            }
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                    out.push_str(space);
                }
                write_string(k, sp, out);
                out.push_str(space);
                out.push(':');
                out.push_str(space);
                write_value(item, sp, out);
            }
            out.push_str(space);
            out.push('}');
        }
    }
}

fn write_string(s: &str, sp: Spelling, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            'e' if sp == Spelling::Escaped => out.push_str("\\u0065"),
            '/' if sp == Spelling::Escaped => out.push_str("\\/"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
