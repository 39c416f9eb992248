//! The one judge of an answer. Every part of the harness that decides whether a response keeps the
//! contract asks it: the runner's checks, the load generator's transactions, `diff` and the
//! snapshots. It takes a response (status, content type, headers, body) and, when the caller knows it,
//! what the contract expects; it returns what the answer is ([`Shape`]) and every rule it breaks, as
//! typed [`Breach`]es with stable rule names.
//!
//! The body is read in place ([`Doc`]) when it is in that subset, else as a `serde_json::Value`; the
//! schemas are the same either way, so the verdict is too (tested).

use super::dialect::Dialect;
use super::doc::Doc;
use super::errors::{ErrorCode, ErrorTable};
use super::schema::SchemaKind;
use super::validate::validate_against;
use serde_json::Value;

/// A response as the judge sees it.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The `content-type` header, if any.
    pub content_type: Option<&'a str>,
    /// Every header as `name: value` lines (for the secret scan; empty when not kept).
    pub headers: &'a str,
    /// The body as read.
    pub body: &'a [u8],
    /// Whether the body was cut short by the reader's limit.
    pub truncated: bool,
    /// The `x-amzn-errortype` header, if any (read in the AWS dialect).
    pub error_type: Option<&'a str>,
}

/// What an answer is, read from its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `success: true`; `id` is `data.id` when it is a string.
    Success {
        /// `data.id`.
        id: Option<String>,
    },
    /// `success: false`; `code` is the contract code `error.code` stands for in the table.
    Error {
        /// `error.code` as sent (empty when missing).
        wire: String,
        /// The contract code it stands for, if any.
        code: Option<ErrorCode>,
    },
    /// Not an envelope at all.
    NotAnEnvelope,
}

/// What the contract expects of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// `200` with the success envelope.
    Success,
    /// The error `code`, with the status the table gives it.
    Error(ErrorCode),
}

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

/// The judge's finding on one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The status.
    pub status: u16,
    /// What the answer is.
    pub shape: Shape,
    /// Every envelope rule it breaks (whatever was expected).
    pub breaches: Vec<Breach>,
}

impl Judgement {
    /// Whether it is a 200 success with an id.
    pub fn is_created(&self) -> bool {
        self.status == 200 && matches!(&self.shape, Shape::Success { id: Some(_) })
    }

    /// The contract code of an error answer.
    pub fn code(&self) -> Option<ErrorCode> {
        match &self.shape {
            Shape::Error { code, .. } => *code,
            _ => None,
        }
    }

    /// The answer in a few words: `200 success`, `409 CONFLICT`, `500 (not an envelope)`.
    pub fn outcome(&self) -> String {
        match &self.shape {
            Shape::Success { .. } => format!("{} success", self.status),
            Shape::Error { wire, .. } if wire.is_empty() => format!("{} (no code)", self.status),
            Shape::Error { wire, .. } => format!("{} {wire}", self.status),
            Shape::NotAnEnvelope => format!("{} (not an envelope)", self.status),
        }
    }

    /// The breach when this is not the answer `expect` names (`None` when it is).
    pub fn against(&self, table: &ErrorTable, expect: Expect) -> Option<Breach> {
        let (ok, expected) = match expect {
            Expect::Success => (self.is_created(), "200 success".to_owned()),
            Expect::Error(code) => {
                let e = table.expected(code);
                let ok = self.status == e.status
                    && matches!(&self.shape, Shape::Error { wire, .. } if *wire == e.code);
                (ok, format!("{} {}", e.status, e.code))
            }
        };
        (!ok).then(|| Breach::Unexpected {
            expected,
            actual: self.outcome(),
        })
    }
}

/// The breach when a replay's `member` differs from the first answer's (`None` when they agree).
pub fn replay(member: &str, first: &str, again: &str) -> Option<Breach> {
    (first != again).then(|| Breach::ReplayDiffers {
        member: member.to_owned(),
        first: first.to_owned(),
        again: again.to_owned(),
    })
}

