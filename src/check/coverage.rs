//! Coverage of the contract: for every rule ([`crate::contract::rules`]), how many answered cases
//! tested it each way, and whether that covers it both ways. Computed from the rules and the run's
//! counts, so a rule nobody sends a case for shows, with the reason.

use crate::contract::rules::cases::{Bases, Case, NoCase, for_rule};
use crate::contract::rules::{self, Direction, Rule, SchemaRule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every rule of the contract and every case the schema's rules have, made once per run.
pub struct RuleSet {
    /// Every rule, schema's and document's.
    pub rules: Vec<Rule>,
    /// The requests the cases are made from.
    pub bases: Bases,
    /// Every case, with its rule.
    pub cases: Vec<(Arc<Case>, Arc<SchemaRule>)>,
    /// Rules without a case one way, and why.
    pub missing: BTreeMap<String, NoCase>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .field("cases", &self.cases.len())
            .field("missing", &self.missing.len())
            .finish()
    }
}

impl RuleSet {
    /// The rules and their cases, the requests named `name` (seeded).
    pub fn build(name: &str, seed: u64) -> RuleSet {
        let rules = rules::all();
        let bases = Bases::new(name, seed);
        let mut cases = Vec::new();
        let mut missing = BTreeMap::new();
        for r in &rules {
            let Some(schema) = &r.schema else { continue };
            let schema = Arc::new(schema.clone());
            match for_rule(&schema, &r.id, &bases) {
                Ok(made) => cases.extend(made.into_iter().map(|c| (Arc::new(c), schema.clone()))),
                Err(why) => {
                    missing.insert(r.id.clone(), why);
                }
            }
        }
        RuleSet {
            rules,
            bases,
            cases,
            missing,
        }
    }
}

/// How a rule is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoverageStatus {
    /// At least one answered case each way.
    Covered,
    /// Nothing the runner may send breaks it (see `why`); its accepted side is covered.
    Vacuous,
    /// A way without an answered case (see `why`).
    Uncovered,
}

/// One rule's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleCoverage {
    /// The rule's ID.
    pub id: String,
    /// What it says.
    pub description: String,
    /// Answered cases that broke it (and expected its refusal).
    pub refused: u64,
    /// Answered cases at its edge that kept it (and expected acceptance).
    pub accepted: u64,
    /// Covered both ways, vacuous, or not.
    pub status: CoverageStatus,
    /// Why it is vacuous or uncovered.
    pub why: Option<String>,
}

/// The run's coverage of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// Rules in all.
    pub total: u32,
    /// Covered both ways.
    pub covered: u32,
    /// Vacuous (nothing the runner may send breaks them).
    pub vacuous: u32,
    /// Not covered both ways.
    pub uncovered: u32,
    /// Every rule, in the rules' order.
    pub rules: Vec<RuleCoverage>,
}

impl Coverage {
    /// Covered (or vacuous) rules as a share of all, in percent.
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            return 100.0;
        }
        f64::from(self.covered + self.vacuous) * 100.0 / f64::from(self.total)
    }

    /// The rules not covered both ways.
    pub fn holes(&self) -> impl Iterator<Item = &RuleCoverage> {
        self.rules
            .iter()
            .filter(|r| r.status == CoverageStatus::Uncovered)
    }
}

/// The coverage of `rules` given how many answered cases tested each one each way (`counts`:
/// refused, accepted) and the rules no case could be made for (`missing`).
pub fn compute(
    rules: &[Rule],
    missing: &BTreeMap<String, NoCase>,
    counts: &BTreeMap<String, [u64; 2]>,
) -> Coverage {
    let mut out = Coverage::default();
    for r in rules {
        let [refused, accepted] = counts.get(&r.id).copied().unwrap_or_default();
        let (status, why) = match missing.get(&r.id) {
            Some(NoCase::Vacuous(why)) if accepted > 0 || r.schema.is_some() => {
                (CoverageStatus::Vacuous, Some(why.clone()))
            }
            Some(NoCase::Cannot(why)) => (CoverageStatus::Uncovered, Some(why.clone())),
            _ if refused > 0 && accepted > 0 => (CoverageStatus::Covered, None),
            _ => {
                let ways: Vec<&str> = [(refused, "refused"), (accepted, "accepted")]
                    .into_iter()
                    .filter(|(n, _)| *n == 0)
                    .map(|(_, w)| w)
                    .collect();
                let why = format!(
                    "no answered case {} (its check was not run, or got no answer)",
                    ways.join(" nor ")
                );
                (CoverageStatus::Uncovered, Some(why))
            }
        };
        match status {
            CoverageStatus::Covered => out.covered += 1,
            CoverageStatus::Vacuous => out.vacuous += 1,
            CoverageStatus::Uncovered => out.uncovered += 1,
        }
        out.rules.push(RuleCoverage {
            id: r.id.clone(),
            description: r.description.clone(),
            refused,
            accepted,
            status,
            why,
        });
    }
    out.total = out.rules.len() as u32;
    out
}

/// Adds one answered case of `rule`, one way, to `counts`.
pub fn count(counts: &mut BTreeMap<String, [u64; 2]>, rule: &str, dir: Direction) {
    let slot = counts.entry(rule.to_owned()).or_default();
    slot[match dir {
        Direction::Refused => 0,
        Direction::Accepted => 1,
    }] += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_without_answered_cases_one_way_is_a_hole_and_says_why() {
        let rules: Vec<Rule> = ["a", "b", "c", "d"]
            .iter()
            .map(|id| Rule {
                id: (*id).into(),
                description: String::new(),
                schema: None,
            })
            .collect();
        let mut counts = BTreeMap::new();
        count(&mut counts, "a", Direction::Refused);
        count(&mut counts, "a", Direction::Accepted);
        count(&mut counts, "b", Direction::Refused);
        let mut missing = BTreeMap::new();
        missing.insert("d".into(), NoCase::Cannot("no generator".into()));
        let cov = compute(&rules, &missing, &counts);
        assert_eq!((cov.covered, cov.uncovered), (1, 3));
        let holes: Vec<_> = cov
            .holes()
            .map(|r| (r.id.as_str(), r.why.clone().unwrap()))
            .collect();
        assert_eq!(holes[0].0, "b");
        assert!(holes[0].1.contains("accepted"), "{holes:?}");
        assert!(holes[1].1.contains("refused nor accepted"), "{holes:?}");
        assert_eq!(holes[2].1, "no generator");
    }
}
