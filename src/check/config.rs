//! What the runner expects of the target: the contract's codes, statuses, quota and TTL, overridable by a
//! TOML file (`--contract FILE`) for teams whose service made other choices.
//!
//! ```toml
//! quota = 100            # profiles per account
//! token_ttl = "8h"       # how long a clientToken stays bound
//! max_body = "256KiB"    # the server's body limit (a body one byte over it must be refused with 413)
//! account_header = "X-Account-Id"
//! require_account = false  # true: a request without the header is 401, not the default account
//!
//! [errors.IDEMPOTENT_PARAMETER_MISMATCH]   # any code of the contract's error table
//! code = "IdempotentParameterMismatch"
//! status = 422
//! ```

use crate::Error;
use crate::contract::{self, ErrorCode, ErrorTable, ExpectedError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// The contract the runner holds the target to.
#[derive(Debug, Clone)]
pub struct ContractConfig {
    /// Profiles per account.
    pub quota: u32,
    /// How long a token stays bound.
    pub token_ttl: Duration,
    /// The server's body limit in bytes.
    pub max_body: usize,
    /// The header naming the account.
    pub account_header: String,
    /// Whether the target refuses requests without the account header (401) instead of giving them
    /// the default account.
    pub require_account: bool,
    /// The codes and statuses the target answers with.
    pub errors: ErrorTable,
}

impl Default for ContractConfig {
    fn default() -> Self {
        ContractConfig {
            quota: contract::DEFAULT_QUOTA,
            token_ttl: contract::DEFAULT_TOKEN_TTL,
            max_body: contract::DEFAULT_MAX_BODY,
            account_header: "X-Account-Id".into(),
            require_account: false,
            errors: ErrorTable::default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawError {
    code: Option<String>,
    status: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    quota: Option<u32>,
    token_ttl: Option<String>,
    max_body: Option<String>,
    account_header: Option<String>,
    require_account: Option<bool>,
    #[serde(default)]
    errors: BTreeMap<String, RawError>,
}

impl ContractConfig {
    /// What the target must answer for `code`.
    pub fn expected(&self, code: ErrorCode) -> &ExpectedError {
        self.errors.expected(code)
    }

    /// The contract code a target's code stands for, if any.
    pub fn code_of(&self, wire: &str) -> Option<ErrorCode> {
        self.errors.code_of(wire)
    }

    /// The contract as `dialect` frames its answers (the AWS dialect's codes are exception names).
    pub fn for_dialect(dialect: contract::Dialect) -> ContractConfig {
        ContractConfig {
            errors: ErrorTable::for_dialect(dialect),
            ..ContractConfig::default()
        }
    }

    /// Parses a `--contract` TOML document (in the envelope dialect).
    pub fn from_toml(text: &str) -> Result<ContractConfig, Error> {
        Self::from_toml_in(text, contract::Dialect::Envelope)
    }

    /// Parses a `--contract` TOML document over the contract as `dialect` frames it: an error's
    /// `code` is then the wire name in that dialect (an exception name for `aws`).
    pub fn from_toml_in(text: &str, dialect: contract::Dialect) -> Result<ContractConfig, Error> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| Error::Usage(format!("--contract: {e}")))?;
        let mut cfg = ContractConfig::for_dialect(dialect);
        if let Some(q) = raw.quota {
            cfg.quota = q;
        }
        if let Some(t) = raw.token_ttl {
            cfg.token_ttl = crate::units::parse_duration(&t)
                .map_err(|e| Error::Usage(format!("--contract: token_ttl: {e}")))?;
        }
        if let Some(m) = raw.max_body {
            cfg.max_body = crate::units::parse_size(&m)
                .map_err(|e| Error::Usage(format!("--contract: max_body: {e}")))?;
        }
        if let Some(h) = raw.account_header {
            cfg.account_header = h;
        }
        if let Some(r) = raw.require_account {
            cfg.require_account = r;
        }
        for (name, e) in raw.errors {
            let code = ErrorCode::parse(&name).ok_or_else(|| {
                Error::Usage(format!(
                    "--contract: unknown error `{name}` (one of {})",
                    ErrorCode::ALL.map(|c| c.as_str()).join(", ")
                ))
            })?;
            if let Some(s) = e.status
                && !(100..=599).contains(&s)
            {
                return Err(Error::Usage(format!(
                    "--contract: {name}: status {s} is not an HTTP status"
                )));
            }
            cfg.errors.set(code, e.code, e.status);
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_codes_statuses_and_numbers() {
        let cfg = ContractConfig::from_toml(
            "quota = 5\ntoken_ttl = \"1h\"\n[errors.IDEMPOTENT_PARAMETER_MISMATCH]\ncode = \"Mismatch\"\nstatus = 422\n",
        )
        .unwrap();
        assert_eq!(cfg.quota, 5);
        assert_eq!(cfg.token_ttl, Duration::from_secs(3600));
        let e = cfg.expected(ErrorCode::IdempotentParameterMismatch);
        assert_eq!((e.code.as_str(), e.status), ("Mismatch", 422));
        assert_eq!(
            cfg.code_of("Mismatch"),
            Some(ErrorCode::IdempotentParameterMismatch)
        );
        assert_eq!(cfg.expected(ErrorCode::Conflict).status, 409);
        assert!(cfg.errors.renames_codes());
    }

    #[test]
    fn rejects_unknown_names_and_members() {
        assert!(ContractConfig::from_toml("[errors.NOPE]\nstatus = 400\n").is_err());
        assert!(ContractConfig::from_toml("quotas = 5\n").is_err());
        assert!(ContractConfig::from_toml("[errors.CONFLICT]\nstatus = 42\n").is_err());
    }
}
