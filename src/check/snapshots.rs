//! `check --snapshots DIR`: every exchange of the run, normalized and secret-free, as insta snapshots,
//! one per check. This module renders them as data ([`render`]); the binary compares them with the
//! files in DIR and writes a changed or new one as `NAME.snap.new` beside it, so `cargo insta review`
//! (or `cargo insta accept`) in the team's own repository shows exactly what changed.

use crate::contract::ErrorTable;
use crate::contract::judge::{self, Shape};
use crate::contract::redact::redact_request;
use crate::http::{Exchange, Target};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Replaces the values that change from run to run (ids, times, credentials ARNs, page tokens,
/// accounts, the run prefix), wherever they are: a create's `data`, AppFlow's answer, each detail of
/// a describe page. A value is masked only when it is well formed, so a broken `created_at` or an
/// empty `id` still shows.
pub fn normalize_response(v: &Value, account: Option<&str>) -> Value {
    let mut v = v.clone();
    mask_varying(&mut v);
    normalize_strings(&mut v, account);
    v
}

fn mask_varying(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                let masked = match (k.as_str(), &*val) {
                    ("id" | "nextToken", Value::String(s)) if !s.is_empty() => true,
                    ("credentialsArn", Value::String(s)) => s.starts_with("arn:"),
                    ("created_at" | "createdAt" | "lastUpdatedAt", Value::String(t)) => {
                        chrono::DateTime::parse_from_rfc3339(t).is_ok()
                    }
                    // AppFlow's REST-JSON times are epoch seconds.
                    ("createdAt" | "lastUpdatedAt", Value::Number(n)) => {
                        n.as_f64().is_some_and(|t| t > 0.0)
                    }
                    _ => false,
                };
                if masked {
                    *val = Value::String(format!("[{k}]"));
                } else {
                    mask_varying(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_varying),
        _ => {}
    }
}

fn normalize_str(s: &str, account: Option<&str>) -> String {
    let mut out = s.to_owned();
    if let Some(a) = account.filter(|a| !a.is_empty()) {
        out = out.replace(a, "[account]");
    }
    // The run prefix `ah-XXXXXX-` differs per run.
    let mut result = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(pos) = rest.find("ah-") {
        result.push_str(&rest[..pos]);
        let tail = &rest[pos + 3..];
        if tail.len() > 7
            && tail.as_bytes()[6] == b'-'
            && tail[..6].bytes().all(|b| b.is_ascii_alphanumeric())
        {
            result.push_str("ah-[run]-");
            rest = &tail[7..];
        } else {
            result.push_str("ah-");
            rest = tail;
        }
    }
    result.push_str(rest);
    result
}

fn clip_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn normalize_strings(v: &mut Value, account: Option<&str>) {
    match v {
        Value::String(s) => *s = normalize_str(s, account),
        Value::Array(items) => items.iter_mut().for_each(|i| normalize_strings(i, account)),
        Value::Object(map) => map.values_mut().for_each(|i| normalize_strings(i, account)),
        _ => {}
    }
}

/// One exchange as review text: the request (redacted) and the normalized response.
pub fn render_exchange(target: &Target, ex: &Exchange) -> String {
    let (request, response) = render_parts(target, ex);
    format!("{request}{response}")
}

/// The request and the response of an exchange, each normalized and secret-free.
pub fn render_parts(target: &Target, ex: &Exchange) -> (String, String) {
    let account = ex.sent.account.as_deref();
    let path = ex
        .sent
        .url
        .strip_prefix(target.base())
        .unwrap_or(&ex.sent.url);
    let mut out = format!(">>> {} {path}\n", ex.sent.method);
    if account.is_some() {
        out.push_str(&format!("{}: [account]\n", target.account_header()));
    }
    if let Some(ct) = &ex.sent.content_type {
        out.push_str(&format!("content-type: {ct}\n"));
    }
    let body = match serde_json::from_slice::<Value>(&ex.sent.body) {
        Ok(v) => {
            let mut shown = redact_request(&v);
            // A page token is the target's own (opaque, and different on every run).
            if let Some(t) = shown
                .get_mut("nextToken")
                .filter(|t| t.as_str().is_some_and(|t| !t.is_empty()))
            {
                *t = Value::String("[nextToken]".into());
            }
            normalize_strings(&mut shown, account);
            let mut text = serde_json::to_string_pretty(&shown).unwrap_or_default();
            // Redaction hides which credentials were sent; a digest keeps two requests that differ only
            // there apart (for review and for pairing in `diff`) without showing them.
            if let Some(creds) = v
                .get("connectorProfileConfig")
                .and_then(|c| c.get("connectorProfileCredentials"))
            {
                let mut creds = creds.clone();
                normalize_strings(&mut creds, account);
                let digest =
                    crate::contract::fingerprint(&serde_json::json!({ "c": creds })).0 as u64;
                text.push_str(&format!("\n(credentials digest {digest:016x})"));
            }
            text
        }
        Err(_) if ex.sent.body.len() > 200 => {
            format!("<{} bytes that are not JSON>", ex.sent.body.len())
        }
        Err(_) => normalize_str(&String::from_utf8_lossy(&ex.sent.body), account),
    };
    if !ex.sent.body.is_empty() {
        out.push_str(&format!("\n{body}\n"));
    }
    let request = target.scrub(&out, &ex.sent.secrets);
    let mut out = String::new();
    match &ex.result {
        Err(e) => out.push_str(&format!("<<< no response ({})\n", e.kind())),
        Ok(r) => {
            out.push_str(&format!(
                "<<< {} {}\n",
                r.status,
                r.content_type.as_deref().unwrap_or("(no content-type)")
            ));
            if let Some(allow) = &r.allow {
                out.push_str(&format!("allow: {allow}\n"));
            }
            let text = match &r.json {
                Some(v) => serde_json::to_string_pretty(&normalize_response(v, account))
                    .unwrap_or_default(),
                // Scrubbed whole, then clipped, so no part of a secret survives the clip.
                None => normalize_str(
                    &clip_chars(
                        &target.scrub(&String::from_utf8_lossy(&r.body), &ex.sent.secrets),
                        500,
                    ),
                    account,
                ),
            };
            out.push_str(&format!("{text}\n"));
        }
    }
    (request, target.scrub(&out, &ex.sent.secrets))
}

/// One check's snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The check's ID.
    pub id: String,
    /// The file name without `.snap` (`appflow_harness__race__same_token`).
    pub name: String,
    /// The snapshot's content (below insta's header).
    pub content: String,
}

