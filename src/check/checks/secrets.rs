//! The secrets group: no response of any connector type echoes a credential value.

use crate::check::ctx::{Ctx, Step};
use crate::contract::{self, connector_types};
use serde_json::json;

pub(super) async fn not_echoed(c: &Ctx) -> Step {
    // Every response is scanned for the credential values it was sent (see Ctx::post); here every
    // connector type with credentials is sent, as a create, a replay and a mismatch.
    let acct = c.account();
    for t in connector_types() {
        let (body, _) = c.valid_with_token(t);
        if contract::redact::secret_values(&body).is_empty() {
            continue;
        }
        let _ = c.created(
            &c.post(&acct, &body).await,
            &format!("a valid {t} request was not accepted"),
        );
        let _ = c.post(&acct, &body).await;
        let mut changed = body.clone();
        changed["connectionMode"] = json!("Private");
        let _ = c.post(&acct, &changed).await;
    }
    Ok(())
}
