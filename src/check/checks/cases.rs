//! The schema's rules, both ways: every case [`crate::contract::rules::cases`] makes for the rules of
//! a family of keywords, each in an account of its own. A case that breaks its rule must be refused
//! with 400 and create nothing (the full request of the same name and token is still accepted after
//! it); a case at the rule's edge must be accepted. Each answered case counts towards its rule's
//! coverage (and the document rules it tests too).

use crate::check::ctx::{Ctx, Step, Stop};
use crate::contract::ErrorCode;
use crate::contract::rules::cases::{Case, base_type};
use crate::contract::rules::{Direction, SchemaRule};
use futures::StreamExt;
use std::sync::Arc;

/// Sends every case of the rules `keywords` selects, the way `dir` says.
pub(super) async fn family(c: &Ctx, keywords: fn(&SchemaRule) -> bool, dir: Direction) -> Step {
    let cases = c.rule_cases();
    let selected: Vec<&(Arc<Case>, Arc<SchemaRule>)> = cases
        .iter()
        .filter(|(case, rule)| case.direction == dir && keywords(rule))
        .collect();
    if selected.is_empty() {
        c.fail(
            "no case of this family could be generated",
            None,
            None,
            None,
        );
        return Err(Stop);
    }
    // Cases that are the same request (an accepted full request keeps many rules) go out once.
    let mut groups: Vec<(&Case, &SchemaRule, Vec<&Case>)> = Vec::new();
    for (case, rule) in &selected {
        match groups
            .iter_mut()
            .find(|(first, _, _)| first.body == case.body && first.raw == case.raw)
        {
            Some((_, _, all)) => all.push(case),
            None => groups.push((case, rule, vec![case])),
        }
    }
    let groups = &groups;
    futures::stream::iter((0..groups.len()).map(|i| async move {
        let (case, rule, all) = &groups[i];
        one(c, case, rule, all).await;
    }))
    .buffer_unordered(c.settings.concurrency.max(1))
    .collect::<Vec<()>>()
    .await;
    Ok(())
}

async fn one(c: &Ctx, case: &Case, rule: &SchemaRule, all: &[&Case]) {
    let acct = c.account();
    let what = format!("{} ({})", case.pointer, case.description);
    let ex = match (&case.raw, case.direction) {
        (Some(raw), _) => {
            c.post_raw_refused(&acct, raw.clone().into_bytes(), &case.body)
                .await
        }
        (None, Direction::Refused) => c.post_refused(&acct, &case.body).await,
        (None, Direction::Accepted) => c.post(&acct, &case.body).await,
    };
    let verified = match case.direction {
        Direction::Refused => {
            let ok = c
                .error(
                    &ex,
                    ErrorCode::ValidationError,
                    &format!("{what} was not refused"),
                )
                .is_ok();
            if ok && let Some(full) = c.full_request(base_type(rule)) {
                // Nothing was created: the full request of the same name and token is accepted.
                let probe = c.post(&acct, &full).await;
                let _ = c.created(
                    &probe,
                    &format!("after the refused {what}, the valid request of the same name and token was not accepted: did the refusal create a profile or bind its token?"),
                );
            }
            ex.result.is_ok()
        }
        Direction::Accepted => {
            let _ = c.created(&ex, &format!("{what} is valid but was not accepted"));
            ex.result.is_ok()
        }
    };
    if verified {
        for each in all {
            c.cover(&each.rule, each.direction);
            for doc in &each.also {
                c.cover(&format!("doc:{doc}"), each.direction);
            }
        }
    }
}