/// Judges one answer: every envelope rule, the secrets sent (`secrets`) and the shape.
pub fn judge(table: &ErrorTable, answer: &Answer<'_>, secrets: &[String]) -> Judgement {
    let mut breaches = Vec::new();
    if !answer.content_type.is_some_and(super::is_json_content_type) {
        breaches.push(Breach::ContentType {
            actual: answer.content_type.map(str::to_owned),
        });
    }
    let leaked = secrets.iter().any(|s| {
        !s.is_empty()
            && (answer.body.windows(s.len()).any(|w| w == s.as_bytes())
                || answer.headers.contains(s.as_str()))
    });
    if leaked {
        breaches.push(Breach::SecretEchoed);
    }
    let shape = match table.dialect() {
        Dialect::Envelope => read(table, answer, &mut breaches),
        Dialect::Aws => read_aws(table, answer, &mut breaches),
    };
    if let Shape::Success { .. } = shape
        && !(200..300).contains(&answer.status)
    {
        breaches.push(Breach::SuccessStatus {
            status: answer.status,
        });
    }
    if let Shape::Error { wire, code } = &shape {
        if answer.status < 400 {
            breaches.push(Breach::ErrorStatus {
                status: answer.status,
            });
        } else {
            match code {
                Some(c) if table.expected(*c).status != answer.status => {
                    breaches.push(Breach::StatusForCode {
                        code: wire.clone(),
                        expected: table.expected(*c).status,
                        actual: answer.status,
                    })
                }
                Some(_) => {}
                None => breaches.push(Breach::UnknownCode { code: wire.clone() }),
            }
        }
    }
    Judgement {
        status: answer.status,
        shape,
        breaches,
    }
}

/// The AppFlow model's `ConnectorProfileArn` pattern, anchored.
fn is_connector_profile_arn(s: &str) -> bool {
    static ARN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^arn:aws:appflow:.*:[0-9]+:.*$").expect("a valid pattern")
    });
    !s.is_empty() && s.len() <= 512 && ARN.is_match(s)
}

/// Reads an AWS REST-JSON answer: `{"connectorProfileArn"}` for a 2xx, an exception named by
/// `x-amzn-errortype` (or the body's `__type`) with a `message` for a 4xx/5xx.
fn read_aws(table: &ErrorTable, answer: &Answer<'_>, breaches: &mut Vec<Breach>) -> Shape {
    let value = if answer.truncated {
        None
    } else {
        serde_json::from_slice::<Value>(answer.body).ok()
    };
    let Some(v) = value.filter(Value::is_object) else {
        breaches.push(Breach::NotJson {
            truncated: answer.truncated,
        });
        return Shape::NotAnEnvelope;
    };
    if (200..300).contains(&answer.status) {
        let arn = v.get("connectorProfileArn").and_then(Value::as_str);
        if !arn.is_some_and(is_connector_profile_arn) {
            breaches.push(Breach::Schema {
                kind: SchemaKind::Success,
                reasons: vec![
                    "/connectorProfileArn: must be the profile's ARN (arn:aws:appflow:REGION:ACCOUNT:…)"
                        .into(),
                ],
            });
        }
        return Shape::Success {
            id: arn.map(str::to_owned),
        };
    }
    if answer.status < 400 {
        return Shape::NotAnEnvelope;
    }
    // The exception's name, as botocore reads it: the header, else the body's `__type`, else `code`.
    let name = answer
        .error_type
        .map(|t| t.split(':').next().unwrap_or(t).trim())
        .or_else(|| {
            v.get("__type")
                .and_then(Value::as_str)
                .map(|t| t.rsplit('#').next().unwrap_or(t))
        })
        .or_else(|| v.get("code").and_then(Value::as_str))
        .unwrap_or_default();
    let mut reasons = Vec::new();
    if name.is_empty() {
        reasons.push("no x-amzn-errortype header (nor __type) names the exception".to_owned());
    }
    let message = ["message", "Message"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str));
    if message.is_none_or(str::is_empty) {
        reasons.push("/message: missing or empty".to_owned());
    }
    if !reasons.is_empty() {
        breaches.push(Breach::Schema {
            kind: SchemaKind::Error,
            reasons,
        });
    }
    Shape::Error {
        wire: name.to_owned(),
        code: table.code_of(name),
    }
}

