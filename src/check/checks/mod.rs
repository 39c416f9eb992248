//! The catalogue: every check as data (stable ID, description, needs) and its body.

mod accounts;
mod cases;
mod edges;
mod envelope;
mod exact;
mod http;
mod idempotency;
mod json;
mod lifecycle;
mod mismatch;
mod order;
mod race;
mod secrets;
mod ttl;
mod validation;

use super::ctx::{Ctx, Step};
use futures::future::BoxFuture;

/// What a check needs beyond the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The endpoint alone.
    Endpoint,
    /// The stub's admin routes (`--admin-url`, or the embedded stub); runs alone, after the others,
    /// because it moves the target's clock.
    AdminClock,
}

/// One check of the catalogue.
pub struct CheckDef {
    /// Stable ID, `group.name`.
    pub id: &'static str,
    /// One line saying what it proves.
    pub description: &'static str,
    /// What it needs.
    pub needs: Needs,
    /// Its body.
    pub run: for<'a> fn(&'a Ctx) -> BoxFuture<'a, Step>,
}

impl CheckDef {
    /// The group: the ID up to the dot.
    pub fn group(&self) -> &'static str {
        group_of(self.id)
    }
}

/// The group of a check ID: the ID up to the dot.
pub fn group_of(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}

macro_rules! check {
    ($id:literal, $desc:literal, $f:path) => {
        check!($id, $desc, $f, Needs::Endpoint)
    };
    ($id:literal, $desc:literal, $f:path, $needs:expr) => {
        CheckDef {
            id: $id,
            description: $desc,
            needs: $needs,
            run: |c| Box::pin($f(c)),
        }
    };
}

