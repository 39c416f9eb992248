//! One account's state and the transport-free operations on it: the store the stub keeps behind its
//! per-account locks, and the reference model the explorer runs in process. Profiles in creation
//! order (so a describe walk is stable under deletes), names, and the tokens of each idempotent
//! operation in a namespace of its own, each bound to its first answer (not to a profile, which a
//! delete may remove).

use super::state::HashMap;
use crate::contract::Fingerprint;
use crate::contract::schema::connector_types;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A stored profile: everything a describe shows (never the credentials, which are kept for
/// nothing: only whether any were sent).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoredProfile {
    /// Its id (a replay of its create answers it again).
    pub id: u128,
    /// Its place in the account's creation order.
    pub seq: u64,
    /// Its name, as sent.
    pub name: Arc<str>,
    /// Its connector type, as an index into the schema's connector types.
    pub connector_type: u8,
    /// Its label, if one was sent.
    pub label: Option<Arc<str>>,
    /// `Private` (else `Public`).
    pub private: bool,
    /// `connectorProfileProperties`' value under the connector's key, as JSON text (`{}` when none).
    pub properties: Arc<str>,
    /// Whether credentials were sent.
    pub credentials: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed (its creation, or its last update).
    pub updated_at: DateTime<Utc>,
}

impl StoredProfile {
    /// Its connector type's name.
    pub fn connector_type(&self) -> &'static str {
        connector_types()
            .get(self.connector_type as usize)
            .map_or("", String::as_str)
    }

    /// What an answer about it names: its id, creation time and name.
    pub fn answer(&self) -> Answered {
        Answered {
            id: self.id,
            created_at: self.created_at,
            name: self.name.clone(),
        }
    }
}

/// The index of a connector type in the schema's list.
pub fn type_index(connector_type: &str) -> Option<u8> {
    connector_types()
        .iter()
        .position(|t| t == connector_type)
        .and_then(|i| u8::try_from(i).ok())
}

/// The first answer a token is bound to: what a replay answers again, whatever became of its profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Answered {
    /// The profile's id.
    pub id: u128,
    /// Its creation time.
    pub created_at: DateTime<Utc>,
    /// Its name (the ARN is made from it).
    pub name: Arc<str>,
}

/// A bound token: its parameters' fingerprint and its first answer (none only under
/// `Fault::FailedBindsToken`, which binds a token that succeeded at nothing).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenEntry {
    /// The parameters it was bound to.
    pub fingerprint: Fingerprint,
    /// The answer it was bound with.
    pub answer: Option<Answered>,
    /// When it is forgotten.
    pub expires_at: DateTime<Utc>,
}

/// The idempotent operations, each with tokens of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Namespace {
    /// `CreateConnectorProfile`.
    Create,
    /// `UpdateConnectorProfile`.
    Update,
}

/// One account's profiles, names and tokens. Comparable and hashable, so the linearizability
/// checker can tell two states of the model apart.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its quota, where an operator set one.
    pub quota: Option<u32>,
    next_seq: u64,
    /// Profiles by creation order.
    pub profiles: BTreeMap<u64, StoredProfile>,
    /// Names (or their keys, under a fault that compares them ignoring case) to creation order.
    pub names: HashMap<Arc<str>, u64>,
    /// Create tokens.
    pub tokens: HashMap<Arc<str>, TokenEntry>,
    /// Update tokens.
    pub update_tokens: HashMap<Arc<str>, TokenEntry>,
    /// Refused requests counted against the quota (only under `Fault::RefusalsUseQuota`).
    pub refused: u32,
    /// Profiles not counted against the quota (only under `Fault::QuotaSkipsTokenCreates`).
    pub uncounted: u32,
}

/// A new profile's fields, as a create sends them.
#[derive(Debug, Clone)]
pub struct NewProfile {
    /// Its id (chosen by the stub; the model takes the target's).
    pub id: u128,
    /// Its name.
    pub name: Arc<str>,
    /// The key its name is kept under (the name itself but under a fault).
    pub key: Arc<str>,
    /// Its connector type's index.
    pub connector_type: u8,
    /// Its label.
    pub label: Option<Arc<str>>,
    /// `Private`.
    pub private: bool,
    /// Its properties under the key, as JSON text.
    pub properties: Arc<str>,
    /// Whether credentials were sent.
    pub credentials: bool,
}

