//! The explorer's programs: steps as recipes (data a replay file holds, never the bytes, so no
//! credential is ever written down), drawn so that collisions are frequent (a few accounts, names and
//! tokens, the same parameters spelled other ways), and rendered into the exact request both the
//! target and the reference model get.

use crate::check::coverage::RuleSet;
use crate::contract::connector_types;
use crate::contract::examples::SplitMix64;
use serde::{Deserialize, Serialize};

pub use super::render::{AccountHeader, Render, Wire, write};

/// Accounts one program works in.
pub const ACCOUNTS: u8 = 3;
/// Names of one program's pool (each also in upper case: another name).
pub const NAMES: u8 = 6;
/// Tokens of one program's pool (each also in upper case: another token).
pub const TOKENS: u8 = 6;
/// Variants of a type's parameters (credentials and properties): a change of variant is other
/// parameters.
pub const VARIANTS: u8 = 3;

/// One name of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Name {
    /// Its place in the pool.
    pub n: u8,
    /// In upper case (another name by the contract).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub upper: bool,
}

/// One token of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tok {
    /// Its place in the pool.
    pub n: u8,
    /// In upper case (another token by the contract).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub upper: bool,
    /// Only spaces (`n` + 1 of them): a token by the contract like any other.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blank: bool,
}

/// A change of a create's parameters that keeps the request valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tweak {
    /// None.
    #[default]
    None,
    /// Every credential value in upper case (other parameters: a mismatch for a bound token).
    UpperCredentials,
    /// For SAPOData: OAuth properties with the scopes `read`, `write`.
    Scopes,
    /// The same scopes the other way round (other parameters: list items are in order).
    ScopesReversed,
}

fn is_none(t: &Tweak) -> bool {
    *t == Tweak::None
}

/// How a JSON body is written: every spelling is the same JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Spelling {
    /// Compact, members in order.
    #[default]
    Plain,
    /// Members in reverse order at every level.
    Reordered,
    /// Every `e` in strings as `\u0065`, every `/` as `\/`.
    Escaped,
    /// Whitespace around every token.
    Spaced,
    /// Integers written as `N.0`.
    Floats,
}

/// A request below the JSON body: the HTTP rules every operation shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Http {
    /// The method as `post` (methods are case-sensitive: 405).
    LowerCaseMethod,
    /// `GET` (405).
    Get,
    /// A query string on the path (the path is still the endpoint's).
    QueryString,
    /// Another content type.
    ContentType(String),
    /// A body of exactly the size limit (padded with spaces).
    AtLimit,
    /// One byte over the limit.
    OverLimit,
    /// One byte over the limit, with an account header that is not 12 digits (413 comes first).
    OverLimitBadAccount,
    /// No account header, with a body the contract refuses whatever the account holds.
    NoAccount,
    /// An empty account header.
    EmptyAccount,
    /// An account header that is not 12 digits.
    BadAccount,
    /// A body that is not JSON.
    Malformed,
    /// A word after the body.
    TrailingData,
    /// Two requests: a valid create of a name and token of the run's own without the account
    /// header, then the same naming the default account: one call, so a replay.
    DefaultAccount(u64),
}

/// What one step sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Recipe {
    /// A valid create.
    Create {
        /// Its connector type.
        connector_type: String,
        /// Its name.
        name: Name,
        /// Its token, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<Tok>,
        /// Which parameters of the type.
        variant: u8,
        /// `Private` (else `Public`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        private: bool,
        /// How the body is written.
        #[serde(default, skip_serializing_if = "is_plain")]
        spelling: Spelling,
        /// A change of its parameters.
        #[serde(default, skip_serializing_if = "is_none")]
        tweak: Tweak,
    },
    /// `count` creates with fresh names and no token, one after the other (to fill an account).
    Fill {
        /// How many.
        count: u16,
    },
    /// A case of a rule of the request schema (its refused or its accepted side), named from the
    /// pool unless the case is about the name (or the token).
    Case {
        /// Its place in the run's list of cases (the seed fixes the list).
        index: u32,
        /// Its name.
        name: Name,
        /// Its token, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<Tok>,
    },
    /// A create of the HTTP layer's variants.
    Http {
        /// Which.
        variant: Http,
        /// Its name.
        name: Name,
    },
    /// A describe of the account.
    Describe {
        /// Only these names (none: every profile).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        names: Vec<Name>,
        /// Only this type.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        connector_type: Option<String>,
        /// The page size.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<u8>,
        /// Continue from the last page of this account (its `nextToken`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        next: bool,
    },
    /// An update of a name (with the parameters of a type's variant).
    Update {
        /// The connector type whose config is sent.
        connector_type: String,
        /// The name.
        name: Name,
        /// Which parameters.
        variant: u8,
        /// `Private` (else `Public`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        private: bool,
        /// Its token, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<Tok>,
    },
    /// A delete of a name.
    Delete {
        /// The name.
        name: Name,
    },
}

