//! The race group: concurrent requests with one token, one name, or near the quota. Each race first
//! opens and warms its connections (see [`Ctx::warm`]), so that what races is the requests, not the
//! connections' handshakes, and every create in a race carries a token, so that one whose answer
//! was lost can be sent again safely (the retry is a replay).

use crate::check::ctx::{Ctx, Step, Stop};
use crate::contract::ErrorCode;
use crate::contract::rules::Direction::{Accepted, Refused};
use crate::http::Exchange;
use futures::future::BoxFuture;
use serde_json::{Value, json};

/// Sends the same request until it is not IDEMPOTENCY_IN_PROGRESS (bounded).
async fn settle(c: &Ctx, acct: &str, body: &Value) -> Exchange {
    let mut ex = c.post(acct, body).await;
    for attempt in 0..50u64 {
        if c.code_of(&ex) != Some(ErrorCode::IdempotencyInProgress) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5 * (attempt + 1).min(20))).await;
        ex = c.post(acct, body).await;
    }
    ex
}

async fn repeat_runs(c: &Ctx, run: for<'a> fn(&'a Ctx) -> BoxFuture<'a, Step>) -> Step {
    let total = c.settings.repeat.max(1);
    let mut failed = 0;
    for _ in 0..total {
        let before = c.failure_count();
        let _ = run(c).await;
        if c.failure_count() > before {
            failed += 1;
        }
    }
    *c.runs.lock() = Some((total, failed));
    Ok(())
}

pub(super) async fn same_token(c: &Ctx) -> Step {
    repeat_runs(c, |c| Box::pin(same_token_once(c))).await
}

async fn same_token_once(c: &Ctx) -> Step {
    let acct = c.account();
    let (body, _) = c.valid_with_token("Honeycode");
    c.warm(c.settings.concurrency).await;
    let answers =
        futures::future::join_all((0..c.settings.concurrency).map(|_| settle(c, &acct, &body)))
            .await;
    let mut ids = std::collections::BTreeSet::new();
    for ex in &answers {
        c.covers("idempotency.concurrent", Accepted, ex);
        let data = c.created(
            ex,
            "a concurrent retry with the same token was not answered with the success",
        )?;
        ids.insert(data["id"].to_string());
    }
    if ids.len() != 1 {
        c.fail(
            format!(
                "{} concurrent requests with one token got {} different ids",
                answers.len(),
                ids.len()
            ),
            Some("one id".into()),
            Some(ids.into_iter().collect::<Vec<_>>().join(", ")),
            None,
        );
        return Err(Stop);
    }
    let n = c.count_profiles(&acct).await?;
    c.cover("doc:idempotency.concurrent", Refused);
    if n != 1 {
        c.fail(
            format!(
                "{} concurrent requests with one token created {n} profiles",
                answers.len()
            ),
            Some("exactly 1 profile".into()),
            Some(format!("{n} profiles")),
            None,
        );
    }
    Ok(())
}

pub(super) async fn same_name(c: &Ctx) -> Step {
    repeat_runs(c, |c| Box::pin(same_name_once(c))).await
}

async fn same_name_once(c: &Ctx) -> Step {
    let acct = c.account();
    let body = c.valid("Pardot");
    let bodies: Vec<Value> = (0..c.settings.concurrency)
        .map(|_| {
            let mut b = body.clone();
            b["clientToken"] = json!(c.token());
            b
        })
        .collect();
    c.warm(bodies.len()).await;
    let answers =
        futures::future::join_all((0..bodies.len()).map(|i| settle(c, &acct, &bodies[i]))).await;
    let ok = answers.iter().filter(|ex| c.is_created(ex)).count();
    for ex in &answers {
        let dir = if c.is_created(ex) { Accepted } else { Refused };
        c.covers("names.unique", dir, ex);
    }
    for ex in answers.iter().filter(|ex| !c.is_created(ex)) {
        c.error(
            ex,
            ErrorCode::Conflict,
            "a concurrent create of a taken name was not a CONFLICT",
        )?;
    }
    if ok != 1 {
        c.fail(
            format!(
                "{} concurrent creates of one name: {ok} succeeded",
                answers.len()
            ),
            Some("exactly 1 success".into()),
            Some(format!("{ok} successes")),
            None,
        );
    }
    Ok(())
}

