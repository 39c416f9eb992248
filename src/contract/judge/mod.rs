//! The one judge of an answer. Every part of the harness that decides whether a response keeps the
//! contract asks it: the runner's checks, the load generator's transactions, `diff` and the
//! snapshots. It takes a response (status, content type, headers, body) and, when the caller knows it,
//! what the contract expects; it returns what the answer is ([`Shape`]) and every rule it breaks, as
//! typed [`Breach`]es with stable rule names.
//!
//! The body is read in place ([`super::doc::Doc`]) when it is in that subset, else as a `serde_json::Value`; the
//! schemas are the same either way, so the verdict is too (tested).

mod breach;
mod read;

pub use breach::Breach;

use super::dialect::Dialect;
use super::errors::{ErrorCode, ErrorTable};

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
    /// The operation it answers (a describe's success is a page, a delete's in AWS `{}`).
    pub op: super::Operation,
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

/// The judge's finding on one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The status.
    pub status: u16,
    /// The operation it answers.
    pub op: super::Operation,
    /// What the answer is.
    pub shape: Shape,
    /// Every envelope rule it breaks (whatever was expected).
    pub breaches: Vec<Breach>,
}

impl Judgement {
    /// Whether it is a 200 success with an id (a create's or an update's: the profile it names).
    pub fn is_created(&self) -> bool {
        self.status == 200 && matches!(&self.shape, Shape::Success { id: Some(_) })
    }

    /// Whether it is the 200 success its operation answers: one naming the profile, a describe's
    /// page, or (a delete in the AWS dialect) an empty object.
    pub fn is_success(&self) -> bool {
        self.status == 200
            && match &self.shape {
                Shape::Success { id } => {
                    id.is_some()
                        || self.op == super::Operation::Describe
                        || self.op == super::Operation::Delete
                }
                _ => false,
            }
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
            Expect::Success => (self.is_success(), "200 success".to_owned()),
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
        Dialect::Envelope => read::envelope(table, answer, &mut breaches),
        Dialect::Aws => read::aws(table, answer, &mut breaches),
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
        op: answer.op,
        shape,
        breaches,
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
            op: crate::contract::Operation::Create,
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
