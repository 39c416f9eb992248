//! The stub's state: its settings, clock and the accounts (profiles, names, tokens) in 1,024 shards,
//! each behind its own read-write lock (retries of a live token read, everything else writes);
//! listing, stats, quota and reset. The decisions are in `decide`.

use super::clock::{Clock, SystemClock};
use super::fault::{Faults, RaceWindow};
use crate::contract;
use chrono::{DateTime, Utc};
use parking_lot::{Mutex, RwLock};
use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::Duration;

/// The stub's settings.
#[derive(Debug, Clone)]
pub struct StubConfig {
    /// Profiles per account (the contract's soft quota, 100).
    pub quota: u32,
    /// How long a client token stays bound (8 hours).
    pub token_ttl: Duration,
    /// Whether requests without `X-Account-Id` are refused with 401.
    pub require_account: bool,
    /// The largest request body accepted, in bytes (256 KiB).
    pub max_body: usize,
    /// The region in ARNs.
    pub region: String,
    /// How answers are framed (the envelope, or AppFlow's own REST-JSON).
    pub dialect: contract::Dialect,
    /// Deliberate contract violations (none by default).
    pub faults: Faults,
}

impl Default for StubConfig {
    fn default() -> Self {
        StubConfig {
            quota: contract::DEFAULT_QUOTA,
            token_ttl: contract::DEFAULT_TOKEN_TTL,
            require_account: false,
            max_body: contract::DEFAULT_MAX_BODY,
            region: "us-east-1".into(),
            dialect: contract::Dialect::Envelope,
            faults: Faults::NONE,
        }
    }
}

/// The stub's maps hash with foldhash (seeded per process): SipHash was a tenth of `create`.
pub(super) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(super) type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

pub(super) use super::machine::{Account, Namespace};

/// The accounts whose ids hash to one shard, behind one lock.
#[derive(Debug, Default)]
pub(super) struct Shard {
    pub(super) accounts: HashMap<u64, Account>,
    /// Token bindings in the order they expire (the TTL is one for all), for purging.
    expiry: VecDeque<(DateTime<Utc>, u64, Namespace, Arc<str>)>,
    /// When the first binding in `expiry` expires, kept beside the lock: most requests purge nothing,
    /// and reading the queue's front to learn that was a cache miss each.
    next_expiry: Option<DateTime<Utc>>,
}

impl Shard {
    /// Queues a binding for purging (it expires no earlier than any queued before it).
    pub(super) fn expire_later(
        &mut self,
        at: DateTime<Utc>,
        account: u64,
        ns: Namespace,
        token: Arc<str>,
    ) {
        self.next_expiry.get_or_insert(at);
        self.expiry.push_back((at, account, ns, token));
    }

    /// Whether a binding has expired by `now` and waits to be purged.
    pub(super) fn purge_due(&self, now: DateTime<Utc>) -> bool {
        self.next_expiry.is_some_and(|at| at <= now)
    }

    /// Forgets the token bindings that have expired by `now`.
    pub(super) fn purge(&mut self, now: DateTime<Utc>) {
        if !self.purge_due(now) {
            return;
        }
        self.purge_queue(now);
        self.next_expiry = self.expiry.front().map(|(at, _, _, _)| *at);
    }

    fn purge_queue(&mut self, now: DateTime<Utc>) {
        while let Some((at, _, _, _)) = self.expiry.front() {
            if *at > now {
                break;
            }
            let Some((at, account, ns, token)) = self.expiry.pop_front() else {
                break;
            };
            if let Some(acc) = self.accounts.get_mut(&account)
                && acc
                    .tokens_of(ns)
                    .get(&token)
                    .is_some_and(|e| e.expires_at == at)
            {
                acc.tokens_of_mut(ns).remove(&token);
            }
        }
    }
}

/// A profile as the admin listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListedProfile {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

/// Totals of `GET /__admin/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StubStats {
    /// Accounts that have been used.
    pub accounts: usize,
    /// Stored profiles.
    pub profiles: usize,
    /// Live (unexpired) token bindings.
    pub tokens: usize,
    /// Requests the endpoint has answered.
    pub served: u64,
}

