//! A valid create, decided atomically per account (steps 7–11 of the order: token replay or
//! mismatch, name, quota, create), with the faults that bend it. A retry of a live token without
//! faults is decided under the shared side of the account's lock.

use super::decide::StubResponse;
use super::fault::Fault;
use super::machine::{
    Account, Answered, CreateDecision, Namespace, NewProfile, decide_create, type_index,
};
use super::state::Stub;
use crate::contract::doc::to_value;
use crate::contract::{self, ErrorCode, Fingerprint, connector_key};
use jsonschema::json::{Json, Node, Object};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// What a create needs of a valid request, read from whichever representation parsed it.
pub(super) struct Params<'a> {
    pub(super) name: String,
    /// The client token, if any.
    pub(super) token: Option<String>,
    /// The parameters' fingerprint (only with a token: without one there is nothing to compare).
    pub(super) fingerprint: Option<Fingerprint>,
    pub(super) connector_type: u8,
    pub(super) label: Option<Arc<str>>,
    pub(super) private: bool,
    /// `connectorProfileProperties` under the connector's key, as JSON text.
    pub(super) properties: Arc<str>,
    pub(super) credentials: bool,
    /// Only with `Fault::EchoCredentials`.
    pub(super) echo: Option<&'a Value>,
}

/// The JSON text of a config container's value under the connector's key (`{}` when there is none).
pub(super) fn under_key<'a, F: Json>(
    container: Option<F::Node<'a>>,
    connector_type: &str,
) -> String {
    let inner = connector_key(connector_type).and_then(|k| {
        container
            .as_ref()
            .and_then(|c| c.as_object())
            .and_then(|o| {
                o.members()
                    .find(|(name, _)| name.as_ref() == k)
                    .map(|(_, v)| v)
            })
    });
    inner.map_or_else(|| "{}".to_owned(), |v| to_value::<F>(&v).to_string())
}

impl<'a> Params<'a> {
    /// The create parameters of a valid request `root` (any representation).
    pub(super) fn of<'n, F: Json>(root: &F::Node<'n>, echo: Option<&'a Value>) -> Params<'a> {
        let obj = root.as_object();
        let member = |k: &str| {
            obj.as_ref().and_then(|o| {
                o.members()
                    .find(|(name, _)| name.as_ref() == k)
                    .map(|(_, v)| v)
            })
        };
        let text = |k: &str| member(k).and_then(|v| v.as_string().map(|s| s.to_string()));
        let token = text(contract::fingerprint::TOKEN_MEMBER);
        let connector_type = text("connectorType").unwrap_or_default();
        let config = member("connectorProfileConfig");
        let in_config = |k: &str| {
            config.as_ref().and_then(|c| c.as_object()).and_then(|o| {
                o.members()
                    .find(|(name, _)| name.as_ref() == k)
                    .map(|(_, v)| v)
            })
        };
        Params {
            name: text("connectorProfileName").unwrap_or_default(),
            fingerprint: token
                .as_ref()
                .map(|_| contract::fingerprint::fingerprint_of::<F>(root.clone())),
            token,
            connector_type: type_index(&connector_type).unwrap_or(0),
            label: text("connectorLabel").map(Arc::from),
            private: text("connectionMode").as_deref() == Some("Private"),
            properties: under_key::<F>(in_config("connectorProfileProperties"), &connector_type)
                .into(),
            credentials: in_config("connectorProfileCredentials").is_some(),
            echo,
        }
    }
}

