//! The boundary group: every request at the edge of a rule of the request schema is accepted (the
//! other side of the validation group): strings of exactly their shortest and longest length, integers
//! at both ends of their range and as `443.0`, every value of every enumeration, every alternative of
//! every pattern (`""` where the contract allows it), maps and lists of their largest size, and the
//! full and minimal requests of every connector type. Made from the same rules as the validation
//! group's cases ([`super::cases`]).

use super::cases::family;
use super::validation::{LENGTHS, RANGES, connector_keys};
use crate::check::ctx::{Ctx, Step};
use crate::contract::rules::{Direction, SchemaRule};

fn is(r: &SchemaRule, names: &[&str]) -> bool {
    names.contains(&r.keyword.as_str())
}

pub(super) async fn max_length(c: &Ctx) -> Step {
    family(c, |r| is(r, &["maxLength"]), Direction::Accepted).await
}
pub(super) async fn min_length(c: &Ctx) -> Step {
    family(c, |r| is(r, &["minLength"]), Direction::Accepted).await
}
pub(super) async fn integer_range(c: &Ctx) -> Step {
    family(c, |r| is(r, RANGES), Direction::Accepted).await
}
pub(super) async fn integer_as_float(c: &Ctx) -> Step {
    family(c, |r| is(r, &["type"]), Direction::Accepted).await
}
pub(super) async fn enum_values(c: &Ctx) -> Step {
    family(c, |r| is(r, &["enum"]), Direction::Accepted).await
}
pub(super) async fn optional_members(c: &Ctx) -> Step {
    let members = |r: &SchemaRule| {
        is(
            r,
            &[
                "required",
                "additionalProperties",
                "label-for-custom-connector",
            ],
        ) || connector_keys(r)
    };
    family(c, members, Direction::Accepted).await
}
pub(super) async fn pattern_alternatives(c: &Ctx) -> Step {
    family(c, |r| is(r, &["pattern"]), Direction::Accepted).await
}
pub(super) async fn sizes(c: &Ctx) -> Step {
    let sizes = |r: &SchemaRule| {
        is(r, LENGTHS) && !is(r, &["minLength", "maxLength"]) && !connector_keys(r)
    };
    family(c, sizes, Direction::Accepted).await
}
