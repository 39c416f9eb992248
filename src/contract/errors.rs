//! The error table of CONTRACT.md: every code, its HTTP status and its place in the order of checks.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One error code of the contract. Variants are listed in the order the contract checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// Another path.
    NotFound,
    /// Another method on the endpoint (sent with `Allow: POST`).
    MethodNotAllowed,
    /// The content type is not JSON.
    UnsupportedMediaType,
    /// The body is over the server's limit.
    PayloadTooLarge,
    /// The caller's identity is missing (when required) or malformed.
    Unauthorized,
    /// The body is not JSON, not an object, or breaks a constraint.
    ValidationError,
    /// The `clientToken` is bound in this account to a request with other parameters.
    IdempotentParameterMismatch,
    /// The first request with this token is still being processed.
    IdempotencyInProgress,
    /// The profile an update or a delete names does not exist in this account.
    ResourceNotFound,
    /// A profile of that name already exists in this account.
    Conflict,
    /// The account already holds its quota of profiles.
    QuotaExceeded,
    /// Never expected.
    InternalError,
}

impl ErrorCode {
    /// Every code, in the contract's order of checks.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::PayloadTooLarge,
        ErrorCode::Unauthorized,
        ErrorCode::ValidationError,
        ErrorCode::IdempotentParameterMismatch,
        ErrorCode::IdempotencyInProgress,
        ErrorCode::ResourceNotFound,
        ErrorCode::Conflict,
        ErrorCode::QuotaExceeded,
        ErrorCode::InternalError,
    ];

    /// The HTTP status the contract gives this code.
    pub const fn status(self) -> u16 {
        match self {
            ErrorCode::NotFound | ErrorCode::ResourceNotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Unauthorized => 401,
            ErrorCode::ValidationError => 400,
            ErrorCode::IdempotentParameterMismatch
            | ErrorCode::IdempotencyInProgress
            | ErrorCode::Conflict => 409,
            ErrorCode::QuotaExceeded => 402,
            ErrorCode::InternalError => 500,
        }
    }

    /// The code as it appears on the wire (`VALIDATION_ERROR`).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            ErrorCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            ErrorCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::IdempotentParameterMismatch => "IDEMPOTENT_PARAMETER_MISMATCH",
            ErrorCode::IdempotencyInProgress => "IDEMPOTENCY_IN_PROGRESS",
            ErrorCode::ResourceNotFound => "RESOURCE_NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::QuotaExceeded => "QUOTA_EXCEEDED",
            ErrorCode::InternalError => "INTERNAL_ERROR",
        }
    }

    /// Parses a wire code.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The default human-readable message for this code.
    pub const fn default_message(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "No such route; the endpoint is POST /create-connector-profile",
            ErrorCode::MethodNotAllowed => "Only POST is allowed on this endpoint",
            ErrorCode::UnsupportedMediaType => "The request body must be sent as application/json",
            ErrorCode::PayloadTooLarge => "The request body is larger than the server accepts",
            ErrorCode::Unauthorized => "The caller's account is missing or malformed",
            ErrorCode::ValidationError => "Invalid request parameters",
            ErrorCode::IdempotentParameterMismatch => {
                "The clientToken was already used with other parameters"
            }
            ErrorCode::IdempotencyInProgress => {
                "A request with this clientToken is still in progress; retry"
            }
            ErrorCode::ResourceNotFound => {
                "No connector profile of this name exists in the account"
            }
            ErrorCode::Conflict => "A connector profile with this name already exists",
            ErrorCode::QuotaExceeded => "The account holds its quota of connector profiles",
            ErrorCode::InternalError => "Internal error",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One error as a target spells it on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedError {
    /// The code in the error envelope.
    pub code: String,
    /// The HTTP status.
    pub status: u16,
}

/// The error table a target is held to: the contract's own codes and statuses, or a team's renames of
/// them (`check --contract FILE`). The judge reads every code and status from here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorTable {
    errors: std::collections::BTreeMap<ErrorCode, ExpectedError>,
    dialect: super::Dialect,
}

impl Default for ErrorTable {
    fn default() -> Self {
        Self::for_dialect(super::Dialect::Envelope)
    }
}

impl ErrorTable {
    /// The contract's table as `dialect` frames it: the envelope's codes, or the AWS exceptions
    /// ([`super::aws_exception`]); the statuses are the same.
    pub fn for_dialect(dialect: super::Dialect) -> Self {
        ErrorTable {
            errors: ErrorCode::ALL
                .iter()
                .map(|c| {
                    let code = match dialect {
                        super::Dialect::Envelope => c.as_str(),
                        super::Dialect::Aws => super::aws_exception(*c),
                    };
                    (
                        *c,
                        ExpectedError {
                            code: code.into(),
                            status: c.status(),
                        },
                    )
                })
                .collect(),
            dialect,
        }
    }

    /// How answers are framed.
    pub fn dialect(&self) -> super::Dialect {
        self.dialect
    }

    /// What the target must answer for `code`.
    pub fn expected(&self, code: ErrorCode) -> &ExpectedError {
        &self.errors[&code]
    }

    /// The contract code a target's wire code stands for, if any.
    pub fn code_of(&self, wire: &str) -> Option<ErrorCode> {
        self.errors
            .iter()
            .find(|(_, e)| e.code == wire)
            .map(|(c, _)| *c)
    }

    /// Whether any error's code differs from the contract's own envelope spelling.
    pub fn renames_codes(&self) -> bool {
        self.errors.iter().any(|(c, e)| e.code != c.as_str())
    }

    /// Spells `code` as `wire` and/or answers it with `status`.
    pub fn set(&mut self, code: ErrorCode, wire: Option<String>, status: Option<u16>) {
        let slot = self
            .errors
            .get_mut(&code)
            .expect("the table holds every code");
        if let Some(w) = wire {
            slot.code = w;
        }
        if let Some(s) = status {
            slot.status = s;
        }
    }
}
