//! Shrinking a failing program: drop steps (halves, then quarters, … then single steps), then make
//! the steps that are left simpler, each candidate run again against the target in fresh accounts
//! (several times when the failure did not come back at once: a flaky one), keeping the shortest
//! program that still parts from the model.

use super::program::{Recipe, Render, Spelling, Step};
use super::sequence::{self, Outcome, RunOptions};
use crate::check::ctx::Ctx;

/// The shrunk program and its last failing run (with its exchanges).
pub struct Shrunk {
    /// The program.
    pub steps: Vec<Step>,
    /// Its failing run, exchanges kept.
    pub outcome: Outcome,
    /// Whether the failure came back when the program was run again (false: it is reported as
    /// found, unshrunk).
    pub reproduced: bool,
    /// Requests the shrinking sent.
    pub requests: usize,
}

struct Shrinker<'a, 'r> {
    c: &'a Ctx,
    render: &'a Render<'r>,
    tries: usize,
    budget: usize,
    spent: usize,
}

impl Shrinker<'_, '_> {
    /// Whether `steps` still fails (in up to `tries` runs); the failing run when it does.
    async fn fails(&mut self, steps: &[Step]) -> Option<Outcome> {
        for _ in 0..self.tries {
            if self.spent >= self.budget {
                return None;
            }
            let out = sequence::run(
                self.c,
                self.render,
                steps,
                &RunOptions {
                    record: false,
                    keep: true,
                },
            )
            .await;
            self.spent += out.requests;
            if out.divergence.is_some() {
                return Some(out);
            }
        }
        None
    }
}

/// The simpler forms of a step, simplest first.
fn simpler(step: &Step) -> Vec<Step> {
    let mut out = Vec::new();
    let with = |recipe: Recipe| Step {
        account: step.account,
        recipe,
    };
    if step.account != 0 {
        out.push(Step {
            account: 0,
            recipe: step.recipe.clone(),
        });
    }
    match &step.recipe {
        Recipe::Fill { count } if *count > 1 => {
            out.push(with(Recipe::Fill { count: count / 2 }));
            out.push(with(Recipe::Fill { count: count - 1 }));
        }
        Recipe::Create {
            connector_type,
            name,
            token,
            variant,
            private,
            spelling,
            tweak,
        } => {
            if *spelling != Spelling::Plain {
                out.push(with(Recipe::Create {
                    connector_type: connector_type.clone(),
                    name: *name,
                    token: *token,
                    variant: *variant,
                    private: *private,
                    spelling: Spelling::Plain,
                    tweak: *tweak,
                }));
            }
            if connector_type != "S3" && *tweak == super::program::Tweak::None {
                out.push(with(Recipe::Create {
                    connector_type: "S3".into(),
                    name: *name,
                    token: *token,
                    variant: *variant,
                    private: *private,
                    spelling: *spelling,
                    tweak: *tweak,
                }));
            }
        }
        Recipe::Describe {
            names,
            connector_type,
            max,
            next,
        } if connector_type.is_some() || !names.is_empty() => {
            out.push(with(Recipe::Describe {
                names: Vec::new(),
                connector_type: None,
                max: *max,
                next: *next,
            }));
        }
        _ => {}
    }
    out
}

/// Shrinks `steps`, which failed at step `failed`, within `budget` requests.
pub async fn shrink(
    c: &Ctx,
    render: &Render<'_>,
    steps: &[Step],
    failed: usize,
    budget: usize,
) -> Shrunk {
    let mut program: Vec<Step> = steps[..=failed.min(steps.len().saturating_sub(1))].to_vec();
    let mut s = Shrinker {
        c,
        render,
        tries: 1,
        budget,
        spent: 0,
    };
    // Does it come back at once (deterministic), after a few runs (flaky), or not at all?
    let mut last = None;
    for tries in 1..=3 {
        s.tries = 1;
        if let Some(out) = s.fails(&program).await {
            s.tries = if tries == 1 { 1 } else { 3 };
            last = Some(out);
            break;
        }
    }
    let Some(mut last) = last else {
        let requests = s.spent;
        return Shrunk {
            steps: program,
            outcome: Outcome::default(),
            reproduced: false,
            requests,
        };
    };
    let cut = |program: &mut Vec<Step>, out: &Outcome| {
        if let Some(d) = &out.divergence {
            program.truncate(d.step + 1);
        }
    };
    cut(&mut program, &last);
    // Drop chunks, from halves down to single steps.
    let mut chunk = program.len().div_ceil(2);
    while chunk >= 1 && s.spent < s.budget {
        let mut start = 0;
        while start < program.len() && program.len() > 1 {
            let mut candidate = program.clone();
            candidate.drain(start..(start + chunk).min(candidate.len()));
            match s.fails(&candidate).await {
                Some(out) => {
                    program = candidate;
                    cut(&mut program, &out);
                    last = out;
                }
                None => start += chunk,
            }
            if s.spent >= s.budget {
                break;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    // Simplify what is left, step by step.
    let mut i = 0;
    while i < program.len() && s.spent < s.budget {
        let mut changed = false;
        for simpler in simpler(&program[i]) {
            let mut candidate = program.clone();
            candidate[i] = simpler;
            if let Some(out) = s.fails(&candidate).await {
                program = candidate;
                cut(&mut program, &out);
                last = out;
                changed = true;
                break;
            }
        }
        if !changed {
            i += 1;
        }
    }
    Shrunk {
        steps: program,
        outcome: last,
        reproduced: true,
        requests: s.spent,
    }
}