/// Reads the envelope (in place when it can) and records the schema's and the flag's breaches.
fn read(table: &ErrorTable, answer: &Answer<'_>, breaches: &mut Vec<Breach>) -> Shape {
    if !answer.truncated
        && let Some(doc) = Doc::parse(answer.body)
    {
        let root = doc.root();
        let Some((kind, shape)) = envelope_shape(
            table,
            root.get_bool("success"),
            || root.get("data").and_then(|d| d.get_str("id")),
            || root.get("error").and_then(|e| e.get_str("code")),
        ) else {
            breaches.push(Breach::SuccessFlag);
            return Shape::NotAnEnvelope;
        };
        if !kind.doc_validator().is_valid(root) {
            // Worded through the `Value` path; the verdict is the same (tested).
            if let Ok(v) = serde_json::from_slice::<Value>(answer.body) {
                schema_breach(table, kind, &v, breaches);
            }
        }
        return shape;
    }
    let value = if answer.truncated {
        None
    } else {
        serde_json::from_slice::<Value>(answer.body).ok()
    };
    let Some(v) = value else {
        breaches.push(Breach::NotJson {
            truncated: answer.truncated,
        });
        return Shape::NotAnEnvelope;
    };
    let Some((kind, shape)) = envelope_shape(
        table,
        v.get("success").and_then(Value::as_bool),
        || v["data"]["id"].as_str(),
        || v["error"]["code"].as_str(),
    ) else {
        breaches.push(Breach::SuccessFlag);
        return Shape::NotAnEnvelope;
    };
    schema_breach(table, kind, &v, breaches);
    shape
}

/// The envelope's schema and shape from its `success` flag, `data.id` and `error.code` (whichever
/// representation read them); `None` when the flag is missing or not a boolean.
fn envelope_shape<'a>(
    table: &ErrorTable,
    success: Option<bool>,
    id: impl FnOnce() -> Option<&'a str>,
    code: impl FnOnce() -> Option<&'a str>,
) -> Option<(SchemaKind, Shape)> {
    match success? {
        true => Some((
            SchemaKind::Success,
            Shape::Success {
                id: id().map(str::to_owned),
            },
        )),
        false => {
            let wire = code().unwrap_or_default();
            Some((
                SchemaKind::Error,
                Shape::Error {
                    wire: wire.to_owned(),
                    code: table.code_of(wire),
                },
            ))
        }
    }
}

