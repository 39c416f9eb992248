//! The explorer (`model.*`): random programs whose every answer is predicted by the reference model,
//! the stub's own state machine, and concurrent histories checked for linearizability against it.
//!
//! * [`program`]: the steps (recipes, so a replay file holds no credential), drawn so that accounts,
//!   names and tokens collide often, and rendered into requests;
//! * [`render`]: a step's request as bytes, for the target and the model alike;
//! * [`sequence`]: a program run against the target and the model side by side;
//! * [`shrink`]: a failing program cut down to the fewest requests that still fail;
//! * [`history`]: concurrent clients, their recorded history, and its linearizability;
//! * [`replay`]: the replay file `check --replay FILE` runs again;
//! * [`simulate`]: histories of a correct store without a network, for the checker's benches and tests.

pub mod history;
pub mod program;
pub mod render;
pub mod replay;
pub mod sequence;
pub mod shrink;
pub mod simulate;

use crate::check::coverage::RuleSet;
use crate::check::ctx::{Ctx, Step as CheckStep};
use crate::check::report::Reproducer;
use futures::StreamExt;
use parking_lot::Mutex;
use program::{Draw, Render, Step};
use sequence::{Divergence, RunOptions};

/// Requests of exploration in a default run: enough for a few dozen programs and a few concurrent
/// rounds, and the whole default run stays well under 2 s against the embedded stub.
pub const DEFAULT_BUDGET: usize = 4000;
/// Clients per account in the concurrent rounds unless the options say otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Requests of one program.
const PROGRAM_LEN: usize = 200;
/// Programs run at once (each in accounts of its own).
const PARALLEL: usize = 64;
/// Requests one concurrent client sends per round.
const PER_CLIENT: usize = 20;
/// The most requests shrinking one failure may send.
const SHRINK_BUDGET: usize = 20_000;

/// The explorer's settings of a run.
#[derive(Debug, Clone)]
pub struct Explore {
    /// Requests of exploration (three quarters sequential, a quarter concurrent).
    pub budget: usize,
    /// Clients per account in the concurrent rounds.
    pub concurrency: usize,
    /// The replay file `model.replay` runs, if any.
    pub replay: Option<std::sync::Arc<replay::ReplayFile>>,
}

impl Default for Explore {
    fn default() -> Self {
        Explore {
            budget: DEFAULT_BUDGET,
            concurrency: DEFAULT_CONCURRENCY,
            replay: None,
        }
    }
}

