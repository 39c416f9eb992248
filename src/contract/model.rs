//! Typed serde models of the request and both envelopes.
//!
//! The schema is the source of truth for constraints; these types give Rust callers names for the shapes.
//! Per-connector structures stay JSON values (their constraints live in the schema only).

use super::errors::ErrorCode;
use super::validate::Violation;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The body of `POST /create-connector-profile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateConnectorProfileRequest {
    /// Unique name within the account.
    pub connector_profile_name: String,
    /// One of [`crate::contract::connector_types`].
    pub connector_type: String,
    /// `Public` or `Private`.
    pub connection_mode: String,
    /// Properties and credentials.
    pub connector_profile_config: ConnectorProfileConfig,
    /// Required for `CustomConnector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_label: Option<String>,
    /// Customer-managed KMS key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_arn: Option<String>,
    /// Idempotency token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_token: Option<String>,
}

/// `connectorProfileConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectorProfileConfig {
    /// At most one connector key, the one `connectorType` names.
    pub connector_profile_properties: Map<String, Value>,
    /// Secret: never echoed, logged or reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_profile_credentials: Option<Map<String, Value>>,
}

/// What a successful create returns in `data`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    /// The profile's id; a replay returns the same one.
    pub id: String,
    /// RFC 3339 date-time of creation.
    pub created_at: String,
    /// The profile's ARN (the stub always sends it; other servers may not).
    #[serde(
        rename = "connectorProfileArn",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub connector_profile_arn: Option<String>,
}

/// `{"success": true, "data": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuccessEnvelope {
    /// Always `true`.
    pub success: bool,
    /// The created profile.
    pub data: Created,
}

/// The `error` member of the error envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The code.
    pub code: ErrorCode,
    /// A human-readable message.
    pub message: String,
    /// For validation errors: each violation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Violation>,
}

/// `{"success": false, "error": {…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// Always `false`.
    pub success: bool,
    /// The error.
    pub error: ErrorBody,
}

impl ErrorEnvelope {
    /// An error envelope with the code's default message.
    pub fn new(code: ErrorCode) -> Self {
        Self::with_message(code, code.default_message())
    }

    /// An error envelope with a message of the caller's.
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorEnvelope {
            success: false,
            error: ErrorBody {
                code,
                message: message.into(),
                details: Vec::new(),
            },
        }
    }

    /// A `VALIDATION_ERROR` listing each violation.
    pub fn validation(details: Vec<Violation>) -> Self {
        let mut env = Self::new(ErrorCode::ValidationError);
        if let Some(first) = details.first() {
            env.error.message = format!(
                "Invalid request parameters ({} violation(s); first: {first})",
                details.len()
            );
        }
        env.error.details = details;
        env
    }
}

impl SuccessEnvelope {
    /// Wraps a created profile.
    pub fn new(data: Created) -> Self {
        SuccessEnvelope {
            success: true,
            data,
        }
    }
}