fn schema_breach(table: &ErrorTable, kind: SchemaKind, v: &Value, breaches: &mut Vec<Breach>) {
    // A team that renamed the codes is held to its own names, not to the schema's enum of ours.
    let renamed = table.renames_codes();
    let reasons: Vec<String> = validate_against(kind, v)
        .into_iter()
        .filter(|x| {
            !(renamed && x.field == "/error/code" && x.reason.starts_with("must be one of"))
        })
        .map(|x| x.to_string())
        .collect();
    if !reasons.is_empty() {
        breaches.push(Breach::Schema { kind, reasons });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer<'a>(status: u16, ct: Option<&'a str>, body: &'a str) -> Answer<'a> {
        Answer {
            status,
            content_type: ct,
            headers: "",
            body: body.as_bytes(),
            truncated: false,
            error_type: None,
        }
    }

    fn rules(j: &Judgement) -> Vec<&'static str> {
        j.breaches.iter().map(Breach::rule).collect()
    }

    const JSON: Option<&str> = Some("application/json");
    const OK: &str = r#"{"success":true,"data":{"id":"cp-1","created_at":"2026-01-01T00:00:00Z"}}"#;

    #[test]
    fn a_kept_answer_breaks_nothing_and_is_read() {
        let t = ErrorTable::default();
        let j = judge(&t, &answer(200, JSON, OK), &[]);
        assert_eq!(rules(&j), Vec::<&str>::new());
        assert!(j.is_created());
        assert_eq!(j.against(&t, Expect::Success), None);
        let e = r#"{"success":false,"error":{"code":"CONFLICT","message":"taken"}}"#;
        let j = judge(&t, &answer(409, JSON, e), &[]);
        assert_eq!(rules(&j), Vec::<&str>::new());
        assert_eq!(j.code(), Some(ErrorCode::Conflict));
        assert_eq!(j.against(&t, Expect::Error(ErrorCode::Conflict)), None);
        let b = j
            .against(&t, Expect::Error(ErrorCode::QuotaExceeded))
            .unwrap();
        assert_eq!(b.rule(), "answer.unexpected");
        assert_eq!(b.expected(), "402 QUOTA_EXCEEDED");
        assert_eq!(b.actual().as_deref(), Some("409 CONFLICT"));
    }

    #[test]
    fn each_envelope_rule_is_named() {
        let t = ErrorTable::default();
        let cases: [(u16, Option<&str>, &str, &str); 8] = [
            (200, Some("text/plain"), OK, "envelope.content-type"),
            (200, JSON, "<html>", "envelope.not-json"),
            (200, JSON, r#"{"data":{}}"#, "envelope.success-flag"),
            (
                200,
                JSON,
                r#"{"success":true,"data":{"id":"x"}}"#,
                "envelope.schema",
            ),
            (500, JSON, OK, "envelope.success-status"),
            (
                200,
                JSON,
                r#"{"success":false,"error":{"code":"CONFLICT","message":"m"}}"#,
                "envelope.error-status",
            ),
            (
                400,
                JSON,
                r#"{"success":false,"error":{"code":"CONFLICT","message":"m"}}"#,
                "envelope.status-for-code",
            ),
            (
                400,
                JSON,
                r#"{"success":false,"error":{"code":"NOPE","message":"m"}}"#,
                "envelope.unknown-code",
            ),
        ];
        for (status, ct, body, rule) in cases {
            let j = judge(&t, &answer(status, ct, body), &[]);
            assert!(rules(&j).contains(&rule), "{body}: {:?}", rules(&j));
            for r in rules(&j) {
                assert!(Breach::RULES.contains(&r));
            }
        }
    }

    #[test]
    fn a_secret_in_the_body_or_headers_is_named() {
        let t = ErrorTable::default();
        let body = r#"{"success":true,"data":{"id":"cp-1","created_at":"2026-01-01T00:00:00Z","x":"hunter22"}}"#;
        let j = judge(&t, &answer(200, JSON, body), &["hunter22".into()]);
        assert_eq!(rules(&j), vec!["secrets.echoed"]);
        let mut a = answer(200, JSON, OK);
        a.headers = "x-echo: hunter22";
        assert_eq!(
            rules(&judge(&t, &a, &["hunter22".into()])),
            vec!["secrets.echoed"]
        );
    }

    #[test]
    fn renamed_codes_are_judged_by_the_table() {
        let mut t = ErrorTable::default();
        t.set(
            ErrorCode::IdempotentParameterMismatch,
            Some("Mismatch".into()),
            Some(422),
        );
        let e = r#"{"success":false,"error":{"code":"Mismatch","message":"m"}}"#;
        let j = judge(&t, &answer(422, JSON, e), &[]);
        assert_eq!(rules(&j), Vec::<&str>::new());
        assert_eq!(
            j.against(&t, Expect::Error(ErrorCode::IdempotentParameterMismatch)),
            None
        );
    }

    #[test]
    fn the_aws_dialect_reads_arns_and_exceptions() {
        let t = ErrorTable::for_dialect(Dialect::Aws);
        let ok = r#"{"connectorProfileArn":"arn:aws:appflow:us-east-1:123456789012:connectorprofile/p"}"#;
        let j = judge(&t, &answer(200, JSON, ok), &[]);
        assert_eq!(rules(&j), Vec::<&str>::new());
        assert!(j.is_created());
        let mut a = answer(409, JSON, r#"{"message":"taken"}"#);
        a.error_type = Some("ConflictException:http://internal.amazon.com/");
        let j = judge(&t, &a, &[]);
        assert_eq!(rules(&j), Vec::<&str>::new());
        assert_eq!(j.code(), Some(ErrorCode::Conflict));
        assert_eq!(j.outcome(), "409 ConflictException");
        // No exception named, and an envelope where the ARN is due: both break the framing.
        let j = judge(&t, &answer(409, JSON, r#"{"message":"taken"}"#), &[]);
        assert_eq!(rules(&j), vec!["envelope.schema", "envelope.unknown-code"]);
        let j = judge(&t, &answer(200, JSON, OK), &[]);
        assert_eq!(rules(&j), vec!["envelope.schema"]);
        // The mismatch has its own exception, so a conflict in its place is seen.
        let mut a = answer(409, JSON, r#"{"message":"m"}"#);
        a.error_type = Some("ConflictException");
        let b = judge(&t, &a, &[])
            .against(&t, Expect::Error(ErrorCode::IdempotentParameterMismatch))
            .unwrap();
        assert_eq!(b.expected(), "409 IdempotentParameterMismatchException");
    }

    #[test]
    fn both_representations_read_the_same_shape() {
        let t = ErrorTable::default();
        // Escapes put the body outside the in-place subset; the shape and verdict are the same.
        let escaped =
            r#"{"success":true,"data":{"id":"cp-\u0031","created_at":"2026-01-01T00:00:00Z"}}"#;
        let j = judge(&t, &answer(200, JSON, escaped), &[]);
        assert_eq!(
            j.shape,
            Shape::Success {
                id: Some("cp-1".into())
            }
        );
        assert_eq!(rules(&j), Vec::<&str>::new());
    }
}
