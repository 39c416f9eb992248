//! The ttl group: a token is bound until its TTL passes (needs the admin clock).

use crate::check::ctx::{Ctx, Step, Stop};
use crate::contract::ErrorCode;
use serde_json::json;

pub(super) async fn token_expires(c: &Ctx) -> Step {
    let advance = |secs: u64| {
        c.target.admin_call(
            reqwest::Method::POST,
            "/__admin/clock",
            Some(json!({"advance_seconds": secs})),
        )
    };
    let ttl = c.cfg.token_ttl.as_secs().max(2);
    let acct = c.account();
    let (body, token) = c.valid_with_token("Redshift");
    let first = c.created(
        &c.post(&acct, &body).await,
        "the first create was not accepted",
    )?;
    if let Err(e) = advance(ttl - 1).await {
        c.cannot_verify(format!("cannot advance the target's clock: {e}"));
        return Err(Stop);
    }
    let ex = c.post(&acct, &body).await;
    c.covers(
        "idempotency.ttl",
        crate::contract::rules::Direction::Accepted,
        &ex,
    );
    let again = c.created(
        &ex,
        "one second before the TTL, the replay was not answered",
    )?;
    c.same_answer(&first, &again, &ex, "replay just before the TTL")?;
    if let Err(e) = advance(1).await {
        c.cannot_verify(format!("cannot advance the target's clock: {e}"));
        return Err(Stop);
    }
    let ex = c.post(&acct, &body).await;
    c.covers(
        "idempotency.ttl",
        crate::contract::rules::Direction::Refused,
        &ex,
    );
    c.error(
        &ex,
        ErrorCode::Conflict,
        "after the TTL, the same request was not a new call (which meets CONFLICT on its name)",
    )?;
    let mut other = c.valid("Redshift");
    other["clientToken"] = json!(token);
    c.created_or_full(
        &c.post(&acct, &other).await,
        1,
        "after the TTL, the token with other parameters was still bound",
    )
}
