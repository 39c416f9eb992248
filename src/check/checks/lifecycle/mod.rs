//! The lifecycle group: describe, update and delete, on a target that has them (a 404 `NOT_FOUND`
//! on their paths: it has not, and each is skipped with that reason).

use crate::check::ctx::{Ctx, Step, Stop};
use crate::contract;
use crate::http::Exchange;
use serde_json::{Value, json};

mod delete;
mod describe;
mod update;

pub(super) use delete::{create_token_after_delete, delete_frees, delete_missing};
pub(super) use describe::{describe_details, describe_filters, describe_pages};
pub(super) use update::{update_idempotency, update_missing, update_replaces};

/// What a detail's `connectorProfileProperties` must be for `body`: what was sent under the key
/// (`{}` when nothing was), under the connector's model key; `{}` for a type without one.
pub(super) fn expected_properties(body: &Value) -> Value {
    let ty = body["connectorType"].as_str().unwrap_or_default();
    match contract::connector_key(ty) {
        Some(k) => {
            let sent = body["connectorProfileConfig"]["connectorProfileProperties"]
                .get(k)
                .cloned()
                .unwrap_or_else(|| json!({}));
            json!({ k: sent })
        }
        None => json!({}),
    }
}

/// The ARN a create answered (`None` where an envelope-dialect service sends none).
pub(super) fn arn_of(c: &Ctx, data: &Value) -> Option<String> {
    let key = match c.cfg.errors.dialect() {
        contract::Dialect::Aws => "id",
        contract::Dialect::Envelope => "connectorProfileArn",
    };
    data[key].as_str().map(str::to_owned)
}

/// Records a failure unless `detail[member]` is `want`.
pub(super) fn same(c: &Ctx, detail: &Value, member: &str, want: &Value, ex: &Exchange) -> Step {
    if &detail[member] == want {
        return Ok(());
    }
    c.fail(
        format!("describe shows another {member} than was sent"),
        Some(want.to_string()),
        Some(detail[member].to_string()),
        Some(ex),
    );
    Err(Stop)
}

/// One describe of `names` in `account` (all pages), expected to succeed.
pub(super) async fn described(
    c: &Ctx,
    account: &str,
    names: &[&str],
    secrets: &[String],
) -> Result<Vec<Value>, Stop> {
    c.walk(
        account,
        &json!({ "connectorProfileNames": names }),
        &[100],
        secrets,
    )
    .await
}
