//! Helpers shared by the integration tests.

#![allow(dead_code)]

use appflow_harness::contract::ExampleGen;
use serde_json::Value;

/// A valid request for `connector_type`, named `name` (seeded, so stable).
pub fn valid(connector_type: &str, name: &str) -> Value {
    ExampleGen::new(1).request(connector_type, name)
}

/// The shared reference folder, when this checkout sits beside it.
pub fn reference_model() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/appflow-2020-08-23.service-2.json");
    p.exists().then_some(p)
}
