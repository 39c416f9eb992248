//! Fault modes: each makes the stub break one rule of the contract on purpose, to prove that the
//! conformance runner catches it. All are off unless asked for.

use parking_lot::{Condvar, Mutex};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Per-account counts, hashed as the store hashes.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// One deliberate contract violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Ignore `clientToken`: every request is a new call.
    IgnoreToken,
    /// A replay answers with a new `id` (nothing is created).
    NewIdOnReplay,
    /// The same token with other parameters replays the first answer instead of 409.
    AcceptMismatch,
    /// A parameter mismatch is answered `409 CONFLICT` instead of `IDEMPOTENT_PARAMETER_MISMATCH`.
    WrongMismatchCode,
    /// The quota lets one profile too many in.
    QuotaOffByOne,
    /// One quota counts the profiles of all accounts together.
    SharedQuota,
    /// Profile names are unique across all accounts instead of per account.
    SharedNames,
    /// The token check and the insert are not atomic (a window between them). Fast engine only:
    /// wiremock serves on one thread with a synchronous responder, so nothing can interleave there.
    RacyToken,
    /// The quota check and the insert are not atomic (a window between them). Fast engine only.
    RacyQuota,
    /// Success envelopes lack `created_at`.
    NoCreatedAt,
    /// `created_at` is not RFC 3339 (`2025-01-01 00:00:00`).
    BadCreatedAt,
    /// Errors are sent with status 200.
    ErrorsAs200,
    /// Malformed JSON gets a 500 with an HTML body.
    Html500OnMalformedJson,
    /// Patterns are checked on a prefix only (`Google BigQuery` passes as a label).
    UnanchoredPatterns,
    /// `connectorLabel` is not required for `CustomConnector`.
    NoLabelRule,
    /// The credentials sent are echoed back in `data`.
    EchoCredentials,
    /// A replay is refused with 402 when the account is at its quota.
    RefuseReplayAtQuota,
    /// A failed request binds its token (a corrected retry with it is then a mismatch).
    FailedBindsToken,
    /// Every response is sent as `text/plain`.
    TextPlain,
    /// A string of exactly its maximum length is refused (the bound taken as exclusive).
    MaxLengthExclusive,
    /// An integer written with a zero fraction (`443.0`) is refused.
    IntegerFloatsRefused,
    /// `connectorLabel` is refused on every type but CustomConnector.
    LabelOnlyForCustom,
    /// The quota is checked before the name: a taken name in a full account answers 402, not 409.
    QuotaBeforeName,
    /// The account header is checked before the body's size: a large body with a malformed account
    /// answers 401, not 413.
    SizeAfterIdentity,
    /// Refused requests (validation, mismatch, conflict) use up the account's quota.
    RefusalsUseQuota,
    /// Only the exact `application/json` is JSON (`; charset=utf-8` or another case answers 415).
    StrictMediaType,
    /// A body of exactly the size limit answers 413.
    BodyLimitOffByOne,
    /// A request without the account header does not belong to the default account.
    NoDefaultAccount,
    /// An integer of 20 digits or more answers 500 with an HTML page.
    BigNumbers500,
    /// `error.details[].field` names the member without a JSON pointer's leading `/`.
    DetailFieldsNotPointers,
    /// For clients' retry logic: a create that makes a profile closes the connection without
    /// answering (fast engine only). A client that retries with the same token gets the replay.
    LoseResponseAfterCreate,
    /// For clients' retry logic: a create that makes a profile answers 500 `INTERNAL_ERROR`
    /// (`InternalServerException`). A client that retries with the same token gets the replay.
    Error500AfterCreate,
    /// Map keys (`propertyNames`) are not checked.
    MapKeysUnchecked,
    /// List items (`oAuthScopes`) are not checked.
    ListItemsUnchecked,
    /// A pattern with alternatives is searched, not matched: its second alternative is unanchored (`^$|com…`).
    SecondAlternativeUnanchored,
    /// A JWT is checked as base64url (`-` accepted in its first two segments).
    JwtAsBase64url,
    /// A KMS ARN of any partition (`arn:aws-cn:kms:…`) is accepted.
    KmsAnyPartition,
    /// `connectorType` also takes the model's key spelling (`ServiceNow` for `Servicenow`).
    ConnectorTypeAsModelKey,
    /// A member sent as `null` is taken as absent.
    NullAsAbsent,
    /// Patterns are checked on the first 64 characters only.
    PatternPrefixOnly,
    /// `kmsArn` must look like a real key ARN (region, 12-digit account, `key/`): valid short ones are refused.
    KmsArnStrict,
    /// An integer beyond `f64`'s range is read as 65535 (and accepted).
    F64OverflowSaturates,
    /// Methods are compared ignoring case (`post` is POST).
    MethodsCaseInsensitive,
    /// Only the body's first JSON value is read; what follows it is ignored.
    TrailingDataAccepted,
    /// An empty account header is taken as no header (the default account).
    EmptyAccountAsDefault,
    /// Names are compared ignoring case.
    NamesCaseInsensitive,
    /// Tokens are compared ignoring case.
    TokensCaseInsensitive,
    /// A token of spaces is taken as no token.
    BlankTokenIgnored,
    /// `clientToken` takes any characters, not only printable ASCII.
    TokensAnyUnicode,
    /// The fingerprint ignores the order of list items.
    ArraysAsSets,
    /// The fingerprint compares strings ignoring case.
    FingerprintIgnoresCase,
    /// A replay answers without `connectorProfileArn` (not the whole first body).
    ReplayDropsArn,
    /// A refusal's message quotes the values of an OAuth request under the credentials.
    EchoSecretsInErrors,
    /// Creates with a `clientToken` are not counted towards the quota.
    QuotaSkipsTokenCreates,
    /// Concurrent requests with one token and different parameters are not serialized: both create (fast engine).
    RacyMismatch,
    /// `""` is refused in optional config members (the behaviour before the contract changed).
    EmptyStringsRefused,
    /// A delete frees the name but not the quota slot.
    DeleteKeepsSlot,
    /// Describe's details lack `connectorProfileProperties` (Terraform's provider crashes on them).
    DescribeDropsProperties,
    /// Describe's details show the credentials sent.
    DescribeShowsCredentials,
    /// Each page of a describe starts one profile after the previous page's last: a walk skips one per page.
    PageSkipsProfile,
    /// An update moves the profile's `createdAt` to now.
    UpdateMovesCreatedAt,
    /// Describe ignores its `connectorType` filter.
    DescribeIgnoresTypeFilter,
    /// Update ignores `clientToken`: a replay applies again, other parameters are applied too.
    UpdateIgnoresToken,
    /// An update of a name the account does not have is 400 `VALIDATION_ERROR`, not 404.
    UpdateMissingIs400,
    /// A delete of a name the account does not have succeeds (a "delete is idempotent" shortcut).
    DeleteMissingSucceeds,
    /// A delete forgets the create tokens of its profile: a replay creates it again.
    DeleteForgetsTokens,
    /// Routes on the whole request target: the endpoint with a query string is 404.
    QueryStringNotFound,
    /// A describe page that ends exactly at the last profile still carries a `nextToken`.
    TokenOnLastPage,
    /// A token moves on its first replay into a cache of an account's 2 most recently replayed
    /// tokens, and the third token replayed since forgets it: its next retry is a new call.
    ForgetsOldTokens,
    /// A name is unique only among the account's first 20 profiles (the describe page the check of
    /// the name reads): a profile made after them can share a name made after them.
    NamesFirstPageOnly,
    /// Every third replay of a token answers `409 IDEMPOTENCY_IN_PROGRESS`, long after its first
    /// request was answered.
    InProgressAfterAnswer,
    /// A name conflict in a full account gives a place of the quota back.
    RefusalFreesSlot,
}

