//! How a check plans its accounts (fresh ones, spread under the quota), warms its connections, fills
//! and counts an account's profiles, skips what the declared quota cannot show, and records the
//! coverage of the rules it tests.

use super::{Ctx, Step, Stop};
use crate::contract::{self, ErrorCode};
use crate::http::Exchange;
use futures::StreamExt;
use parking_lot::Mutex;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Accounts for a series of creates that must all succeed: each [`Spread::next`] names an account
/// with room for one more under the configured quota, moving to a fresh account once one is full, so
/// a correct service passes whatever quota it declares (1 included).
pub struct Spread<'a> {
    ctx: &'a Ctx,
    current: Mutex<(String, u32)>,
}

impl Spread<'_> {
    /// An account with room for one more profile (counting this one as taken).
    pub fn next(&self) -> String {
        let mut cur = self.current.lock();
        if cur.1 >= self.ctx.cfg.quota.max(1) {
            *cur = (self.ctx.account(), 0);
        }
        cur.1 += 1;
        cur.0.clone()
    }
}

impl Ctx {
    /// A fresh random account (never the default one), so checks never disturb each other.
    pub fn account(&self) -> String {
        loop {
            let n = rand::random::<u64>() % 1_000_000_000_000;
            if n != 0 {
                return format!("{n:012}");
            }
        }
    }

    /// Counts one answered case of the rule `rule` (its ID), tested the way `dir` says.
    pub fn cover(&self, rule: &str, dir: crate::contract::rules::Direction) {
        crate::check::coverage::count(&mut self.settings.coverage.lock(), rule, dir);
    }

    /// Counts `ex` as a case of the document rule `doc` (without its `doc:`), if it got an answer.
    pub fn covers(&self, doc: &str, dir: crate::contract::rules::Direction, ex: &Exchange) {
        if ex.result.is_ok() {
            self.cover(&format!("doc:{doc}"), dir);
        }
    }

    /// Sends a valid create in a fresh account and expects it accepted: the request next to a case
    /// that breaks the document rule `doc`, keeping it (its accepted side).
    pub async fn accepted_neighbour(&self, doc: &str) -> Step {
        let ex = self.post(&self.account(), &self.valid("S3")).await;
        self.covers(doc, crate::contract::rules::Direction::Accepted, &ex);
        self.created(&ex, "a valid create was not accepted")
            .map(drop)
    }

    /// Every case of the schema's rules, with its rule.
    pub fn rule_cases(
        &self,
    ) -> &[(
        Arc<crate::contract::rules::cases::Case>,
        Arc<crate::contract::rules::SchemaRule>,
    )] {
        &self.settings.rule_set().cases
    }

    /// The full request of `connector_type` the rules' cases are made from.
    pub fn full_request(&self, connector_type: &str) -> Option<Value> {
        self.settings.rule_set().bases.full(connector_type).cloned()
    }

