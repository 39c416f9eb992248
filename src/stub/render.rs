//! How the stub words its answers: the envelopes as bytes, RFC 3339 times, ids and ARNs, and the
//! faults that change the wording (status 200 for errors, text/plain, a missing or bad `created_at`).

use super::decide::StubResponse;
use super::fault::Fault;
use super::machine::{Answered, StoredProfile};
use super::state::Stub;
use crate::contract::{Created, Dialect, ErrorCode, ErrorEnvelope, SuccessEnvelope, aws_exception};
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

/// RFC 3339 in UTC with milliseconds (`2026-11-29T17:17:26.123Z`), as chrono's
/// `to_rfc3339_opts(Millis, true)` writes it, without its general-purpose formatter.
pub(super) fn format_time(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    let millis = t.timestamp_subsec_millis().min(999);
    let mut out = [0u8; 24];
    let mut put = |at: usize, value: u32, width: usize| {
        let mut v = value;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year as u32, 4);
    put(5, t.month(), 2);
    put(8, t.day(), 2);
    put(11, t.hour(), 2);
    put(14, t.minute(), 2);
    put(17, t.second().min(59), 2);
    put(20, millis, 3);
    out[4] = b'-';
    out[7] = b'-';
    out[10] = b'T';
    out[13] = b':';
    out[16] = b':';
    out[19] = b'.';
    out[23] = b'Z';
    String::from_utf8_lossy(&out).into_owned()
}

/// `cp-` and the id as 32 lowercase hex digits.
pub(super) fn format_id(id: u128) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(35);
    out.push_str("cp-");
    for shift in (0..32).rev() {
        out.push(HEX[((id >> (shift * 4)) & 0xf) as usize] as char);
    }
    out
}

impl Stub {
    pub(super) fn respond(&self, status: u16, body: Vec<u8>) -> StubResponse {
        let content_type = if self.config.faults.has(Fault::TextPlain) {
            "text/plain"
        } else {
            "application/json"
        };
        StubResponse {
            status,
            content_type,
            allow_post: false,
            error_type: None,
            drop_connection: false,
            body: Bytes::from(body),
        }
    }

    pub(super) fn error_envelope(&self, env: &ErrorEnvelope) -> StubResponse {
        let status = if self.config.faults.has(Fault::ErrorsAs200) {
            200
        } else {
            env.error.code.status()
        };
        let mut r = match self.config.dialect {
            Dialect::Envelope => self.respond(status, serde_json::to_vec(env).unwrap_or_default()),
            Dialect::Aws => {
                let body = json!({ "message": env.error.message });
                let mut r = self.respond(status, serde_json::to_vec(&body).unwrap_or_default());
                r.error_type = Some(aws_exception(env.error.code));
                r
            }
        };
        r.allow_post = env.error.code == ErrorCode::MethodNotAllowed;
        r
    }

    pub(super) fn error(&self, code: ErrorCode) -> StubResponse {
        self.error_envelope(&ErrorEnvelope::new(code))
    }

    /// A success without its `connectorProfileArn` (`Fault::ReplayDropsArn`).
    pub(super) fn without_arn(&self, mut r: StubResponse) -> StubResponse {
        if let Ok(mut v) = serde_json::from_slice::<Value>(&r.body) {
            if let Some(data) = v.get_mut("data").and_then(Value::as_object_mut) {
                data.remove("connectorProfileArn");
            }
            r.body = Bytes::from(serde_json::to_vec(&v).unwrap_or_default());
        }
        r
    }

    /// `arn:aws:appflow:REGION:ACCOUNT:connectorprofile/NAME`.
    pub(super) fn arn(&self, account: u64, name: &str) -> String {
        use std::fmt::Write;
        let mut arn = String::with_capacity(48 + self.config.region.len() + name.len());
        arn.push_str("arn:aws:appflow:");
        arn.push_str(&self.config.region);
        let _ = write!(arn, ":{account:012}:connectorprofile/");
        arn.push_str(name);
        arn
    }

