//! Writes the fuzz corpus: every connector type's example (three sizes) and every generated invalid case.
use appflow_harness::contract::{ExampleGen, Size, connector_types, invalid_cases};

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/decide");
    std::fs::create_dir_all(&dir).unwrap();
    let mut g = ExampleGen::new(1);
    let mut n = 0;
    for t in connector_types() {
        for size in [Size::Minimal, Size::Typical, Size::Largest] {
            let mut doc = g.request_sized(t, "fuzz", size);
            doc["clientToken"] = serde_json::json!("tok");
            let mut bytes = vec![0u8];
            bytes.extend(serde_json::to_vec(&doc).unwrap());
            std::fs::write(dir.join(format!("valid-{n}")), &bytes).unwrap();
            n += 1;
            for case in invalid_cases(&doc).into_iter().step_by(7) {
                let mut bytes = vec![0u8];
                bytes.extend(serde_json::to_vec(&case.body).unwrap());
                std::fs::write(dir.join(format!("invalid-{n}")), &bytes).unwrap();
                n += 1;
            }
        }
    }
    println!("{n} corpus files in {}", dir.display());
}
