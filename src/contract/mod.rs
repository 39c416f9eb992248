//! The transport-free contract core: schemas, validation, typed model, error table, example generator
//! and the idempotency fingerprint. No HTTP and no async runtime in here; everything else calls it.

pub mod codegen;
pub mod dialect;
pub mod doc;
pub mod errors;
pub mod examples;
pub mod fingerprint;
pub mod judge;
pub mod model;
pub mod mutate;
pub mod openapi;
pub mod operation;
pub mod pattern;
pub mod redact;
pub mod rules;
pub mod schema;
pub mod validate;

pub use dialect::{Dialect, aws_exception};
pub use errors::{ErrorCode, ErrorTable, ExpectedError};
pub use examples::{ExampleGen, Size};
pub use fingerprint::{Fingerprint, fingerprint};
pub use judge::{Answer, Breach, Expect, Judgement, Shape, judge};
pub use model::{CreateConnectorProfileRequest, Created, ErrorEnvelope, SuccessEnvelope};
pub use mutate::{CaseClass, InvalidCase, invalid_cases};
pub use operation::Operation;
pub use schema::{SchemaKind, connector_key, connector_types};
pub use validate::{Violation, validate, validate_against};

/// The endpoint's path.
pub const ENDPOINT: &str = "/create-connector-profile";
/// The header that names the caller's account.
pub const ACCOUNT_HEADER: &str = "x-account-id";
/// The account of requests without the header.
pub const DEFAULT_ACCOUNT: &str = "000000000000";
/// The largest request body a server accepts unless told otherwise (256 KiB).
pub const DEFAULT_MAX_BODY: usize = 256 * 1024;
/// The default quota of profiles per account.
pub const DEFAULT_QUOTA: u32 = 100;
/// How long a client token stays bound (8 hours).
pub const DEFAULT_TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(8 * 3600);

/// Whether an account id is well formed (12 ASCII digits).
pub fn is_valid_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// Whether a `content-type` header value names JSON: `application/json` in any letter case, with or
/// without parameters (`; charset=utf-8`). `application/json-seq` and `application/*+json` are other
/// media types, and so is a missing one.
pub fn is_json_content_type(value: &str) -> bool {
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .eq_ignore_ascii_case("application/json")
}
