//! The rest of the lifecycle, after its request was read and validated (steps 7 and on): describe's
//! pages, update's token, missing profile and config against the stored type, delete. Each decided
//! under the account's lock, as the create is.

use super::create::under_key;
use super::decide::StubResponse;
use super::fault::Fault;
use super::machine::{Account, Namespace, StoredProfile, UpdateDecision};
use super::state::Stub;
use crate::contract::{self, ErrorCode, Operation, Violation};
use jsonschema::json::SerdeJson;
use serde_json::{Value, json};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// A describe's page size when the request names none.
pub const DEFAULT_PAGE: usize = 20;

/// A describe's filters, as the request gives them.
struct Query<'a> {
    names: Option<Vec<&'a str>>,
    connector_type: Option<&'a str>,
    label: Option<&'a str>,
}

impl Query<'_> {
    fn keeps(&self, p: &StoredProfile, key: &dyn Fn(&str) -> String) -> bool {
        self.names
            .as_ref()
            .is_none_or(|n| n.iter().any(|n| key(n) == key(&p.name)))
            && self.connector_type.is_none_or(|t| p.connector_type() == t)
            && self.label.is_none_or(|l| p.label.as_deref() == Some(l))
    }

    /// A digest of the filters (not of the page size): a page's token belongs to them.
    fn digest(&self) -> u64 {
        let mut names = self.names.clone().unwrap_or_default();
        names.sort_unstable();
        let text = format!(
            "{names:?}\u{0}{:?}\u{0}{:?}",
            self.connector_type, self.label
        );
        xxh3_64_with_seed(text.as_bytes(), 0x5eed)
    }
}

impl Stub {
    /// A describe, update or delete of `account` with its valid `body`.
    pub(super) fn lifecycle(&self, op: Operation, account: u64, body: &Value) -> StubResponse {
        match op {
            Operation::Describe => self.describe(account, body),
            Operation::Update => self.update(account, body),
            Operation::Delete => self.delete(account, body),
            Operation::Create => self.error(ErrorCode::InternalError),
        }
    }

    /// The key a name is kept under (the name itself, but under a fault that ignores case).
    fn key(&self, name: &str) -> String {
        if self.config.faults.has(Fault::NamesCaseInsensitive) {
            name.to_lowercase()
        } else {
            name.to_owned()
        }
    }

    /// A page token: where the page ended, the filters' digest and a check of both, so any other
    /// value (or a token of another query, or of another account) is refused.
    fn next_token(&self, account: u64, seq: u64, digest: u64) -> String {
        let mac = xxh3_64_with_seed(
            format!("{account}:{seq}:{digest}").as_bytes(),
            self.token_secret,
        );
        format!("{seq:x}.{digest:x}.{mac:x}")
    }

    fn read_token(&self, account: u64, token: &str, digest: u64) -> Option<u64> {
        let mut parts = token.split('.');
        let seq = u64::from_str_radix(parts.next()?, 16).ok()?;
        let d = u64::from_str_radix(parts.next()?, 16).ok()?;
        let rest = parts.next()?;
        (parts.next().is_none()
            && d == digest
            && self.next_token(account, seq, digest).ends_with(rest))
        .then_some(seq)
    }

