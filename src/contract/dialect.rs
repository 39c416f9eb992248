//! How answers are framed on the wire. The state machine, the validation and the checks are one;
//! only the framing differs:
//!
//! * [`Dialect::Envelope`]: the project's `{"success": …}` envelopes (the default);
//! * [`Dialect::Aws`]: AppFlow's own REST-JSON protocol, as the AWS SDKs (boto3, the AWS CLI, the
//!   Rust SDK) read it: a success is `200 {"connectorProfileArn": …}`; an error is its status, the
//!   header `x-amzn-errortype: <ExceptionName>` and `{"message": …}`.
//!
//! The exception for each contract code ([`aws_exception`]): the five the AppFlow model lists for
//! `CreateConnectorProfile` where one fits, so SDKs raise their modeled classes, and a descriptive
//! name for the rest (an SDK raises its generic error with that code).

use super::errors::ErrorCode;

/// The header that names an AWS error's exception.
pub const AWS_ERROR_TYPE_HEADER: &str = "x-amzn-errortype";

/// How answers are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// `{"success": true, "data": …}` / `{"success": false, "error": {code, message}}`.
    #[default]
    Envelope,
    /// AppFlow's REST-JSON: `{"connectorProfileArn": …}`, or `x-amzn-errortype` and `{"message": …}`.
    Aws,
}

impl Dialect {
    /// Both dialects.
    pub const ALL: [Dialect; 2] = [Dialect::Envelope, Dialect::Aws];

    /// The dialect's name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::Envelope => "envelope",
            Dialect::Aws => "aws",
        }
    }
}

impl std::str::FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dialect::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| format!("unknown dialect `{s}` (envelope, aws)"))
    }
}

/// The exception an AWS-dialect service answers for `code` (its status is the contract's).
pub const fn aws_exception(code: ErrorCode) -> &'static str {
    match code {
        // Not operations of the model: the names AWS services use for them.
        ErrorCode::NotFound => "UnknownOperationException",
        ErrorCode::MethodNotAllowed => "MethodNotAllowedException",
        ErrorCode::UnsupportedMediaType => "UnsupportedMediaTypeException",
        ErrorCode::PayloadTooLarge => "RequestEntityTooLargeException",
        // Modeled for CreateConnectorProfile.
        ErrorCode::Unauthorized => "ConnectorAuthenticationException",
        ErrorCode::ValidationError => "ValidationException",
        ErrorCode::Conflict => "ConflictException",
        ErrorCode::QuotaExceeded => "ServiceQuotaExceededException",
        ErrorCode::InternalError => "InternalServerException",
        // Not modeled: the model has one 409 for every conflict, but a gate must tell a parameter
        // mismatch from a taken name. EC2's name for the same case.
        ErrorCode::IdempotentParameterMismatch => "IdempotentParameterMismatchException",
        ErrorCode::IdempotencyInProgress => "IdempotencyInProgressException",
        // Modeled for UpdateConnectorProfile and DeleteConnectorProfile.
        ErrorCode::ResourceNotFound => "ResourceNotFoundException",
    }
}

/// The account a SigV4 `Authorization` header names: its access key id when that is 12 digits (the
/// convention local AWS emulators use). Signatures are not verified.
pub fn sigv4_account(authorization: &str) -> Option<&str> {
    let rest = authorization.split("Credential=").nth(1)?;
    let key = rest.split('/').next()?;
    super::is_valid_account(key).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_key_id_names_the_account_when_it_is_twelve_digits() {
        let h = "AWS4-HMAC-SHA256 Credential=123456789012/20261130/us-east-1/appflow/aws4_request, SignedHeaders=host, Signature=abc";
        assert_eq!(sigv4_account(h), Some("123456789012"));
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261130/us-east-1/appflow/aws4_request";
        assert_eq!(sigv4_account(h), None);
        assert_eq!(sigv4_account("Bearer x"), None);
    }

    #[test]
    fn every_code_has_an_exception_and_the_modeled_ones_are_the_models() {
        let names: std::collections::BTreeSet<_> =
            ErrorCode::ALL.iter().map(|c| aws_exception(*c)).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "one name per code");
        assert_eq!(
            aws_exception(ErrorCode::QuotaExceeded),
            "ServiceQuotaExceededException"
        );
    }
}