/// Every check, in report order.
pub fn catalogue() -> Vec<CheckDef> {
    vec![
        check!(
            "envelope.success-shape",
            "A valid create answers 200 with the success envelope (id, RFC 3339 created_at) as JSON",
            envelope::success_shape
        ),
        check!(
            "envelope.error-shape",
            "An invalid request answers the error envelope, with the status its code has",
            envelope::error_shape
        ),
        check!(
            "envelope.not-found",
            "Another path (a trailing slash or another letter case included) answers 404 NOT_FOUND",
            envelope::not_found
        ),
        check!(
            "envelope.method-not-allowed",
            "Another method on the endpoint (OPTIONS included) answers 405 METHOD_NOT_ALLOWED with Allow: POST",
            envelope::method_not_allowed
        ),
        check!(
            "validation.accepts-every-connector-type",
            "A valid request of each of the 24 connector types is accepted",
            validation::accepts_every_type
        ),
        check!(
            "validation.required",
            "Each required member missing (at every level) is rejected, and creates nothing",
            validation::required
        ),
        check!(
            "validation.type",
            "Each member with a wrong JSON type is rejected, and creates nothing",
            validation::wrong_type
        ),
        check!(
            "validation.length",
            "Strings, lists and maps beyond their length bounds are rejected, and create nothing",
            validation::length
        ),
        check!(
            "validation.pattern",
            "Values one character away from their pattern, at every position and in every class, are rejected, and create nothing",
            validation::pattern
        ),
        check!(
            "validation.enum",
            "Values outside their enumeration are rejected, and create nothing",
            validation::enumeration
        ),
        check!(
            "validation.range",
            "Numbers out of range or not integers are rejected, and create nothing",
            validation::range
        ),
        check!(
            "validation.unknown-member",
            "An unknown member at any level is rejected, and creates nothing",
            validation::unknown_member
        ),
        check!(
            "validation.connector-key",
            "A second connector key, or one that does not match connectorType, is rejected",
            validation::connector_key
        ),
        check!(
            "validation.custom-label",
            "CustomConnector without connectorLabel is rejected",
            validation::custom_label
        ),
        check!(
            "validation.malformed-json",
            "Malformed JSON, invalid UTF-8 and an empty body answer 400 VALIDATION_ERROR",
            validation::malformed_json
        ),
        check!(
            "validation.non-object-body",
            "A JSON body that is not an object answers 400 VALIDATION_ERROR",
            validation::non_object_body
        ),
        check!(
            "validation.media-type",
            "A body not sent as JSON answers 415 UNSUPPORTED_MEDIA_TYPE",
            validation::media_type
        ),
        check!(
            "validation.payload-too-large",
            "A body over the server's limit answers 413 PAYLOAD_TOO_LARGE",
            validation::payload_too_large
        ),
        check!(
            "validation.account-header",
            "A malformed account header answers 401 UNAUTHORIZED",
            validation::account_header
        ),
        check!(
            "boundary.max-length",
            "Every string of exactly its maximum length is accepted",
            edges::max_length
        ),
        check!(
            "boundary.min-length",
            "Every string of exactly its minimum length is accepted",
            edges::min_length
        ),
        check!(
            "boundary.integer-range",
            "Every integer at the ends of its range is accepted",
            edges::integer_range
        ),
        check!(
            "boundary.integer-as-float",
            "Every member at the edge of its type is accepted: an integer written as 443.0, the other boolean",
            edges::integer_as_float
        ),
        check!(
            "boundary.enum-values",
            "Every value of every enumeration, spelled exactly, is accepted",
            edges::enum_values
        ),
        check!(
            "boundary.optional-members",
            "The full request of every type (every optional member present) and the minimal one are accepted",
            edges::optional_members
        ),
        check!(
            "boundary.pattern-alternatives",
            "A value of every alternative of every pattern is accepted, and \"\" where the contract allows it",
            edges::pattern_alternatives
        ),
        check!(
            "boundary.sizes",
            "Maps and lists of exactly their largest (or smallest) size are accepted",
            edges::sizes
        ),
        check!(
            "http.json-media-types",
            "JSON with parameters or in another letter case (application/json; charset=utf-8) is accepted",
            http::json_media_types
        ),
        check!(
            "http.not-json-media-types",
            "application/json-seq, +json types and text/json answer 415 UNSUPPORTED_MEDIA_TYPE",
            http::not_json_media_types
        ),
        check!(
            "http.body-limit-in-bytes",
            "A body of exactly the limit is accepted; one byte more, or more bytes than characters, is 413",
            http::body_limit_in_bytes
        ),
        check!(
            "http.method-case",
            "Methods are case-sensitive: `post` on the endpoint answers 405 METHOD_NOT_ALLOWED",
            http::method_case
        ),
        check!(
            "http.head-without-body",
            "HEAD on the endpoint answers 405 with Allow: POST and no body",
            http::head_without_body
        ),
        check!(
            "http.query-string",
            "A query string does not change the path: a valid create with one is accepted",
            http::query_string
        ),
        check!(
            "http.trailing-data",
            "Anything but whitespace after the JSON value answers 400; trailing whitespace is accepted",
            http::trailing_data
        ),
        check!(
            "http.default-account",
            "A request without the account header is in account 000000000000 (or 401 when the header is required)",
            http::default_account
        ),
        check!(
            "json.unusual-but-well-formed",
            "Escapes, surrogates, huge integers, exponents and deep nesting get the answer their content deserves, never a 500",
            json::unusual_json
        ),
        check!(
            "order.method-before-media-type",
            "Another method with a body that is not JSON answers 405, not 415",
            order::method_before_media_type
        ),
        check!(
            "order.media-type-before-size",
            "A body over the limit that is not sent as JSON answers 415, not 413",
            order::media_type_before_size
        ),
        check!(
            "order.size-before-identity",
            "A body over the limit with a malformed account answers 413, not 401",
            order::size_before_identity
        ),
        check!(
            "order.identity-before-validation",
            "An invalid body with a malformed account answers 401, not 400",
            order::identity_before_validation
        ),
        check!(
            "order.validation-before-token",
            "An invalid body reusing a bound token answers 400, not the mismatch",
            order::validation_before_token
        ),
        check!(
            "order.token-before-name",
            "A bound token with other parameters and a taken name answers the mismatch, not CONFLICT",
            order::token_before_name
        ),
        check!(
            "order.name-before-quota",
            "A taken name in a full account answers 409 CONFLICT, not 402",
            order::name_before_quota
        ),
        check!(
            "order.token-before-quota",
            "A bound token with other parameters in a full account answers the mismatch, not 402",
            order::token_before_quota
        ),
        check!(
            "idempotency.replay-same-response",
            "A replay (same token, same parameters) returns the same id and created_at and creates nothing",
            idempotency::replay_same_response
        ),
        check!(
            "idempotency.replay-after-other-creates",
            "A replay after other creates still returns the first answer",
            idempotency::replay_after_other_creates
        ),
        check!(
            "idempotency.replay-at-full-quota",
            "A replay succeeds even when the account is at its quota",
            idempotency::replay_at_full_quota
        ),
        check!(
            "idempotency.replay-with-taken-name",
            "A replay wins over the name conflict with the profile it created",
            idempotency::replay_with_taken_name
        ),
        check!(
            "idempotency.failure-binds-nothing",
            "A failed request binds nothing: corrected, the same token creates",
            idempotency::failure_binds_nothing
        ),
        check!(
            "idempotency.no-token-new-call",
            "Without a token every request is a new call (the second meets CONFLICT)",
            idempotency::no_token_new_call
        ),
        check!(
            "idempotency.member-order-irrelevant",
            "Member order and whitespace do not make a mismatch",
            idempotency::member_order_irrelevant
        ),
        check!(
            "idempotency.numbers-by-value",
            "443.0 replays a request sent with 443; 444 is the mismatch",
            exact::numbers_by_value
        ),
        check!(
            "idempotency.arrays-in-order",
            "Reordered list items are other parameters (the mismatch); the same order replays",
            exact::arrays_in_order
        ),
        check!(
            "idempotency.strings-exact",
            "A string in other letter case is another parameter (the mismatch)",
            exact::strings_exact
        ),
        check!(
            "idempotency.token-exact",
            "Tokens compare exactly: the token in lower case is a new call (CONFLICT on its name)",
            exact::token_exact
        ),
        check!(
            "idempotency.token-of-spaces",
            "A token of spaces is a token: it replays, and with other parameters it is the mismatch",
            exact::token_of_spaces
        ),
        check!(
            "mismatch.connector-profile-name",
            "The same token with another connectorProfileName is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            mismatch::name
        ),
        check!(
            "mismatch.connector-type",
            "The same token with another connectorType is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            mismatch::connector_type
        ),
        check!(
            "mismatch.connection-mode",
            "The same token with another connectionMode is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            mismatch::connection_mode
        ),
        check!(
            "mismatch.connector-label",
            "The same token with another connectorLabel is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            mismatch::connector_label
        ),
        check!(
            "mismatch.kms-arn",
            "The same token with another kmsArn is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            mismatch::kms_arn
        ),
        check!(
            "mismatch.connector-profile-properties",
            "The same token with other connector properties is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            mismatch::properties
        ),
        check!(
            "mismatch.connector-profile-credentials",
            "The same token with other credentials is 409 IDEMPOTENT_PARAMETER_MISMATCH",
            mismatch::credentials
        ),
        check!(
            "uniqueness.same-name-new-token",
            "The same name with a new token (or none) is 409 CONFLICT",
            accounts::same_name_new_token
        ),
        check!(
            "uniqueness.names-exact",
            "Names compare exactly: one that differs only in letter case is another profile",
            exact::names_exact
        ),
        check!(
            "quota.counts-every-create",
            "Creates with a token and without both count towards the quota",
            accounts::counts_every_create
        ),
        check!(
            "quota.limit-enforced",
            "In a fresh account the quota's creates succeed and the next is 402 QUOTA_EXCEEDED",
            accounts::quota_limit
        ),
        check!(
            "quota.refusals-use-no-quota",
            "Refused requests (400, mismatch, conflict) and replays use none of the quota",
            accounts::refusals_use_no_quota
        ),
        check!(
            "isolation.names",
            "A name taken in one account is free in another",
            accounts::isolated_names
        ),
        check!(
            "isolation.tokens",
            "A token bound in one account is unbound in another",
            accounts::isolated_tokens
        ),
        check!(
            "isolation.quota",
            "A full account does not limit another",
            accounts::isolated_quota
        ),
        check!(
            "race.same-token",
            "Concurrent requests with one token: one id for every success, exactly one profile",
            race::same_token
        ),
        check!(
            "race.same-name",
            "Concurrent creates of one name with different tokens: exactly one succeeds",
            race::same_name
        ),
        check!(
            "race.same-token-other-parameters",
            "Concurrent requests with one token and different parameters: one success, the rest the mismatch, one profile",
            race::same_token_other_parameters
        ),
        check!(
            "race.near-quota",
            "Concurrent creates near the quota never push the account past it",
            race::near_quota
        ),
        check!(
            "lifecycle.describe-details",
            "Describe shows each profile as created (ARN, type, label, mode, properties under the model key, times), oldest first, never its credentials",
            lifecycle::describe_details
        ),
        check!(
            "lifecycle.describe-filters",
            "Describe filters by names (exactly), type and label; an empty name list is no filter",
            lifecycle::describe_filters
        ),
        check!(
            "lifecycle.describe-pages",
            "Pages hold at most maxResults; a walk shows every profile once, deletes between pages shift nothing; other tokens are 400",
            lifecycle::describe_pages
        ),
        check!(
            "lifecycle.update-replaces",
            "An update replaces mode and config, keeps ARN, id, type, label and createdAt, moves lastUpdatedAt; another type's config is 400",
            lifecycle::update_replaces
        ),
        check!(
            "lifecycle.update-idempotency",
            "An update's token replays its first answer (even after a delete); other parameters are the mismatch",
            lifecycle::update_idempotency
        ),
        check!(
            "lifecycle.update-missing",
            "An update of a name the account does not have is 404 RESOURCE_NOT_FOUND, after validation",
            lifecycle::update_missing
        ),
        check!(
            "lifecycle.delete-frees",
            "A delete frees the name and the place of the quota at once",
            lifecycle::delete_frees
        ),
        check!(
            "lifecycle.delete-missing",
            "A deleted profile is gone from describe, and a second delete is 404 RESOURCE_NOT_FOUND",
            lifecycle::delete_missing
        ),
        check!(
            "lifecycle.create-token-after-delete",
            "A create's replay after its profile was deleted answers the first success and creates nothing; a new token creates anew",
            lifecycle::create_token_after_delete
        ),
        check!(
            "model.sequences",
            "Random programs (creates of every type, replays long after and spelled otherwise, the token with other parameters, reused and case-variant names, rule cases, full accounts, describe, update, delete): every answer is the reference model's",
            crate::check::explore::sequences
        ),
        check!(
            "model.histories",
            "Concurrent clients per account: the recorded history is linearizable against the model (IDEMPOTENCY_IN_PROGRESS only while the token's first request is in flight)",
            crate::check::explore::histories
        ),
        check!(
            "model.replay",
            "A replay file (check --replay FILE) fails again against the target, or not",
            crate::check::explore::replay
        ),
        check!(
            "secrets.not-echoed",
            "No response of any connector type contains a credential value that was sent",
            secrets::not_echoed
        ),
        check!(
            "ttl.token-expires",
            "A token is bound until its TTL passes, then the same request is a new call",
            ttl::token_expires,
            Needs::AdminClock
        ),
    ]
}
