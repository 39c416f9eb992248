//! The rules an answer can break, each with a stable name and the words that explain it.

use crate::contract::schema::SchemaKind;

/// One broken rule of the contract, proven by an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// The response is not sent as JSON.
    ContentType {
        /// The content type sent, if any.
        actual: Option<String>,
    },
    /// The body is not JSON.
    NotJson {
        /// Whether it was cut at the reader's limit.
        truncated: bool,
    },
    /// `success` is missing or not a boolean.
    SuccessFlag,
    /// The envelope breaks its schema.
    Schema {
        /// Which envelope.
        kind: SchemaKind,
        /// Each violation, as `POINTER: reason`.
        reasons: Vec<String>,
    },
    /// `success: true` with a status outside 2xx.
    SuccessStatus {
        /// The status sent.
        status: u16,
    },
    /// An error envelope with a status below 400.
    ErrorStatus {
        /// The status sent.
        status: u16,
    },
    /// A known code with another status than the table's.
    StatusForCode {
        /// The code.
        code: String,
        /// The table's status for it.
        expected: u16,
        /// The status sent.
        actual: u16,
    },
    /// A code the table does not have.
    UnknownCode {
        /// The code sent.
        code: String,
    },
    /// A credential value that was sent appears in the response.
    SecretEchoed,
    /// Not the answer the contract gives this request.
    Unexpected {
        /// What the contract expects (`409 CONFLICT`, `200 success`).
        expected: String,
        /// What came (`402 QUOTA_EXCEEDED`, `200 success`, `500 (not an envelope)`).
        actual: String,
    },
    /// The service answered bytes that are not an HTTP response at all.
    NotHttp,
    /// A replay's answer differs from the first answer to its token.
    ReplayDiffers {
        /// The member that differs (`id`, `created_at`).
        member: String,
        /// The first answer's value.
        first: String,
        /// The replay's.
        again: String,
    },
}

impl Breach {
    /// The stable name of the rule broken (the same in `check`'s reports and `load`'s counts).
    pub fn rule(&self) -> &'static str {
        match self {
            Breach::ContentType { .. } => "envelope.content-type",
            Breach::NotJson { .. } => "envelope.not-json",
            Breach::SuccessFlag => "envelope.success-flag",
            Breach::Schema { .. } => "envelope.schema",
            Breach::SuccessStatus { .. } => "envelope.success-status",
            Breach::ErrorStatus { .. } => "envelope.error-status",
            Breach::StatusForCode { .. } => "envelope.status-for-code",
            Breach::UnknownCode { .. } => "envelope.unknown-code",
            Breach::SecretEchoed => "secrets.echoed",
            Breach::Unexpected { .. } => "answer.unexpected",
            Breach::NotHttp => "http.malformed",
            Breach::ReplayDiffers { .. } => "idempotency.replay-differs",
        }
    }

    /// Every rule name the judge can give, in the order above.
    pub const RULES: [&'static str; 12] = [
        "envelope.content-type",
        "envelope.not-json",
        "envelope.success-flag",
        "envelope.schema",
        "envelope.success-status",
        "envelope.error-status",
        "envelope.status-for-code",
        "envelope.unknown-code",
        "secrets.echoed",
        "answer.unexpected",
        "http.malformed",
        "idempotency.replay-differs",
    ];

    /// A sentence saying what is wrong.
    pub fn message(&self) -> String {
        match self {
            Breach::ContentType { .. } => "envelope: the response is not sent as JSON".into(),
            Breach::NotJson { .. } => "envelope: the response body is not JSON".into(),
            Breach::SuccessFlag => "envelope: `success` is missing or not a boolean".into(),
            Breach::Schema { kind, .. } => format!(
                "envelope: the {} envelope breaks its schema",
                if *kind == SchemaKind::Success {
                    "success"
                } else {
                    "error"
                }
            ),
            Breach::SuccessStatus { .. } => {
                "envelope: `success: true` with a non-2xx status".into()
            }
            Breach::ErrorStatus { .. } => {
                "envelope: an error envelope with a non-error status".into()
            }
            Breach::StatusForCode { code, .. } => {
                format!("envelope: status and code disagree ({code})")
            }
            Breach::UnknownCode { code } => format!("envelope: unknown error code `{code}`"),
            Breach::SecretEchoed => {
                "secrets: the response contains a credential value that was sent".into()
            }
            Breach::Unexpected { .. } => "not the answer the contract gives this request".into(),
            Breach::NotHttp => "the answer is not an HTTP response".into(),
            Breach::ReplayDiffers { member, .. } => {
                format!("the replay's {member} differs from the first answer's")
            }
        }
    }

    /// What the contract expects, in a few words.
    pub fn expected(&self) -> String {
        match self {
            Breach::ContentType { .. } => "content-type: application/json".into(),
            Breach::NotJson { .. } => "a success or error envelope".into(),
            Breach::SuccessFlag => {
                "{\"success\": true, \"data\": …} or {\"success\": false, \"error\": …}".into()
            }
            Breach::Schema { kind, .. } => format!(
                "valid against schemas/{}",
                if *kind == SchemaKind::Success {
                    "success-envelope.schema.json"
                } else {
                    "error-envelope.schema.json"
                }
            ),
            Breach::SuccessStatus { .. } => "2xx".into(),
            Breach::ErrorStatus { .. } => "4xx or 5xx".into(),
            Breach::StatusForCode { code, expected, .. } => format!("{expected} with {code}"),
            Breach::UnknownCode { .. } => "a code of the contract's error table".into(),
            Breach::SecretEchoed => "no credential value in any response body or header".into(),
            Breach::Unexpected { expected, .. } => expected.clone(),
            Breach::NotHttp => "an HTTP/1.1 response".into(),
            Breach::ReplayDiffers { first, .. } => first.clone(),
        }
    }

    /// What the target did, in a few words.
    pub fn actual(&self) -> Option<String> {
        match self {
            Breach::ContentType { actual } => Some(format!(
                "content-type: {}",
                actual.as_deref().unwrap_or("(none)")
            )),
            Breach::NotJson { truncated } => Some(if *truncated {
                "a body over the reader's limit".into()
            } else {
                "a body that does not parse as JSON".into()
            }),
            Breach::SuccessFlag => None,
            Breach::Schema { reasons, .. } => Some(reasons.join("; ")),
            Breach::SuccessStatus { status }
            | Breach::ErrorStatus { status }
            | Breach::StatusForCode { actual: status, .. } => Some(status.to_string()),
            Breach::UnknownCode { code } => Some(code.clone()),
            Breach::SecretEchoed => {
                Some("a value from connectorProfileCredentials (shown as ***)".into())
            }
            Breach::Unexpected { actual, .. } => Some(actual.clone()),
            Breach::NotHttp => Some("bytes that do not parse as HTTP".into()),
            Breach::ReplayDiffers { again, .. } => Some(again.clone()),
        }
    }
}