/// The stub: configuration, clock and state. Cheap to share (`Arc<Stub>`).
#[derive(Debug)]
pub struct Stub {
    pub(super) config: StubConfig,
    clock: Arc<dyn Clock>,
    pub(super) offset_secs: AtomicI64,
    shards: Box<[RwLock<Shard>]>,
    hasher: foldhash::fast::RandomState,
    /// Only with `Fault::SharedNames` / `Fault::SharedQuota`.
    pub(super) shared_names: Mutex<HashSet<String>>,
    pub(super) shared_count: AtomicU32,
    /// Only with `Fault::InProgressAfterAnswer`: replays of each token so far.
    pub(super) replays: Mutex<HashMap<(u64, Arc<str>), u32>>,
    /// Only with `Fault::ForgetsOldTokens`: each account's recently replayed tokens.
    pub(super) hot_tokens: Mutex<HashMap<u64, VecDeque<Arc<str>>>>,
    /// Only with the pattern faults: a schema derived from the real one.
    pub(super) faulty_validator: Option<jsonschema::Validator>,
    /// Only with the racy faults: the window between check and insert.
    pub(super) window: RaceWindow,
    /// Requests answered on the endpoint (any outcome).
    pub(super) served: std::sync::atomic::AtomicU64,
    /// The key of describe's page tokens (random per stub: a token is its own).
    pub(super) token_secret: u64,
    /// Only with `Fault::DescribeShowsCredentials`: the credentials sent, by account and name.
    pub(super) kept_credentials: Mutex<std::collections::HashMap<(u64, String), serde_json::Value>>,
}

/// Many small shards: a table's growth copies the whole table under its shard's lock, so the size of
/// one shard bounds the longest wait a request can have behind it (measured in benches/README.md).
const SHARDS: usize = 1024;

impl Stub {
    /// A stub on the system clock.
    pub fn new(config: StubConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A stub on a clock of the caller's (a [`super::ManualClock`] in tests).
    pub fn with_clock(config: StubConfig, clock: Arc<dyn Clock>) -> Self {
        let faulty_validator = super::faulty::faulty_schema(config.faults)
            .map(|s| contract::schema::compile(&s).expect("derived schema compiles"));
        Stub {
            config,
            clock,
            offset_secs: AtomicI64::new(0),
            shards: (0..SHARDS).map(|_| RwLock::new(Shard::default())).collect(),
            hasher: foldhash::fast::RandomState::default(),
            shared_names: Mutex::new(HashSet::default()),
            shared_count: AtomicU32::new(0),
            replays: Mutex::new(HashMap::default()),
            hot_tokens: Mutex::new(HashMap::default()),
            faulty_validator,
            window: RaceWindow::default(),
            served: std::sync::atomic::AtomicU64::new(0),
            token_secret: rand::random(),
            kept_credentials: Mutex::default(),
        }
    }

    /// The stub's settings.
    pub fn config(&self) -> &StubConfig {
        &self.config
    }

    /// The stub's current time (its clock plus any admin advance).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now() + chrono::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves the stub's clock forward (the admin route's hook).
    pub fn advance_clock(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    /// Forgets every account, profile and token, and the clock's advance.
    pub fn reset(&self) {
        for shard in self.shards.iter() {
            *shard.write() = Shard::default();
        }
        self.shared_names.lock().clear();
        self.shared_count.store(0, Ordering::SeqCst);
        self.replays.lock().clear();
        self.hot_tokens.lock().clear();
        self.offset_secs.store(0, Ordering::SeqCst);
    }

    pub(super) fn shard(&self, account: u64) -> &RwLock<Shard> {
        &self.shards[(self.hasher.hash_one(account) as usize) % SHARDS]
    }

    /// Raises (or lowers) one account's quota: the "soft quota" request of the seed.
    pub fn set_quota(&self, account: u64, quota: u32) {
        self.shard(account)
            .write()
            .accounts
            .entry(account)
            .or_default()
            .quota = Some(quota);
    }

    /// An account's profiles, in creation order.
    pub fn profiles(&self, account: u64) -> Vec<ListedProfile> {
        let shard = self.shard(account).read();
        shard
            .accounts
            .get(&account)
            .map(|a| {
                a.profiles
                    .values()
                    .map(|p| ListedProfile {
                        id: super::render::format_id(p.id),
                        name: p.name.to_string(),
                        created_at: super::render::format_time(p.created_at),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many requests the endpoint has answered (any outcome; not admin routes or other paths).
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    /// Totals over all accounts: accounts, stored profiles, live tokens (expired ones are purged first).
    pub fn stats(&self) -> StubStats {
        let now = self.now();
        let mut stats = StubStats {
            served: self.served(),
            ..StubStats::default()
        };
        for shard in self.shards.iter() {
            let mut shard = shard.write();
            shard.purge(now);
            stats.accounts += shard.accounts.len();
            for a in shard.accounts.values() {
                stats.tokens += a.tokens.len() + a.update_tokens.len();
                stats.profiles += a.profiles.len();
            }
        }
        stats
    }
}