    /// A create's (or a replay's) success: the profile it answers for.
    pub(super) fn success(&self, account: u64, p: &Answered, echo: Option<&Value>) -> StubResponse {
        if self.config.dialect == Dialect::Aws {
            let mut body = json!({ "connectorProfileArn": self.arn(account, &p.name) });
            if let Some(creds) = echo {
                body["connectorProfileCredentials"] = creds.clone();
            }
            return self.respond(200, serde_json::to_vec(&body).unwrap_or_default());
        }
        let created_at = if self.config.faults.has(Fault::BadCreatedAt) {
            p.created_at.format("%Y-%m-%d %H:%M:%S").to_string()
        } else {
            format_time(p.created_at)
        };
        let created = Created {
            id: format_id(p.id),
            created_at,
            connector_profile_arn: Some(self.arn(account, &p.name)),
        };
        let envelope = SuccessEnvelope::new(created);
        if !self.config.faults.has(Fault::NoCreatedAt) && echo.is_none() {
            // The common case: serialize the typed envelope straight to bytes.
            // Sized for the envelope, so writing it never reallocates.
            let mut body = Vec::with_capacity(
                160 + envelope
                    .data
                    .connector_profile_arn
                    .as_ref()
                    .map_or(0, String::len),
            );
            // Writing strings into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut body, &envelope);
            return self.respond(200, body);
        }
        let mut body = serde_json::to_value(envelope).unwrap_or_default();
        if self.config.faults.has(Fault::NoCreatedAt)
            && let Some(data) = body.get_mut("data").and_then(Value::as_object_mut)
        {
            data.remove("created_at");
        }
        if let Some(creds) = echo {
            body["data"]["connectorProfileCredentials"] = creds.clone();
        }
        self.respond(200, serde_json::to_vec(&body).unwrap_or_default())
    }
}

impl Stub {
    /// An update's success: the envelope's `data` names the profile (`id`, `created_at`, ARN); the
    /// AWS dialect answers `{"connectorProfileArn"}`.
    pub(super) fn updated(&self, account: u64, p: &Answered) -> StubResponse {
        self.success(account, p, None)
    }

    /// A delete's success: the envelope's `data` names the profile it removed; AWS answers `{}`.
    pub(super) fn deleted(&self, account: u64, p: &Answered) -> StubResponse {
        if self.config.dialect == Dialect::Aws {
            return self.respond(200, b"{}".to_vec());
        }
        self.success(account, p, None)
    }

    /// One profile as a describe shows it: what was created and last updated, never its credentials.
    pub(super) fn detail(&self, account: u64, p: &StoredProfile) -> Value {
        let aws = self.config.dialect == Dialect::Aws;
        let time = |t: DateTime<Utc>| {
            if aws {
                // Epoch seconds, as the AWS SDKs read timestamps of this protocol.
                json!(t.timestamp_millis() as f64 / 1000.0)
            } else {
                json!(format_time(t))
            }
        };
        let ty = p.connector_type();
        let properties: Value = serde_json::from_str(&p.properties).unwrap_or_else(|_| json!({}));
        let mut d = json!({
            "connectorProfileArn": self.arn(account, &p.name),
            "connectorProfileName": &*p.name,
            "connectorType": ty,
            "connectionMode": if p.private { "Private" } else { "Public" },
            "credentialsArn": format!(
                "arn:aws:secretsmanager:{}:{account:012}:secret:appflow!{account:012}-{}-{:08x}",
                self.config.region,
                p.name,
                (p.id >> 96) as u32
            ),
            // Under the connector's model key (as sent, `{}` when nothing was), `{}` for a type
            // without properties: Terraform's provider reads the key and crashes without the member.
            "connectorProfileProperties": match crate::contract::connector_key(ty) {
                Some(key) => json!({ key: properties }),
                None => json!({}),
            },
            "createdAt": time(p.created_at),
            "lastUpdatedAt": time(p.updated_at),
        });
        if let Some(label) = &p.label {
            d["connectorLabel"] = json!(&**label);
        }
        if !aws {
            d["id"] = json!(format_id(p.id));
            d["created_at"] = json!(format_time(p.created_at));
        }
        d
    }

    /// A describe's page: the details and, when more follow, the next page's token.
    pub(super) fn page(&self, details: Vec<Value>, next: Option<String>) -> StubResponse {
        let mut page = json!({ "connectorProfileDetails": details });
        if let Some(t) = next {
            page["nextToken"] = json!(t);
        }
        let body = match self.config.dialect {
            Dialect::Aws => page,
            Dialect::Envelope => json!({ "success": true, "data": page }),
        };
        self.respond(200, serde_json::to_vec(&body).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn format_time_writes_what_chrono_writes() {
        let mut t = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
        // Steps of a prime number of milliseconds cover every field's digits over 400 years.
        for _ in 0..20_000 {
            assert_eq!(
                format_time(t),
                t.to_rfc3339_opts(SecondsFormat::Millis, true)
            );
            t += chrono::Duration::milliseconds(631_152_007);
        }
        let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            format_time(far),
            far.to_rfc3339_opts(SecondsFormat::Millis, true)
        );
    }

    #[test]
    fn format_id_is_32_lowercase_hex_digits() {
        for id in [0, 1, u128::MAX, 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210] {
            assert_eq!(format_id(id), format!("cp-{id:032x}"));
        }
    }
}