impl Fault {
    /// Every fault, in declaration order.
    pub const ALL: [Fault; 72] = [
        Fault::IgnoreToken,
        Fault::NewIdOnReplay,
        Fault::AcceptMismatch,
        Fault::WrongMismatchCode,
        Fault::QuotaOffByOne,
        Fault::SharedQuota,
        Fault::SharedNames,
        Fault::RacyToken,
        Fault::RacyQuota,
        Fault::NoCreatedAt,
        Fault::BadCreatedAt,
        Fault::ErrorsAs200,
        Fault::Html500OnMalformedJson,
        Fault::UnanchoredPatterns,
        Fault::NoLabelRule,
        Fault::EchoCredentials,
        Fault::RefuseReplayAtQuota,
        Fault::FailedBindsToken,
        Fault::TextPlain,
        Fault::MaxLengthExclusive,
        Fault::IntegerFloatsRefused,
        Fault::LabelOnlyForCustom,
        Fault::QuotaBeforeName,
        Fault::SizeAfterIdentity,
        Fault::RefusalsUseQuota,
        Fault::StrictMediaType,
        Fault::BodyLimitOffByOne,
        Fault::NoDefaultAccount,
        Fault::BigNumbers500,
        Fault::DetailFieldsNotPointers,
        Fault::LoseResponseAfterCreate,
        Fault::Error500AfterCreate,
        Fault::MapKeysUnchecked,
        Fault::ListItemsUnchecked,
        Fault::SecondAlternativeUnanchored,
        Fault::JwtAsBase64url,
        Fault::KmsAnyPartition,
        Fault::ConnectorTypeAsModelKey,
        Fault::NullAsAbsent,
        Fault::PatternPrefixOnly,
        Fault::KmsArnStrict,
        Fault::F64OverflowSaturates,
        Fault::MethodsCaseInsensitive,
        Fault::TrailingDataAccepted,
        Fault::EmptyAccountAsDefault,
        Fault::NamesCaseInsensitive,
        Fault::TokensCaseInsensitive,
        Fault::BlankTokenIgnored,
        Fault::TokensAnyUnicode,
        Fault::ArraysAsSets,
        Fault::FingerprintIgnoresCase,
        Fault::ReplayDropsArn,
        Fault::EchoSecretsInErrors,
        Fault::QuotaSkipsTokenCreates,
        Fault::RacyMismatch,
        Fault::EmptyStringsRefused,
        Fault::DeleteKeepsSlot,
        Fault::DescribeDropsProperties,
        Fault::DescribeShowsCredentials,
        Fault::PageSkipsProfile,
        Fault::UpdateMovesCreatedAt,
        Fault::DescribeIgnoresTypeFilter,
        Fault::UpdateIgnoresToken,
        Fault::UpdateMissingIs400,
        Fault::DeleteMissingSucceeds,
        Fault::DeleteForgetsTokens,
        Fault::QueryStringNotFound,
        Fault::TokenOnLastPage,
        Fault::ForgetsOldTokens,
        Fault::NamesFirstPageOnly,
        Fault::InProgressAfterAnswer,
        Fault::RefusalFreesSlot,
    ];