    fn describe(&self, account: u64, body: &Value) -> StubResponse {
        let names: Option<Vec<&str>> = body
            .get("connectorProfileNames")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .filter(|n| !n.is_empty());
        let query = Query {
            names,
            connector_type: body
                .get("connectorType")
                .and_then(Value::as_str)
                .filter(|_| !self.config.faults.has(Fault::DescribeIgnoresTypeFilter)),
            label: body.get("connectorLabel").and_then(Value::as_str),
        };
        let max = body
            .get("maxResults")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_PAGE, |n| n as usize);
        let digest = query.digest();
        let after = match body.get("nextToken").and_then(Value::as_str) {
            None => None,
            Some(t) => match self.read_token(account, t, digest) {
                Some(seq) => Some(seq),
                None => {
                    return self.refuse(
                        vec![Violation {
                            field: "/nextToken".into(),
                            reason: "is not a token a page of this query returned".into(),
                        }],
                        body,
                    );
                }
            },
        };
        let faults = self.config.faults;
        let shard = self.shard(account).read();
        let empty = Account::default();
        let acc = shard.accounts.get(&account).unwrap_or(&empty);
        let key = |n: &str| self.key(n);
        let (page, more) = acc.page(after, max, |p| query.keeps(p, &key));
        let more = more || (faults.has(Fault::TokenOnLastPage) && page.len() == max);
        let mut next = more.then(|| page.last().map(|p| p.seq)).flatten();
        if faults.has(Fault::PageSkipsProfile)
            && let Some(seq) = &mut next
        {
            // The next page starts one profile late.
            *seq = acc
                .page(Some(*seq), 1, |p| query.keeps(p, &key))
                .0
                .first()
                .map_or(*seq, |p| p.seq);
        }
        let details: Vec<Value> = page
            .iter()
            .map(|p| {
                let mut d = self.detail(account, p);
                if faults.has(Fault::DescribeDropsProperties)
                    && let Some(m) = d.as_object_mut()
                {
                    m.remove("connectorProfileProperties");
                }
                if faults.has(Fault::DescribeShowsCredentials)
                    && let Some(c) = self
                        .kept_credentials
                        .lock()
                        .get(&(account, p.name.to_string()))
                {
                    d["connectorProfileCredentials"] = c.clone();
                }
                d
            })
            .collect();
        drop(shard);
        let next = next.map(|seq| self.next_token(account, seq, digest));
        self.page(details, next)
    }

    fn update(&self, account: u64, body: &Value) -> StubResponse {
        let faults = self.config.faults;
        let name = body["connectorProfileName"].as_str().unwrap_or_default();
        let key = self.key(name);
        let token = body
            .get(contract::fingerprint::TOKEN_MEMBER)
            .and_then(Value::as_str)
            .filter(|_| !faults.has(Fault::UpdateIgnoresToken));
        let fp = token.map(|_| contract::fingerprint(body));
        let private = body["connectionMode"] == "Private";
        let config = body.get("connectorProfileConfig");
        let now = self.now();
        let mut shard = self.shard(account).write();
        shard.purge(now);
        let acc = shard.accounts.entry(account).or_default();
        match acc.decide_update(token, fp, &key, now) {
            UpdateDecision::Replay(answer) => {
                // The update's own namespace: its first answer again, even after a delete.
                drop(shard);
                return self.updated(account, &answer);
            }
            UpdateDecision::Mismatch => {
                drop(shard);
                return self.error(ErrorCode::IdempotentParameterMismatch);
            }
            UpdateDecision::Missing => {
                drop(shard);
                if faults.has(Fault::UpdateMissingIs400) {
                    let v = Violation {
                        field: "/connectorProfileName".into(),
                        reason: "names no profile".into(),
                    };
                    return self.refuse(vec![v], body);
                }
                return self.error(ErrorCode::ResourceNotFound);
            }
            UpdateDecision::Apply => {}
        }
        let Some(stored) = acc.by_name(&key) else {
            drop(shard);
            return self.error(ErrorCode::ResourceNotFound);
        };
        // The config, checked as on create, against the profile's stored type and label.
        let ty = stored.connector_type();
        let mut as_create = json!({
            "connectorProfileName": name,
            "connectorType": ty,
            "connectionMode": body["connectionMode"],
            "connectorProfileConfig": config.cloned().unwrap_or(Value::Null),
        });
        if let Some(l) = &stored.label {
            as_create["connectorLabel"] = json!(&**l);
        }
        let violations: Vec<Violation> = contract::validate(&as_create)
            .into_iter()
            .filter(|v| v.field.starts_with("/connectorProfileConfig"))
            .collect();
        if !violations.is_empty() {
            drop(shard);
            return self.refuse(violations, body);
        }
        let properties =
            under_key::<SerdeJson>(config.and_then(|c| c.get("connectorProfileProperties")), ty);
        let credentials = config.is_some_and(|c| c.get("connectorProfileCredentials").is_some());
        let moved = faults.has(Fault::UpdateMovesCreatedAt);
        let Some(p) = acc.update(&key, private, (properties.into(), credentials), now) else {
            drop(shard);
            return self.error(ErrorCode::ResourceNotFound);
        };
        let mut answer = p.answer();
        if moved {
            answer.created_at = now;
            let seq = p.seq;
            if let Some(p) = acc.profiles.get_mut(&seq) {
                p.created_at = now;
            }
        }
        if let (Some(t), Some(fp)) = (token, fp) {
            let expires_at = now + self.ttl();
            acc.bind(
                Namespace::Update,
                t.into(),
                fp,
                Some(answer.clone()),
                expires_at,
            );
            shard.expire_later(expires_at, account, Namespace::Update, t.into());
        }
        drop(shard);
        self.keep_credentials(account, name, config);
        self.updated(account, &answer)
    }

    fn delete(&self, account: u64, body: &Value) -> StubResponse {
        let faults = self.config.faults;
        let key = self.key(body["connectorProfileName"].as_str().unwrap_or_default());
        let now = self.now();
        let mut shard = self.shard(account).write();
        shard.purge(now);
        let acc = shard.accounts.entry(account).or_default();
        let Some(gone) = acc.delete(&key) else {
            drop(shard);
            if faults.has(Fault::DeleteMissingSucceeds) {
                let nothing = super::machine::Answered {
                    id: rand::random(),
                    created_at: now,
                    name: key.into(),
                };
                return self.deleted(account, &nothing);
            }
            return self.error(ErrorCode::ResourceNotFound);
        };
        if faults.has(Fault::DeleteKeepsSlot) {
            acc.refused += 1;
        }
        if faults.has(Fault::DeleteForgetsTokens) {
            acc.tokens
                .retain(|_, e| e.answer.as_ref().is_none_or(|a| a.id != gone.id));
        }
        drop(shard);
        self.kept_credentials
            .lock()
            .remove(&(account, gone.name.to_string()));
        self.deleted(account, &gone.answer())
    }

    /// Under `Fault::DescribeShowsCredentials`: what it shows (nothing is kept otherwise).
    pub(super) fn keep_credentials(&self, account: u64, name: &str, config: Option<&Value>) {
        if self.config.faults.has(Fault::DescribeShowsCredentials)
            && let Some(c) = config.and_then(|c| c.get("connectorProfileCredentials"))
        {
            self.kept_credentials
                .lock()
                .insert((account, name.to_owned()), c.clone());
        }
    }
}
