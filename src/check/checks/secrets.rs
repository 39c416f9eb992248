//! The secrets group: no response of any connector type echoes a credential value.

use crate::check::ctx::{Ctx, Step};
use crate::contract::{self, connector_types};
use serde_json::json;

pub(super) async fn not_echoed(c: &Ctx) -> Step {
    // Every response is scanned for the credential values it was sent (see Ctx::post); here every
    // connector type with credentials is sent, as a create, a replay and a mismatch.
    let accounts = c.spread();
    for t in connector_types() {
        let (body, _) = c.valid_with_token(t);
        if contract::redact::secret_values(&body).is_empty() {
            continue;
        }
        let acct = accounts.next();
        let _ = c.created(
            &c.post(&acct, &body).await,
            &format!("a valid {t} request was not accepted"),
        );
        let _ = c.post(&acct, &body).await;
        let mut changed = body.clone();
        changed["connectionMode"] = json!("Private");
        let _ = c.post(&acct, &changed).await;
    }
    // The full requests: every credential the model has, nested OAuth requests included, in a
    // success and in refusals (a mismatch, an invalid member next to them).
    for t in connector_types() {
        let Some(mut full) = c.full_request(t) else {
            continue;
        };
        full["connectorProfileName"] = json!(c.name("secrets-full"));
        full["clientToken"] = json!(c.token());
        if contract::redact::secret_values(&full).is_empty() {
            continue;
        }
        let acct = accounts.next();
        let _ = c.created(
            &c.post(&acct, &full).await,
            &format!("the full {t} request was not accepted"),
        );
        let mut changed = full.clone();
        changed["connectionMode"] = json!("Private");
        let _ = c.post(&acct, &changed).await;
        let mut invalid = full.clone();
        invalid["connectionMode"] = json!("Sideways");
        let _ = c.post_refused(&acct, &invalid).await;
    }
    Ok(())
}
