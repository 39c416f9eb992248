//! The boundary group: every request at the edge of a constraint of the request schema is accepted
//! (the other side of the validation group): strings of exactly their shortest and longest length,
//! integers at both ends of their range and as `443.0`, every enumeration value, optional members.

use crate::check::ctx::{Ctx, Step, Stop};
use crate::contract::{EdgeClass, Size, connector_types, edge_cases};
use futures::StreamExt;

/// Sends every generated edge case of `class` (from the largest valid example of each connector
/// type), each in an account of its own: each must be created.
async fn accepted_class(c: &Ctx, class: EdgeClass, what: &str) -> Step {
    let mut cases = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in connector_types() {
        let name = c.name("e");
        let valid = c.generator().request_sized(t, &name, Size::Largest);
        for case in edge_cases(&valid) {
            if case.class == class && seen.insert((case.pointer.clone(), case.description.clone()))
            {
                cases.push(case);
            }
        }
    }
    if cases.is_empty() {
        c.fail(
            format!("no {what} cases could be generated"),
            None,
            None,
            None,
        );
        return Err(Stop);
    }
    let cases = &cases;
    futures::stream::iter((0..cases.len()).map(|i| async move {
        let case = &cases[i];
        let ex = c.post(&c.account(), &case.body).await;
        let _ = c.created(
            &ex,
            &format!(
                "{} ({}) is valid but was not accepted",
                case.pointer, case.description
            ),
        );
    }))
    .buffer_unordered(c.settings.concurrency.max(1))
    .collect::<Vec<()>>()
    .await;
    Ok(())
}

pub(super) async fn max_length(c: &Ctx) -> Step {
    accepted_class(c, EdgeClass::MaxLength, "maximum-length").await
}
pub(super) async fn min_length(c: &Ctx) -> Step {
    accepted_class(c, EdgeClass::MinLength, "minimum-length").await
}
pub(super) async fn integer_range(c: &Ctx) -> Step {
    accepted_class(c, EdgeClass::IntegerRange, "integer-range").await
}
pub(super) async fn integer_as_float(c: &Ctx) -> Step {
    accepted_class(c, EdgeClass::IntegerAsFloat, "integer-as-float").await
}
pub(super) async fn enum_values(c: &Ctx) -> Step {
    accepted_class(c, EdgeClass::EnumValue, "enumeration-value").await
}
pub(super) async fn optional_members(c: &Ctx) -> Step {
    accepted_class(c, EdgeClass::OptionalMember, "optional-member").await
}