    /// The fault's name on the command line and in the README (`racy-token`).
    pub const fn name(self) -> &'static str {
        match self {
            Fault::IgnoreToken => "ignore-token",
            Fault::NewIdOnReplay => "new-id-on-replay",
            Fault::AcceptMismatch => "accept-mismatch",
            Fault::WrongMismatchCode => "wrong-mismatch-code",
            Fault::QuotaOffByOne => "quota-off-by-one",
            Fault::SharedQuota => "shared-quota",
            Fault::SharedNames => "shared-names",
            Fault::RacyToken => "racy-token",
            Fault::RacyQuota => "racy-quota",
            Fault::NoCreatedAt => "no-created-at",
            Fault::BadCreatedAt => "bad-created-at",
            Fault::ErrorsAs200 => "errors-as200",
            Fault::Html500OnMalformedJson => "html500-on-malformed-json",
            Fault::UnanchoredPatterns => "unanchored-patterns",
            Fault::NoLabelRule => "no-label-rule",
            Fault::EchoCredentials => "echo-credentials",
            Fault::RefuseReplayAtQuota => "refuse-replay-at-quota",
            Fault::FailedBindsToken => "failed-binds-token",
            Fault::TextPlain => "text-plain",
            Fault::MaxLengthExclusive => "max-length-exclusive",
            Fault::IntegerFloatsRefused => "integer-floats-refused",
            Fault::LabelOnlyForCustom => "label-only-for-custom",
            Fault::QuotaBeforeName => "quota-before-name",
            Fault::SizeAfterIdentity => "size-after-identity",
            Fault::RefusalsUseQuota => "refusals-use-quota",
            Fault::StrictMediaType => "strict-media-type",
            Fault::BodyLimitOffByOne => "body-limit-off-by-one",
            Fault::NoDefaultAccount => "no-default-account",
            Fault::BigNumbers500 => "big-numbers-500",
            Fault::DetailFieldsNotPointers => "detail-fields-not-pointers",
            Fault::LoseResponseAfterCreate => "lose-response-after-create",
            Fault::Error500AfterCreate => "error-500-after-create",
            Fault::MapKeysUnchecked => "map-keys-unchecked",
            Fault::ListItemsUnchecked => "list-items-unchecked",
            Fault::SecondAlternativeUnanchored => "second-alternative-unanchored",
            Fault::JwtAsBase64url => "jwt-as-base64url",
            Fault::KmsAnyPartition => "kms-any-partition",
            Fault::ConnectorTypeAsModelKey => "connector-type-as-model-key",
            Fault::NullAsAbsent => "null-as-absent",
            Fault::PatternPrefixOnly => "pattern-prefix-only",
            Fault::KmsArnStrict => "kms-arn-strict",
            Fault::F64OverflowSaturates => "f64-overflow-saturates",
            Fault::MethodsCaseInsensitive => "methods-case-insensitive",
            Fault::TrailingDataAccepted => "trailing-data-accepted",
            Fault::EmptyAccountAsDefault => "empty-account-as-default",
            Fault::NamesCaseInsensitive => "names-case-insensitive",
            Fault::TokensCaseInsensitive => "tokens-case-insensitive",
            Fault::BlankTokenIgnored => "blank-token-ignored",
            Fault::TokensAnyUnicode => "tokens-any-unicode",
            Fault::ArraysAsSets => "arrays-as-sets",
            Fault::FingerprintIgnoresCase => "fingerprint-ignores-case",
            Fault::ReplayDropsArn => "replay-drops-arn",
            Fault::EchoSecretsInErrors => "echo-secrets-in-errors",
            Fault::QuotaSkipsTokenCreates => "quota-skips-token-creates",
            Fault::RacyMismatch => "racy-mismatch",
            Fault::EmptyStringsRefused => "empty-strings-refused",
            Fault::DeleteKeepsSlot => "delete-keeps-slot",
            Fault::DescribeDropsProperties => "describe-drops-properties",
            Fault::DescribeShowsCredentials => "describe-shows-credentials",
            Fault::PageSkipsProfile => "page-skips-profile",
            Fault::UpdateMovesCreatedAt => "update-moves-created-at",
            Fault::DescribeIgnoresTypeFilter => "describe-ignores-type-filter",
            Fault::UpdateIgnoresToken => "update-ignores-token",
            Fault::UpdateMissingIs400 => "update-missing-is400",
            Fault::DeleteMissingSucceeds => "delete-missing-succeeds",
            Fault::DeleteForgetsTokens => "delete-forgets-tokens",
            Fault::QueryStringNotFound => "query-string-not-found",
            Fault::TokenOnLastPage => "token-on-last-page",
            Fault::ForgetsOldTokens => "forgets-old-tokens",
            Fault::NamesFirstPageOnly => "names-first-page-only",
            Fault::InProgressAfterAnswer => "in-progress-after-answer",
            Fault::RefusalFreesSlot => "refusal-frees-slot",
        }
    }
}