fn is_plain(s: &Spelling) -> bool {
    *s == Spelling::Plain
}

/// One step: a recipe in one of the program's accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// The account (0 to [`ACCOUNTS`] − 1).
    pub account: u8,
    /// What it sends.
    #[serde(flatten)]
    pub recipe: Recipe,
}

impl Step {
    /// How many requests the step sends.
    pub fn requests(&self) -> usize {
        match &self.recipe {
            Recipe::Fill { count } => *count as usize,
            _ if self.is_default_account() => 2,
            _ => 1,
        }
    }

    /// Whether the step visits the default account (a create without the header, then naming it).
    pub fn is_default_account(&self) -> bool {
        matches!(
            self.recipe,
            Recipe::Http {
                variant: Http::DefaultAccount(_),
                ..
            }
        )
    }

    /// The step in a few words, for a witness (`create S3 n2 token t1`).
    pub fn describe(&self) -> String {
        let name = |n: &Name| format!("n{}{}", n.n, if n.upper { "(upper)" } else { "" });
        let tok = |t: &Option<Tok>| match t {
            Some(t) => format!(
                " token t{}{}",
                t.n,
                if t.upper {
                    "(upper)"
                } else if t.blank {
                    "(blank)"
                } else {
                    ""
                }
            ),
            None => String::new(),
        };
        let what = match &self.recipe {
            Recipe::Create {
                connector_type,
                name: n,
                token,
                variant,
                private,
                spelling,
                tweak,
            } => format!(
                "create {connector_type} {}{} (parameters v{variant}{}{}{})",
                name(n),
                tok(token),
                if *private { ", Private" } else { "" },
                if *tweak == Tweak::None {
                    String::new()
                } else {
                    format!(", {tweak:?}")
                },
                if *spelling == Spelling::Plain {
                    String::new()
                } else {
                    format!(", spelled {spelling:?}")
                }
            ),
            Recipe::Fill { count } => format!("{count} creates of fresh names"),
            Recipe::Case {
                index,
                name: n,
                token,
            } => {
                format!("rule case #{index} as {}{}", name(n), tok(token))
            }
            Recipe::Http { variant, name: n } => format!("create {} ({variant:?})", name(n)),
            Recipe::Describe {
                names,
                connector_type,
                max,
                next,
            } => format!(
                "describe{}{}{}{}",
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" {}", names.iter().map(name).collect::<Vec<_>>().join(","))
                },
                connector_type
                    .as_ref()
                    .map(|t| format!(" type {t}"))
                    .unwrap_or_default(),
                max.map(|m| format!(" max {m}")).unwrap_or_default(),
                if *next { " (next page)" } else { "" }
            ),
            Recipe::Update {
                connector_type,
                name: n,
                variant,
                private,
                token,
            } => format!(
                "update {} with {connector_type} v{variant}{}{}",
                name(n),
                if *private { " Private" } else { " Public" },
                tok(token)
            ),
            Recipe::Delete { name: n } => format!("delete {}", name(n)),
        };
        format!("account {}: {what}", self.account)
    }
}

/// What a program is drawn for.
pub struct Draw<'a> {
    /// The run's rules (the cases a step may send).
    pub rules: &'a RuleSet,
    /// Whether the target has describe, update and delete.
    pub lifecycle: bool,
    /// The target's quota (a fill goes up to it and past it).
    pub quota: u32,
}