/// What a valid create does, by the contract's order of steps 7–10: a bound token's replay or
/// mismatch first, then a taken name, then a full account, else a new profile. The one statement of
/// that order: the stub decides every create with it, and so does the explorer's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateDecision {
    /// The token is bound to these parameters: its first answer, again.
    Replay(Answered),
    /// The token is bound to other parameters.
    Mismatch,
    /// The name is taken.
    Conflict,
    /// The account holds its quota.
    QuotaExceeded,
    /// A new profile.
    Create,
}

/// [`CreateDecision`] from what a create meets: the live binding of its token (if it has one), its
/// parameters' fingerprint, whether its name is taken and whether the account is full.
pub fn decide_create(
    bound: Option<&TokenEntry>,
    fingerprint: Option<Fingerprint>,
    name_taken: bool,
    full: bool,
) -> CreateDecision {
    if let Some(entry) = bound {
        return match (&entry.answer, Some(entry.fingerprint) == fingerprint) {
            (Some(answer), true) => CreateDecision::Replay(answer.clone()),
            _ => CreateDecision::Mismatch,
        };
    }
    if name_taken {
        CreateDecision::Conflict
    } else if full {
        CreateDecision::QuotaExceeded
    } else {
        CreateDecision::Create
    }
}

/// What an update does once its request is valid (before its config is checked against the stored
/// type): a bound token's replay or mismatch, then a name the account does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateDecision {
    /// The update's token is bound to these parameters: its first answer, again.
    Replay(Answered),
    /// The update's token is bound to other parameters.
    Mismatch,
    /// The account has no profile of that name.
    Missing,
    /// The profile exists: check the config against its type, then apply.
    Apply,
}

impl std::hash::Hash for Account {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        use std::hash::BuildHasher;
        self.quota.hash(state);
        self.next_seq.hash(state);
        self.profiles.hash(state);
        // The maps' orders are arbitrary: combine their entries' hashes in an order-free way. The
        // names follow from the profiles, so they need no hashing (equal accounts still hash equal).
        let fixed = foldhash::fast::FixedState::default();
        for tokens in [&self.tokens, &self.update_tokens] {
            let sum = tokens
                .iter()
                .map(|e| fixed.hash_one(e))
                .fold(0u64, u64::wrapping_add);
            (tokens.len(), sum).hash(state);
        }
        (self.refused, self.uncounted).hash(state);
    }
}

impl Account {
    /// How a valid create of the name kept under `key`, with `token` and `fingerprint`, is decided
    /// in this account at `now` under `quota`, by the contract.
    pub fn decide_create(
        &self,
        token: Option<&str>,
        fingerprint: Option<Fingerprint>,
        key: &str,
        quota: u32,
        now: DateTime<Utc>,
    ) -> CreateDecision {
        decide_create(
            token.and_then(|t| self.bound(Namespace::Create, t, now)),
            fingerprint,
            self.names.contains_key(key),
            self.held() >= quota,
        )
    }

