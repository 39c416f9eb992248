//! The admin routes beside the endpoint (`/__admin/…`): reset, the clock, an account's quota, its
//! profiles, and the stats. A real implementation need not have them.

use super::decide::{StubRequest, StubResponse};
use super::state::Stub;
use crate::contract::{self, ErrorCode, ErrorEnvelope};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::Duration;

impl Stub {
    pub(super) fn admin(&self, req: &StubRequest<'_>, rest: &str) -> StubResponse {
        let json_ok = |v: Value| self.respond(200, serde_json::to_vec(&v).unwrap_or_default());
        let bad = |msg: &str| {
            self.error_envelope(&ErrorEnvelope::with_message(
                ErrorCode::ValidationError,
                msg,
            ))
        };
        let method_not_allowed = || self.error(ErrorCode::MethodNotAllowed);
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            ["reset"] => {
                if req.method != "POST" {
                    return method_not_allowed();
                }
                self.reset();
                json_ok(json!({"reset": true}))
            }
            ["clock"] => {
                if req.method != "POST" {
                    return method_not_allowed();
                }
                let secs = serde_json::from_slice::<Value>(req.body)
                    .ok()
                    .and_then(|v| v.get("advance_seconds").and_then(Value::as_u64));
                let Some(secs) = secs else {
                    return bad("Expected {\"advance_seconds\": N} with N a non-negative integer");
                };
                self.advance_clock(Duration::from_secs(secs));
                json_ok(json!({
                    "now": super::render::format_time(self.now()),
                    "offset_seconds": self.offset_secs.load(Ordering::Relaxed)
                }))
            }
            ["stats"] => {
                if req.method != "GET" {
                    return method_not_allowed();
                }
                json_ok(serde_json::to_value(self.stats()).unwrap_or_default())
            }
            ["accounts", id, what] => {
                if !contract::is_valid_account(id) {
                    return bad("The account must be 12 digits");
                }
                let account = super::decide::parse_account(id);
                match (*what, req.method) {
                    ("quota", "PUT") => {
                        let quota = serde_json::from_slice::<Value>(req.body)
                            .ok()
                            .and_then(|v| v.get("quota").and_then(Value::as_u64))
                            .and_then(|q| u32::try_from(q).ok());
                        let Some(quota) = quota else {
                            return bad("Expected {\"quota\": N} with N a non-negative integer");
                        };
                        self.set_quota(account, quota);
                        json_ok(json!({"account": id, "quota": quota}))
                    }
                    ("profiles", "GET") => {
                        let profiles = self.profiles(account);
                        json_ok(json!({"count": profiles.len(), "profiles": profiles}))
                    }
                    ("quota" | "profiles", _) => method_not_allowed(),
                    _ => self.error(ErrorCode::NotFound),
                }
            }
            _ => self.error(ErrorCode::NotFound),
        }
    }
}