/// Rule cases a program of 200 requests draws, about: the programs of a run take the run's list of
/// cases in turn from a place the seed picks, so a budget sweeps it instead of sampling it.
pub const CASES_PER_PROGRAM: usize = 28;

/// A random program of about `len` requests from `seed`; its rule cases are the run's list from
/// `first_case` on.
pub fn draw(seed: u64, len: usize, first_case: usize, d: &Draw<'_>) -> Vec<Step> {
    let mut next_case = first_case % d.rules.cases.len().max(1);
    let mut rng = SplitMix64::new(seed);
    let types = connector_types();
    let mut steps: Vec<Step> = Vec::new();
    let mut requests = 0;
    let pick = |rng: &mut SplitMix64, n: u64| (rng.next_u64() % n.max(1)) as u8;
    while requests < len {
        let account = pick(&mut rng, u64::from(ACCOUNTS));
        let name = |rng: &mut SplitMix64| Name {
            n: pick(rng, u64::from(NAMES)),
            upper: rng.next_u64() % 16 == 0,
        };
        let token = |rng: &mut SplitMix64| {
            (rng.next_u64() % 4 != 0).then(|| {
                let (n, style) = (pick(rng, u64::from(TOKENS)), rng.next_u64() % 16);
                Tok {
                    n,
                    upper: style == 0,
                    blank: style == 1,
                }
            })
        };
        let roll = rng.next_u64() % 100;
        let earlier: Vec<&Step> = steps
            .iter()
            .filter(|s| matches!(s.recipe, Recipe::Create { .. }))
            .collect();
        let recipe = match roll {
            // Again an earlier create, as it was (a replay, or a taken name), or spelled otherwise.
            0..=17 if !earlier.is_empty() => {
                let mut again = earlier[rng.next_u64() as usize % earlier.len()].clone();
                if let Recipe::Create { spelling, .. } = &mut again.recipe {
                    *spelling = [
                        Spelling::Plain,
                        Spelling::Reordered,
                        Spelling::Escaped,
                        Spelling::Spaced,
                        Spelling::Floats,
                    ][rng.next_u64() as usize % 5];
                }
                if rng.next_u64() % 4 == 0 {
                    again.account = account;
                }
                steps.push(again);
                requests += 1;
                continue;
            }
            // An earlier create's token with other parameters (or the same name with a new token).
            18..=25 if !earlier.is_empty() => {
                let mut other = earlier[rng.next_u64() as usize % earlier.len()].clone();
                if let Recipe::Create {
                    variant,
                    private,
                    token: t,
                    tweak,
                    ..
                } = &mut other.recipe
                {
                    match (rng.next_u64() % 5, *tweak) {
                        (_, Tweak::Scopes) => *tweak = Tweak::ScopesReversed,
                        (0, _) => *variant = (*variant + 1) % VARIANTS,
                        (1, _) => *private = !*private,
                        (2, Tweak::None) => *tweak = Tweak::UpperCredentials,
                        _ => *t = token(&mut rng),
                    }
                }
                steps.push(other);
                requests += 1;
                continue;
            }
            0..=49 => {
                let connector_type = types[rng.next_u64() as usize % types.len()].clone();
                let tweak = if connector_type == "SAPOData" && rng.next_u64() % 2 == 0 {
                    Tweak::Scopes
                } else {
                    Tweak::None
                };
                Recipe::Create {
                    connector_type,
                    name: name(&mut rng),
                    token: token(&mut rng),
                    variant: pick(&mut rng, u64::from(VARIANTS)),
                    private: rng.next_u64() % 4 == 0,
                    spelling: Spelling::Plain,
                    tweak,
                }
            }
            50..=63 if !d.rules.cases.is_empty() => Recipe::Case {
                index: {
                    next_case += 1;
                    ((next_case - 1) % d.rules.cases.len()) as u32
                },
                name: name(&mut rng),
                token: token(&mut rng),
            },
            64..=69 => Recipe::Http {
                variant: match rng.next_u64() % 14 {
                    0 => Http::LowerCaseMethod,
                    1 => Http::Get,
                    2 => Http::QueryString,
                    3 => Http::ContentType("application/json; charset=utf-8".into()),
                    4 => Http::ContentType("text/plain".into()),
                    5 => Http::AtLimit,
                    6 => Http::OverLimit,
                    7 => Http::NoAccount,
                    8 => Http::EmptyAccount,
                    9 => Http::BadAccount,
                    10 => Http::Malformed,
                    11 => Http::OverLimitBadAccount,
                    // Rare: each leaves a profile in the shared default account (until the clean-up).
                    12 if rng.next_u64() % 16 == 0 => Http::DefaultAccount(rng.next_u64()),
                    _ => Http::TrailingData,
                },
                name: name(&mut rng),
            },
            70..=71 => {
                let count = (u64::from(d.quota) / 2 + rng.next_u64() % (u64::from(d.quota) + 2))
                    .min(u64::from(u16::MAX)) as u16;
                Recipe::Fill { count }
            }
            72..=81 if d.lifecycle => Recipe::Describe {
                names: (0..rng.next_u64() % 3).map(|_| name(&mut rng)).collect(),
                connector_type: (rng.next_u64() % 4 == 0)
                    .then(|| types[rng.next_u64() as usize % types.len()].clone()),
                max: (rng.next_u64() % 2 == 0).then(|| 1 + pick(&mut rng, 5)),
                next: rng.next_u64() % 3 == 0,
            },
            82..=90 if d.lifecycle => {
                let n = name(&mut rng);
                // The type its last create in this account had (another type's config is 400).
                let ty = steps
                    .iter()
                    .rev()
                    .find_map(|s| match &s.recipe {
                        Recipe::Create {
                            connector_type,
                            name,
                            ..
                        } if *name == n && s.account == account => Some(connector_type.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| types[rng.next_u64() as usize % types.len()].clone());
                Recipe::Update {
                    connector_type: ty,
                    name: n,
                    variant: pick(&mut rng, u64::from(VARIANTS)),
                    private: rng.next_u64() % 2 == 0,
                    token: token(&mut rng),
                }
            }
            91..=99 if d.lifecycle => Recipe::Delete {
                name: name(&mut rng),
            },
            _ => Recipe::Create {
                connector_type: types[rng.next_u64() as usize % types.len()].clone(),
                name: name(&mut rng),
                token: token(&mut rng),
                variant: pick(&mut rng, u64::from(VARIANTS)),
                private: false,
                spelling: Spelling::Plain,
                tweak: Tweak::None,
            },
        };
        let step = Step { account, recipe };
        requests += step.requests();
        steps.push(step);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn every_spelling_writes_the_same_value() {
        let v = json!({"a/e": [1, 2.5, -3, {"z": "e/é\"\\\n"}], "b": null, "c": true});
        for sp in [
            Spelling::Plain,
            Spelling::Reordered,
            Spelling::Escaped,
            Spelling::Spaced,
            Spelling::Floats,
        ] {
            let bytes = write(&v, sp);
            let back: Value = serde_json::from_slice(&bytes).unwrap();
            if sp == Spelling::Floats {
                assert_eq!(back["a/e"][0], json!(1.0));
            } else {
                assert_eq!(back, v, "{sp:?}: {}", String::from_utf8_lossy(&bytes));
            }
        }
        assert!(
            String::from_utf8(write(&v, Spelling::Escaped))
                .unwrap()
                .contains("\\u0065")
        );
    }

    #[test]
    fn a_program_round_trips_through_its_replay_form() {
        let rules = RuleSet::build("ah-rule-case", 1);
        let d = Draw {
            rules: &rules,
            lifecycle: true,
            quota: 5,
        };
        let p = draw(7, 300, 0, &d);
        assert!(p.iter().map(Step::requests).sum::<usize>() >= 300);
        let text = serde_json::to_string(&p).unwrap();
        let back: Vec<Step> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
        assert_eq!(
            draw(7, 300, 0, &d),
            p,
            "the same seed draws the same program"
        );
    }
}