impl Snapshot {
    /// The whole file, insta's header included.
    pub fn file_text(&self) -> String {
        format!(
            "---\nsource: appflow-harness check\nexpression: \"{}\"\n---\n{}",
            self.id, self.content
        )
    }

    /// Whether an existing file's text holds this same content (insta's header aside).
    pub fn matches(&self, existing: &str) -> bool {
        existing
            .split_once("\n---\n")
            .is_some_and(|(_, body)| body.trim_end() == self.content.trim_end())
    }
}

/// One snapshot per check of a recorded run that sent anything, in catalogue order.
pub fn render(run: &super::Recorded) -> Vec<Snapshot> {
    let target = &run.target;
    run.exchanges
        .iter()
        .filter(|(_, exchanges)| !exchanges.is_empty())
        .map(|(id, exchanges)| {
            let content = if super::checks::group_of(id) == "race" {
                race_content(target, &run.table, exchanges)
            } else {
                // Concurrent requests finish in any order: sort so that an unchanged target gives
                // the same text.
                let mut parts: Vec<String> = exchanges
                    .iter()
                    .map(|e| render_exchange(target, e))
                    .collect();
                parts.sort();
                parts.join("\n")
            };
            Snapshot {
                id: id.clone(),
                name: format!(
                    "appflow_harness__{}",
                    id.replace('.', "__").replace('-', "_")
                ),
                content,
            }
        })
        .collect()
}

/// A race check's snapshot: which request won is the scheduler's choice, so it holds what does not
/// depend on arrival order: the distinct requests sent, how many answers of each status and code
/// came, and how many distinct profiles the successes name.
fn race_content(target: &Target, table: &ErrorTable, exchanges: &[Exchange]) -> String {
    let requests: BTreeSet<String> = exchanges
        .iter()
        .map(|e| render_parts(target, e).0)
        .collect();
    let mut out = requests.into_iter().collect::<Vec<_>>().join("\n");
    out.push_str(&format!(
        "\n<<< {} answers, counted (the order they came in is the scheduler's)\n{}",
        exchanges.len(),
        race_summary(table, exchanges)
    ));
    out
}

/// What a race check's answers were, whatever order they came in: the count of each status and code
/// (read by the judge, with the run's table and so its dialect) and the number of distinct ids among
/// the successes, a line each.
pub fn race_summary(table: &ErrorTable, exchanges: &[Exchange]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    for ex in exchanges {
        let outcome = match &ex.result {
            Ok(r) => {
                let judged = judge::judge(table, &r.answer(ex.sent.op()), &[]);
                if let Shape::Success { id: Some(id) } = &judged.shape {
                    ids.insert(id.clone());
                }
                judged.outcome()
            }
            Err(e) => format!("no response ({})", e.kind()),
        };
        *counts.entry(outcome).or_default() += 1;
    }
    let mut out: String = counts
        .iter()
        .map(|(line, n)| format!("{n} × {line}\n"))
        .collect();
    out.push_str(&format!("{} distinct ids among the successes\n", ids.len()));
    out
}