pub(super) async fn near_quota(c: &Ctx) -> Step {
    repeat_runs(c, |c| Box::pin(near_quota_once(c))).await
}

async fn near_quota_once(c: &Ctx) -> Step {
    let acct = c.account();
    let left = 2u32.min(c.cfg.quota);
    c.fill(&acct, c.cfg.quota - left).await?;
    let bodies: Vec<Value> = (0..c.settings.concurrency)
        .map(|_| c.valid_with_token("S3").0)
        .collect();
    c.warm(bodies.len()).await;
    let answers =
        futures::future::join_all((0..bodies.len()).map(|i| settle(c, &acct, &bodies[i]))).await;
    let ok = answers.iter().filter(|ex| c.is_created(ex)).count() as u32;
    for ex in &answers {
        let dir = if c.is_created(ex) { Accepted } else { Refused };
        c.covers("quota.concurrent", dir, ex);
    }
    for ex in answers.iter().filter(|ex| !c.is_created(ex)) {
        c.error(
            ex,
            ErrorCode::QuotaExceeded,
            "a concurrent create near the quota was not QUOTA_EXCEEDED",
        )?;
    }
    let expected = left.min(c.settings.concurrency as u32);
    if ok != expected {
        c.fail(
            format!(
                "{} concurrent creates with {left} left under the quota: {ok} succeeded",
                answers.len()
            ),
            Some(format!("exactly {expected}")),
            Some(format!(
                "{ok} (the account now holds {} of {})",
                c.cfg.quota - left + ok,
                c.cfg.quota
            )),
            None,
        );
    }
    Ok(())
}

pub(super) async fn same_token_other_parameters(c: &Ctx) -> Step {
    repeat_runs(c, |c| Box::pin(same_token_other_parameters_once(c))).await
}

async fn same_token_other_parameters_once(c: &Ctx) -> Step {
    // One token, one name, a different instanceUrl each: the first to be decided wins, every other
    // is the mismatch (or IN_PROGRESS while the first is in flight), and exactly one profile exists.
    let acct = c.account();
    let (body, _) = c.valid_with_token("Datadog");
    let bodies: Vec<Value> = (0..c.settings.concurrency)
        .map(|i| {
            let mut b = body.clone();
            b["connectorProfileConfig"]["connectorProfileProperties"]["Datadog"]["instanceUrl"] =
                json!(format!("https://race-{i}.example.com"));
            b
        })
        .collect();
    c.warm(bodies.len()).await;
    let answers =
        futures::future::join_all((0..bodies.len()).map(|i| settle(c, &acct, &bodies[i]))).await;
    let winners: Vec<usize> = (0..answers.len())
        .filter(|i| c.is_created(&answers[*i]))
        .collect();
    let doc = "idempotency.concurrent-other-parameters";
    for (i, ex) in answers.iter().enumerate() {
        if winners.contains(&i) {
            c.covers(doc, Accepted, ex);
            continue;
        }
        c.covers(doc, Refused, ex);
        c.error(
            ex,
            ErrorCode::IdempotentParameterMismatch,
            "a concurrent request with the token and other parameters was not the mismatch",
        )?;
    }
    if winners.len() != 1 {
        c.fail(
            format!(
                "{} concurrent requests with one token and different parameters: {} succeeded",
                answers.len(),
                winners.len()
            ),
            Some("exactly 1 success (the first wins)".into()),
            Some(format!("{} successes", winners.len())),
            winners.get(1).map(|i| &answers[*i]),
        );
        return Err(Stop);
    }
    let n = c.count_profiles(&acct).await?;
    if n != 1 {
        c.fail(
            format!(
                "concurrent requests with one token and different parameters created {n} profiles"
            ),
            Some("exactly 1 profile".into()),
            Some(format!("{n} profiles")),
            None,
        );
    }
    Ok(())
}
