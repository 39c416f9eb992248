//! Validation of documents against the contract's schemas, as data: every violation with its JSON pointer.
//!
//! Reasons never quote the offending value, so a credential that breaks a pattern is not echoed back.

use super::schema::SchemaKind;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// One broken constraint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Violation {
    /// JSON pointer (RFC 6901) to the offending member; for a missing member, where it should be.
    pub field: String,
    /// Why it was rejected (never quotes the value).
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = if self.field.is_empty() {
            "(root)"
        } else {
            &self.field
        };
        write!(f, "{field}: {}", self.reason)
    }
}

/// Escapes one pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn type_name(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => t.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn push(out: &mut Vec<Violation>, base: &str, err: &jsonschema::ValidationError<'_>) {
    let at = |seg: &str| format!("{base}/{}", escape_pointer(seg));
    let reason = match err.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            out.push(Violation {
                field: at(name),
                reason: "is required".into(),
            });
            return;
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                out.push(Violation {
                    field: at(name),
                    reason: "is not a member of this object (unknown members are rejected)".into(),
                });
            }
            return;
        }
        ValidationErrorKind::PropertyNames { error } => {
            let name = error.instance().as_str().unwrap_or_default().to_owned();
            let why = match error.kind() {
                ValidationErrorKind::Constant { expected_value } => {
                    format!("is not allowed here: the only key allowed is {expected_value}")
                }
                ValidationErrorKind::Pattern { pattern } => {
                    format!("key does not match the pattern {pattern}")
                }
                ValidationErrorKind::MaxLength { limit } => {
                    format!("key is longer than {limit} characters")
                }
                ValidationErrorKind::MinLength { limit } => {
                    format!("key is shorter than {limit} characters")
                }
                other => format!("key breaks `{}`", other.keyword()),
            };
            out.push(Violation {
                field: at(&name),
                reason: why,
            });
            return;
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("does not match the pattern {pattern} (the whole value must match)")
        }
        ValidationErrorKind::MaxLength { limit } => format!("is longer than {limit} characters"),
        ValidationErrorKind::MinLength { limit } => format!("is shorter than {limit} characters"),
        ValidationErrorKind::Maximum { limit } => format!("is greater than {limit}"),
        ValidationErrorKind::Minimum { limit } => format!("is less than {limit}"),
        ValidationErrorKind::MaxProperties { limit: 0 } => {
            "must be empty for this connectorType".into()
        }
        ValidationErrorKind::MaxProperties { limit } => {
            format!("has more than {limit} member(s)")
        }
        ValidationErrorKind::MinProperties { limit } => format!("has fewer than {limit} members"),
        ValidationErrorKind::MaxItems { limit } => format!("has more than {limit} items"),
        ValidationErrorKind::MinItems { limit } => format!("has fewer than {limit} items"),
        ValidationErrorKind::Enum { options } => format!("must be one of {options}"),
        ValidationErrorKind::Constant { expected_value } => format!("must be {expected_value}"),
        ValidationErrorKind::Type { kind } => format!("must be of type {}", type_name(kind)),
        ValidationErrorKind::Format { format } => format!("is not a valid {format}"),
        ValidationErrorKind::Not { .. } => "must not match the excluded shape".into(),
        other => format!("breaks `{}`", other.keyword()),
    };
    out.push(Violation {
        field: base.to_owned(),
        reason,
    });
}

/// Validates `doc` against one of the contract's schemas; returns every violation, sorted by field.
pub fn validate_against(kind: SchemaKind, doc: &Value) -> Vec<Violation> {
    let validator = kind.validator();
    if validator.is_valid(doc) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for err in validator.iter_errors(doc) {
        push(&mut out, err.instance_path().as_str(), &err);
    }
    out.sort();
    out.dedup();
    out
}

/// Validates a `CreateConnectorProfile` request body; an empty list means valid.
pub fn validate(doc: &Value) -> Vec<Violation> {
    validate_against(SchemaKind::Request, doc)
}