impl std::str::FromStr for Fault {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown fault `{s}`"))
    }
}

/// A set of faults (a bit set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults(u128);

impl Faults {
    /// No fault.
    pub const NONE: Faults = Faults(0);

    /// Whether `f` is on.
    pub fn has(self, f: Fault) -> bool {
        self.0 & (1 << f as u32) != 0
    }

    /// Adds `f`.
    pub fn with(self, f: Fault) -> Faults {
        Faults(self.0 | (1 << f as u32))
    }

    /// Whether any fault is on.
    pub fn any(self) -> bool {
        self.0 != 0
    }
}

impl FromIterator<Fault> for Faults {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> Self {
        iter.into_iter().fold(Faults::NONE, Faults::with)
    }
}

/// The racy faults' window between check and insert. A request waits in it until another request has
/// entered too (or 100 ms pass), so concurrent requests really do overlap: the race that a non-atomic
/// implementation loses sometimes, lost every time.
#[derive(Debug, Default)]
pub(crate) struct RaceWindow {
    /// Per account: how many requests have entered the window.
    entered: Mutex<HashMap<u64, u64>>,
    cv: Condvar,
}

impl RaceWindow {
    pub(crate) fn pass(&self, account: u64) {
        let mut entered = self.entered.lock();
        let mine = {
            let n = entered.entry(account).or_default();
            *n += 1;
            *n
        };
        self.cv.notify_all();
        let _ = self.cv.wait_while_for(
            &mut entered,
            |e| e.get(&account) == Some(&mine),
            Duration::from_millis(100),
        );
    }
}