fn mix(seed: u64, i: u64) -> u64 {
    let mut x = seed ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 31;
    x.wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

fn render<'a>(c: &'a Ctx, rules: &'a RuleSet, seed: u64) -> Render<'a> {
    Render {
        prefix: &c.settings.prefix,
        seed,
        rules,
        max_body: c.cfg.max_body,
        made: Default::default(),
    }
}

/// `model.sequences`: random programs against the target and the model; the first divergence is
/// shrunk and reported with its reproducer.
pub(crate) async fn sequences(c: &Ctx) -> CheckStep {
    let budget = c.settings.explore.budget * 3 / 4;
    if budget == 0 {
        return c.skip("--explore 0");
    }
    let lifecycle = c.has_lifecycle().await;
    let rules = c.settings.rule_set();
    let seed = c.settings.seed;
    let render = render(c, rules, seed);
    let draw = Draw {
        rules,
        lifecycle,
        quota: c.cfg.quota,
    };
    // The divergence of the first program (by index) that found one: with `--seed`, the same one
    // every run against a deterministic target, whatever order the programs ended in.
    let found: Mutex<Option<(u64, Vec<Step>, Divergence)>> = Mutex::new(None);
    let programs = budget.div_ceil(PROGRAM_LEN) as u64;
    futures::stream::iter(0..programs)
        .map(|i| {
            let (render, draw, found) = (&render, &draw, &found);
            async move {
                if found.lock().is_some() {
                    return;
                }
                let first_case = (mix(seed, u64::MAX) as usize)
                    .wrapping_add(i as usize * program::CASES_PER_PROGRAM);
                let steps = program::draw(mix(seed, i), PROGRAM_LEN, first_case, draw);
                let opts = RunOptions {
                    record: true,
                    keep: false,
                };
                let out = sequence::run(c, render, &steps, &opts).await;
                if let Some(ex) = &out.unanswered {
                    c.unanswered(
                        "a request of a program got no answer (the rest of the program was not sent: its effect is unknown)",
                        None,
                        ex,
                    );
                }
                if let Some(d) = out.divergence {
                    let mut found = found.lock();
                    if found.as_ref().is_none_or(|(j, _, _)| i < *j) {
                        *found = Some((i, steps, d));
                    }
                }
            }
        })
        .buffer_unordered(PARALLEL)
        .collect::<Vec<()>>()
        .await;
    let Some((_, steps, d)) = found.into_inner() else {
        return Ok(());
    };
    report(c, &render, &steps, d).await;
    Ok(())
}

/// Shrinks a divergence and records it with its reproducer.
async fn report(c: &Ctx, render: &Render<'_>, steps: &[Step], d: Divergence) {
    let sent: usize = steps[..=d.step].iter().map(Step::requests).sum();
    let shrunk = shrink::shrink(c, render, steps, d.step, SHRINK_BUDGET).await;
    let (d, program) = match shrunk.outcome.divergence.clone() {
        Some(last) if shrunk.reproduced => (last, shrunk.steps.clone()),
        _ => (d.clone(), steps[..=d.step].to_vec()),
    };
    // What the reproducer sends: up to its divergence (which may come before a step's last request).
    let requests = if shrunk.reproduced {
        shrunk.outcome.exchanges.len()
    } else {
        program.iter().map(Step::requests).sum()
    };
    let how = if shrunk.reproduced {
        format!(
            "found after {sent} requests of a random program, shrunk to {requests} requests in {} steps ({} requests sent to shrink it)",
            program.len(),
            shrunk.requests
        )
    } else {
        format!(
            "found after {sent} requests of a random program; it did not fail again in 3 runs, so it is reported unshrunk"
        )
    };
    c.fail(
        format!("{} — {how}", d.message),
        Some(d.expected.clone()),
        Some(d.actual.clone()),
        Some(&d.exchange),
    );
    let curl = shrunk
        .outcome
        .exchanges
        .iter()
        .map(|ex| c.target.curl(&ex.sent))
        .collect();
    c.reproduce(Reproducer {
        requests: requests as u64,
        found: d.message.clone(),
        steps: program.iter().map(Step::describe).collect(),
        curl,
        replay: replay::ReplayFile {
            appflow_harness_replay: replay::FORMAT,
            harness_version: env!("CARGO_PKG_VERSION").into(),
            seed: render.seed,
            dialect: c.cfg.errors.dialect().name().into(),
            quota: c.cfg.quota,
            found: d.message,
            requests,
            steps: program,
        },
    });
}

/// `model.histories`: concurrent clients per account, their history checked for linearizability.
pub(crate) async fn histories(c: &Ctx) -> CheckStep {
    let budget = c.settings.explore.budget / 4;
    if budget == 0 {
        return c.skip("--explore 0");
    }
    let lifecycle = c.has_lifecycle().await;
    let rules = c.settings.rule_set();
    let render = render(c, rules, c.settings.seed);
    let clients = c.settings.explore.concurrency;
    let fill = if c.cfg.quota <= 200 { c.cfg.quota } else { 0 } as usize;
    let per_round = clients * 3 * PER_CLIENT + fill;
    let rounds = budget.div_ceil(per_round).max(1);
    for r in 0..rounds {
        let seed = mix(c.settings.seed ^ 0x4157, r as u64);
        let found = history::round(c, &render, seed, clients, PER_CLIENT, lifecycle).await;
        if let Some(v) = found.violation {
            c.fail(
                format!(
                    "a concurrent history of {} operations ({clients} clients per account) is not linearizable",
                    found.operations
                ),
                Some("an order of the operations, each within its own call and answer, in which the model gives every answer seen".into()),
                Some(v),
                None,
            );
            return Ok(());
        }
        if found.unknown {
            c.cannot_verify(format!(
                "the linearizability check of a history of {} operations ran out of its budget",
                found.operations
            ));
        }
    }
    Ok(())
}

/// `model.replay`: runs a replay file again (up to three times, for a flaky failure).
pub(crate) async fn replay(c: &Ctx) -> CheckStep {
    let Some(file) = c.settings.explore.replay.clone() else {
        return c.skip("needs a replay file: check --replay FILE");
    };
    let own;
    let rules = if file.seed == c.settings.seed {
        c.settings.rule_set()
    } else {
        own = RuleSet::build("ah-rule-case", file.seed);
        &own
    };
    let render = render(c, rules, file.seed);
    for _ in 0..3 {
        let out = sequence::run(
            c,
            &render,
            &file.steps,
            &RunOptions {
                record: true,
                keep: false,
            },
        )
        .await;
        if let Some(ex) = &out.unanswered {
            c.unanswered("a request of the replay got no answer", None, ex);
            return Ok(());
        }
        if let Some(d) = out.divergence {
            c.fail(
                format!("{} (the reproducer fails: {})", d.message, file.found),
                Some(d.expected),
                Some(d.actual),
                Some(&d.exchange),
            );
            return Ok(());
        }
    }
    Ok(())
}