    /// Carries out [`CreateDecision::Create`]: stores `new` at `now` and binds its token (if any)
    /// to its parameters and its answer until `expires_at`.
    pub fn commit_create(
        &mut self,
        new: NewProfile,
        token: Option<(Arc<str>, Fingerprint)>,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Answered {
        let answer = self.insert(new, now);
        if let Some((t, fp)) = token {
            self.bind(Namespace::Create, t, fp, Some(answer.clone()), expires_at);
        }
        answer
    }

    /// How a valid update of the name kept under `key`, with `token` and `fingerprint`, is decided
    /// at `now` (its config is checked against the stored type only after [`UpdateDecision::Apply`]).
    pub fn decide_update(
        &self,
        token: Option<&str>,
        fingerprint: Option<Fingerprint>,
        key: &str,
        now: DateTime<Utc>,
    ) -> UpdateDecision {
        if let Some(entry) = token.and_then(|t| self.bound(Namespace::Update, t, now)) {
            return match (&entry.answer, Some(entry.fingerprint) == fingerprint) {
                (Some(answer), true) => UpdateDecision::Replay(answer.clone()),
                _ => UpdateDecision::Mismatch,
            };
        }
        if self.by_name(key).is_some() {
            UpdateDecision::Apply
        } else {
            UpdateDecision::Missing
        }
    }

    /// The tokens of `ns`.
    pub fn tokens_of(&self, ns: Namespace) -> &HashMap<Arc<str>, TokenEntry> {
        match ns {
            Namespace::Create => &self.tokens,
            Namespace::Update => &self.update_tokens,
        }
    }

    /// The tokens of `ns`, to change.
    pub fn tokens_of_mut(&mut self, ns: Namespace) -> &mut HashMap<Arc<str>, TokenEntry> {
        match ns {
            Namespace::Create => &mut self.tokens,
            Namespace::Update => &mut self.update_tokens,
        }
    }

    /// The live binding of `token` in `ns` at `now`.
    pub fn bound(&self, ns: Namespace, token: &str, now: DateTime<Utc>) -> Option<&TokenEntry> {
        self.tokens_of(ns).get(token).filter(|e| e.expires_at > now)
    }

    /// How many profiles the account holds.
    pub fn held(&self) -> u32 {
        self.profiles.len() as u32
    }

    /// The profile named `key` (a name, or its key under a fault).
    pub fn by_name(&self, key: &str) -> Option<&StoredProfile> {
        self.names.get(key).and_then(|seq| self.profiles.get(seq))
    }

    /// Stores a new profile created at `now`; returns its answer.
    pub fn insert(&mut self, p: NewProfile, now: DateTime<Utc>) -> Answered {
        let seq = self.next_seq;
        self.next_seq += 1;
        let stored = StoredProfile {
            id: p.id,
            seq,
            name: p.name,
            connector_type: p.connector_type,
            label: p.label,
            private: p.private,
            properties: p.properties,
            credentials: p.credentials,
            created_at: now,
            updated_at: now,
        };
        let answer = stored.answer();
        self.names.insert(p.key, seq);
        self.profiles.insert(seq, stored);
        answer
    }

    /// Binds `token` in `ns` to `fingerprint` and `answer` until `expires_at`.
    pub fn bind(
        &mut self,
        ns: Namespace,
        token: Arc<str>,
        fingerprint: Fingerprint,
        answer: Option<Answered>,
        expires_at: DateTime<Utc>,
    ) {
        self.tokens_of_mut(ns).insert(
            token,
            TokenEntry {
                fingerprint,
                answer,
                expires_at,
            },
        );
    }

    /// Removes the profile named `key`: its name and its place of the quota are free at once.
    pub fn delete(&mut self, key: &str) -> Option<StoredProfile> {
        let seq = self.names.remove(key)?;
        self.profiles.remove(&seq)
    }

    /// Replaces the connection mode and config of the profile named `key`, changed at `now`.
    pub fn update(
        &mut self,
        key: &str,
        private: bool,
        (properties, credentials): (Arc<str>, bool),
        now: DateTime<Utc>,
    ) -> Option<&StoredProfile> {
        let seq = *self.names.get(key)?;
        let p = self.profiles.get_mut(&seq)?;
        p.private = private;
        p.properties = properties;
        p.credentials = credentials;
        p.updated_at = now;
        Some(p)
    }

    /// The profiles a describe shows, oldest first: those after `after` (a page's cursor) that pass
    /// `keep`, at most `max` of them, and whether more follow.
    pub fn page(
        &self,
        after: Option<u64>,
        max: usize,
        keep: impl Fn(&StoredProfile) -> bool,
    ) -> (Vec<&StoredProfile>, bool) {
        let start = after.map_or(0, |a| a.saturating_add(1));
        let mut matching = self
            .profiles
            .range(start..)
            .map(|(_, p)| p)
            .filter(|p| keep(p));
        let page: Vec<&StoredProfile> = matching.by_ref().take(max).collect();
        let more = matching.next().is_some();
        (page, more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn new(name: &str) -> NewProfile {
        NewProfile {
            id: 7,
            name: name.into(),
            key: name.into(),
            connector_type: 0,
            label: None,
            private: false,
            properties: "{}".into(),
            credentials: false,
        }
    }

    #[test]
    fn a_delete_frees_the_name_and_the_place_and_pages_never_shift() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let mut a = Account::default();
        for n in ["a", "b", "c", "d"] {
            a.insert(new(n), now);
        }
        let (first, more) = a.page(None, 2, |_| true);
        assert_eq!(
            first.iter().map(|p| &*p.name).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(more);
        let cursor = first.last().unwrap().seq;
        assert!(a.delete("a").is_some());
        assert_eq!(a.held(), 3);
        assert!(a.by_name("a").is_none());
        let (second, more) = a.page(Some(cursor), 2, |_| true);
        assert_eq!(
            second.iter().map(|p| &*p.name).collect::<Vec<_>>(),
            ["c", "d"]
        );
        assert!(!more);
        // The name can be taken again, and the new profile comes last.
        a.insert(new("a"), now);
        let (all, _) = a.page(None, 10, |_| true);
        assert_eq!(all.last().unwrap().name.as_ref(), "a");
    }
}