impl Stub {
    pub(super) fn ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.token_ttl).unwrap_or(chrono::Duration::MAX)
    }

    pub(super) fn quota_of(&self, acc: &Account) -> u32 {
        let q = acc.quota.unwrap_or(self.config.quota);
        if self.config.faults.has(Fault::QuotaOffByOne) {
            q.saturating_add(1)
        } else {
            q
        }
    }

    /// With `Fault::FailedBindsToken`: a failed request's token is bound as if it had succeeded.
    pub(super) fn bind_failed_token(&self, account: u64, params: &Params<'_>) {
        if !self.config.faults.has(Fault::FailedBindsToken) {
            return;
        }
        let (Some(token), Some(fingerprint)) = (&params.token, params.fingerprint) else {
            return;
        };
        let now = self.now();
        let mut shard = self.shard(account).write();
        let acc = shard.accounts.entry(account).or_default();
        acc.bind(
            Namespace::Create,
            token.as_str().into(),
            fingerprint,
            None,
            now + self.ttl(),
        );
    }

    /// With `Fault::RefusalsUseQuota`: a refused request takes a place of the account's quota.
    pub(super) fn count_refusal(&self, account: u64) {
        if self.config.faults.has(Fault::RefusalsUseQuota) {
            let mut shard = self.shard(account).write();
            shard.accounts.entry(account).or_default().refused += 1;
        }
    }

    /// Step 7 for a live binding of `token`, read under the shared lock: the answer it was bound to,
    /// or the mismatch. `None` when the token is not bound (or a purge is due): then the exclusive
    /// lock decides. Only without faults, which the exclusive path knows.
    fn replay_shared(
        &self,
        account: u64,
        token: &str,
        fp: Option<Fingerprint>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Result<Answered, ErrorCode>> {
        let shard = self.shard(account).read();
        if shard.purge_due(now) {
            return None;
        }
        let acc = shard.accounts.get(&account)?;
        // With a live binding the decision is a replay or the mismatch, whatever else holds.
        match decide_create(
            Some(acc.bound(Namespace::Create, token, now)?),
            fp,
            false,
            false,
        ) {
            CreateDecision::Replay(answer) => Some(Ok(answer)),
            _ => Some(Err(ErrorCode::IdempotentParameterMismatch)),
        }
    }

    /// Steps 7–11 of the order: token replay or mismatch, name, quota, create — atomic per account.
    pub(super) fn create(&self, account: u64, params: Params<'_>) -> StubResponse {
        let faults = self.config.faults;
        // Faults that compare names or tokens ignoring case keep them by their lower case.
        let key: Arc<str> = if faults.has(Fault::NamesCaseInsensitive) {
            params.name.to_lowercase().into()
        } else {
            params.name.as_str().into()
        };
        let blank = |t: &String| faults.has(Fault::BlankTokenIgnored) && t.trim().is_empty();
        let token: Option<Arc<str>> = if faults.has(Fault::IgnoreToken) {
            None
        } else {
            params.token.as_ref().filter(|t| !blank(t)).map(|t| {
                if faults.has(Fault::TokensCaseInsensitive) {
                    t.to_lowercase().into()
                } else {
                    t.as_str().into()
                }
            })
        };
        let fp = params.fingerprint.filter(|_| token.is_some());
        let now = self.now();
        let echo = params.echo;
        if !faults.any()
            && let Some(t) = &token
            && let Some(replayed) = self.replay_shared(account, t, fp, now)
        {
            return match replayed {
                Ok(a) => self.success(account, &a, echo),
                Err(code) => self.error(code),
            };
        }
        // What a new profile needs is made before the lock, which requests to one account wait for:
        // under load most requests create, and the allocations were most of the time it was held.
        let new = NewProfile {
            id: rand::random(),
            name: params.name.as_str().into(),
            key,
            connector_type: params.connector_type,
            label: params.label.clone(),
            private: params.private,
            properties: params.properties.clone(),
            credentials: params.credentials,
        };

        let mut shard = self.shard(account).write();
        shard.purge(now);
        let acc = shard.accounts.entry(account).or_default();
        let quota = self.quota_of(acc);

        let bound = token
            .as_ref()
            .and_then(|t| acc.bound(Namespace::Create, t, now))
            .cloned();
        let name_taken = if faults.has(Fault::SharedNames) {
            self.shared_names.lock().contains(&*new.key)
        } else if faults.has(Fault::NamesFirstPageOnly) {
            acc.names
                .get(&new.key)
                .is_some_and(|seq| acc.profiles.range(..*seq).count() < 20)
        } else {
            acc.names.contains_key(&new.key)
        };
        let held = if faults.has(Fault::SharedQuota) {
            self.shared_count.load(Ordering::SeqCst)
        } else {
            (acc.held() + acc.refused).saturating_sub(acc.uncounted)
        };
        let full = held >= quota;
        // The contract's decision, then the faults' bends of it.
        let mut decision = decide_create(bound.as_ref(), fp, name_taken, full);
        if decision == CreateDecision::Mismatch
            && faults.has(Fault::AcceptMismatch)
            && let Some(answer) = bound.as_ref().and_then(|e| e.answer.clone())
        {
            decision = CreateDecision::Replay(answer);
        }
        if decision == CreateDecision::Conflict && full && faults.has(Fault::QuotaBeforeName) {
            decision = CreateDecision::QuotaExceeded;
        }
        match decision {
            CreateDecision::Replay(mut answer) => {
                if faults.has(Fault::RefuseReplayAtQuota) && acc.held() >= quota {
                    return self.error(ErrorCode::QuotaExceeded);
                }
                if faults.has(Fault::ForgetsOldTokens)
                    && let Some(t) = &token
                {
                    // A bounded cache of replayed answers, which a token moves into on its first
                    // replay: the third token replayed since forgets it.
                    let mut hot = self.hot_tokens.lock();
                    let hot = hot.entry(account).or_default();
                    hot.retain(|h| h != t);
                    hot.push_back(t.clone());
                    if hot.len() > 2
                        && let Some(cold) = hot.pop_front()
                    {
                        acc.tokens.remove(&cold);
                    }
                }
                drop(shard);
                if faults.has(Fault::InProgressAfterAnswer)
                    && let Some(t) = &token
                {
                    let mut replays = self.replays.lock();
                    let n = replays.entry((account, t.clone())).or_default();
                    *n += 1;
                    if *n % 3 == 0 {
                        drop(replays);
                        return self.error(ErrorCode::IdempotencyInProgress);
                    }
                }
                if faults.has(Fault::NewIdOnReplay) {
                    answer.id = rand::random();
                }
                let r = self.success(account, &answer, echo);
                return if faults.has(Fault::ReplayDropsArn) {
                    self.without_arn(r)
                } else {
                    r
                };
            }
            CreateDecision::Mismatch => {
                let code = if faults.has(Fault::WrongMismatchCode) {
                    ErrorCode::Conflict
                } else {
                    ErrorCode::IdempotentParameterMismatch
                };
                if faults.has(Fault::RefusalsUseQuota) {
                    acc.refused += 1;
                }
                drop(shard);
                return self.error(code);
            }
            CreateDecision::Conflict | CreateDecision::QuotaExceeded => {
                let code = if decision == CreateDecision::Conflict {
                    ErrorCode::Conflict
                } else {
                    ErrorCode::QuotaExceeded
                };
                if code == ErrorCode::Conflict && faults.has(Fault::RefusalsUseQuota) {
                    acc.refused += 1;
                }
                if code == ErrorCode::Conflict && full && faults.has(Fault::RefusalFreesSlot) {
                    acc.uncounted += 1;
                }
                drop(shard);
                self.bind_failed_token(account, &params);
                return self.error(code);
            }
            CreateDecision::Create => {}
        }

        let racy_mismatch = faults.has(Fault::RacyMismatch) && token.is_some();
        if faults.has(Fault::RacyToken) || faults.has(Fault::RacyQuota) || racy_mismatch {
            // The deliberate window between check and insert that an atomic store never has.
            drop(shard);
            self.window.pass(account);
            shard = self.shard(account).write();
        }
        let acc = shard.accounts.entry(account).or_default();
        if racy_mismatch && let Some(t) = &token {
            // After the window: an identical retry is caught, and so are a taken name and a full
            // account; a token bound meanwhile to other parameters is not (the fault).
            match acc
                .bound(Namespace::Create, t, now)
                .map(|e| (e.fingerprint, e.answer.clone()))
            {
                Some((f, Some(answer))) if Some(f) == fp => {
                    drop(shard);
                    return self.success(account, &answer, echo);
                }
                Some(_) => {}
                None if acc.names.contains_key(&new.key) => {
                    drop(shard);
                    return self.error(ErrorCode::Conflict);
                }
                None if acc.held() >= quota => {
                    drop(shard);
                    return self.error(ErrorCode::QuotaExceeded);
                }
                None => {}
            }
        }
        if faults.has(Fault::QuotaSkipsTokenCreates) && token.is_some() {
            acc.uncounted += 1;
        }
        if faults.has(Fault::SharedNames) {
            self.shared_names.lock().insert(new.key.to_string());
        }
        if faults.has(Fault::SharedQuota) {
            self.shared_count.fetch_add(1, Ordering::SeqCst);
        }
        let expires_at = now + self.ttl();
        let binding = token.zip(fp);
        let answer = acc.commit_create(new, binding.clone(), now, expires_at);
        if let Some((t, _)) = binding {
            shard.expire_later(expires_at, account, Namespace::Create, t);
        }
        drop(shard);
        // Faults for clients' retry logic: the profile exists, but the client does not learn it.
        if faults.has(Fault::LoseResponseAfterCreate) {
            let mut r = self.error(ErrorCode::InternalError);
            r.drop_connection = true;
            return r;
        }
        if faults.has(Fault::Error500AfterCreate) {
            return self.error(ErrorCode::InternalError);
        }
        self.success(account, &answer, echo)
    }
}
