//! Fault modes: each makes the stub break one rule of the contract on purpose, to prove that the
//! conformance runner catches it. All are off unless asked for.

use serde::{Deserialize, Serialize};

/// One deliberate contract violation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, Serialize, Deserialize)]
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
}

impl Fault {
    /// Every fault, in declaration order.
    pub const ALL: [Fault; 19] = [
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
    ];

    /// The fault's name on the command line (`racy-token`).
    pub fn name(self) -> String {
        clap::ValueEnum::to_possible_value(&self)
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }
}

/// A set of faults (a bit set).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults(u32);

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
