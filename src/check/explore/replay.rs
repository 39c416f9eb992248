//! A replay file: a shrunk program as its recipes (never its bytes: the credentials are made again
//! from the seed, so none is written down), with what it found. `check --replay FILE` runs it again
//! against any target, judged against the model as the explorer judged it.

use super::program::Step;
use serde::{Deserialize, Serialize};

/// The file's format version.
pub const FORMAT: u32 = 1;

/// A reproducer, as a replay file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayFile {
    /// The format version ([`FORMAT`]).
    pub appflow_harness_replay: u32,
    /// The harness version that wrote it (the requests a recipe makes may change between versions).
    pub harness_version: String,
    /// The seed the recipes are made with.
    pub seed: u64,
    /// The dialect the target was judged in (`envelope`, `aws`).
    pub dialect: String,
    /// The quota the target was held to.
    pub quota: u32,
    /// What the program found, in words.
    pub found: String,
    /// Requests the program sends.
    pub requests: usize,
    /// The steps.
    pub steps: Vec<Step>,
}

impl ReplayFile {
    /// Reads a replay file's text.
    pub fn parse(text: &str) -> Result<ReplayFile, String> {
        let f: ReplayFile =
            serde_json::from_str(text).map_err(|e| format!("not a replay file: {e}"))?;
        if f.appflow_harness_replay != FORMAT {
            return Err(format!(
                "replay format {} (this harness reads {FORMAT})",
                f.appflow_harness_replay
            ));
        }
        Ok(f)
    }

    /// The file's text (pretty JSON).
    pub fn text(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