    /// Accounts for creates that must all succeed, spread so that none goes past the quota.
    pub fn spread(&self) -> Spread<'_> {
        Spread {
            ctx: self,
            current: Mutex::new((self.account(), 0)),
        }
    }

    /// Ends the check as skipped with `reason`: what it proves cannot be shown against a target with
    /// this contract (a quota too small for it). Never a failure.
    pub fn skip(&self, reason: impl Into<String>) -> Step {
        *self.skipped.lock() = Some(reason.into());
        Err(Stop)
    }

    /// Skips the check unless the quota allows `n` profiles in one account.
    pub fn needs_quota(&self, n: u32, why: &str) -> Step {
        if self.cfg.quota >= n {
            Ok(())
        } else {
            self.skip(format!(
                "needs a quota of at least {n} ({why}); the contract says {}",
                self.cfg.quota
            ))
        }
    }

    /// Expects a create in an account that already holds `held` profiles: a success while there is
    /// room, else `QUOTA_EXCEEDED`. Either proves the name (and the token) free, since the contract
    /// checks the token and the name before the quota.
    pub fn created_or_full(&self, ex: &Exchange, held: u32, what: &str) -> Step {
        if held < self.cfg.quota {
            self.created(ex, what).map(drop)
        } else {
            self.error(ex, ErrorCode::QuotaExceeded, what)
        }
    }

    /// Opens and warms up to `n` connections to the target before a race: `n` side-effect-free
    /// requests at once (`GET` on the endpoint, which the contract answers 405), each proving its
    /// connection accepted by the answer, so the race's requests go out on connections that are
    /// already made (a service that closes every connection after its answer still gets the race
    /// paced by the in-flight window). Their answers are not judged: the envelope checks do that.
    pub async fn warm(&self, n: usize) {
        let warmers = (0..n).map(|_| {
            let sent = self.target.request(
                reqwest::Method::GET,
                contract::ENDPOINT,
                None,
                None,
                Vec::new(),
                Arc::default(),
            );
            self.target.exchange(sent)
        });
        for ex in futures::future::join_all(warmers).await {
            if ex.went_out {
                self.requests.fetch_add(1, Ordering::Relaxed);
            }
            self.count_retries(&ex);
        }
    }

    /// Creates `n` profiles in `account` (with `concurrency` in flight); fails unless all succeed.
    pub async fn fill(&self, account: &str, n: u32) -> Step {
        let bodies: Vec<Value> = (0..n).map(|_| self.valid("S3")).collect();
        let results: Vec<Exchange> =
            futures::stream::iter((0..bodies.len()).map(|i| self.post(account, &bodies[i])))
                .buffer_unordered(self.settings.concurrency.clamp(1, 16))
                .collect()
                .await;
        for ex in &results {
            self.created(
                ex,
                "filling the account up to its quota: a create was refused",
            )?;
        }
        Ok(())
    }

    /// How many profiles `account` holds: from the admin listing when there is one, else by
    /// describing the account when the target has the lifecycle, otherwise proven from the endpoint
    /// alone by creating profiles until the quota refuses (this fills the account).
    pub async fn count_profiles(&self, account: &str) -> Result<u32, Stop> {
        if self.target.admin().is_some() {
            return match self
                .target
                .admin_call(
                    reqwest::Method::GET,
                    &format!("/__admin/accounts/{account}/profiles"),
                    None,
                )
                .await
            {
                Ok(v) => Ok(v["count"].as_u64().unwrap_or(0) as u32),
                Err(e) => {
                    self.cannot_verify(format!("the admin listing failed: {e}"));
                    Err(Stop)
                }
            };
        }
        if self.has_lifecycle().await {
            // Counted by describing the account: nothing has to be filled.
            let all = self.walk(account, &json!({}), &[100], &[]).await?;
            return Ok(all.len() as u32);
        }
        let quota = self.cfg.quota;
        let mut created = 0u32;
        let batch = self.settings.concurrency.clamp(1, 16);
        loop {
            let bodies: Vec<Value> = (0..batch).map(|_| self.valid("S3")).collect();
            let results: Vec<Exchange> = futures::future::join_all(
                (0..bodies.len()).map(|i| self.post(account, &bodies[i])),
            )
            .await;
            let mut refused = false;
            for ex in &results {
                if ex.result.as_ref().is_err_and(|e| !e.is_answer()) {
                    self.unanswered(
                        "counting profiles by filling the quota: a create got no answer",
                        None,
                        ex,
                    );
                    return Err(Stop);
                }
                if self.is_created(ex) {
                    created += 1;
                } else if self.code_of(ex) == Some(ErrorCode::QuotaExceeded) {
                    refused = true;
                } else {
                    self.fail(
                        "counting profiles by filling the quota: an unexpected answer",
                        Some(format!(
                            "200, or {} once the quota is reached",
                            self.cfg.expected(ErrorCode::QuotaExceeded).status
                        )),
                        Some(self.outcome(ex)),
                        Some(ex),
                    );
                    return Err(Stop);
                }
            }
            if refused {
                return Ok(quota.saturating_sub(created));
            }
            if created > quota {
                self.fail(
                    format!("the account took more than its quota of {quota} profiles"),
                    Some(format!(
                        "{} after {quota} profiles",
                        self.cfg.expected(ErrorCode::QuotaExceeded).code
                    )),
                    Some(format!("{created} further creates accepted")),
                    None,
                );
                return Err(Stop);
            }
        }
    }
}
