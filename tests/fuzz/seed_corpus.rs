//! Writes the fuzz corpora: every connector type's example (three sizes) and every seventh generated invalid
//! case, as `decide` reads them (a selector byte, then the body) and as `fast_path` does (the body alone).
use appflow_harness::contract::{ExampleGen, Size, connector_types, invalid_cases};

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let (decide, fast_path) = (root.join("decide"), root.join("fast_path"));
    std::fs::create_dir_all(&decide).unwrap();
    std::fs::create_dir_all(&fast_path).unwrap();
    let write = |name: &str, body: &serde_json::Value| {
        let body = serde_json::to_vec(body).unwrap();
        std::fs::write(fast_path.join(name), &body).unwrap();
        let mut selected = vec![0u8];
        selected.extend(body);
        std::fs::write(decide.join(name), &selected).unwrap();
    };
    let mut g = ExampleGen::new(1);
    let mut n = 0;
    for t in connector_types() {
        for size in [Size::Minimal, Size::Typical, Size::Largest] {
            let mut doc = g.request_sized(t, "fuzz", size);
            doc["clientToken"] = serde_json::json!("tok");
            write(&format!("valid-{n}"), &doc);
            n += 1;
            for case in invalid_cases(&doc).into_iter().step_by(7) {
                write(&format!("invalid-{n}"), &case.body);
                n += 1;
            }
        }
    }
    println!("{n} files in each of {} and {}", decide.display(), fast_path.display());
}
