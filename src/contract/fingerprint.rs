//! The idempotency fingerprint: a request's parameters (the body without `clientToken`) as a JSON value,
//! independent of member order, whitespace and number spelling (`443` and `443.0` are one value).

use serde_json::Value;
use xxhash_rust::xxh3::Xxh3;

/// A 128-bit digest of a request's parameters. Two requests have the same fingerprint exactly when their
/// bodies, without `clientToken`, are equal as JSON values (up to a 2^-128 hash collision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub u128);

/// The member that is not a parameter.
pub const TOKEN_MEMBER: &str = "clientToken";

/// Fingerprints a request body (at the top level, `clientToken` is left out).
pub fn fingerprint(body: &Value) -> Fingerprint {
    let mut h = Xxh3::new();
    match body {
        Value::Object(map) => feed_object(&mut h, map, true),
        other => feed(&mut h, other),
    }
    Fingerprint(h.digest128())
}

/// Whether `serde_json::Map` iterates in key order (a `BTreeMap`, unless some crate in the build turns on
/// serde_json's `preserve_order`). Checked once, so the fingerprint is right either way.
fn map_is_sorted() -> bool {
    static SORTED: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
        let mut m = serde_json::Map::new();
        m.insert("b".into(), Value::Null);
        m.insert("a".into(), Value::Null);
        m.keys().next().is_some_and(|k| k == "a")
    });
    *SORTED
}

fn feed_object(h: &mut Xxh3, map: &serde_json::Map<String, Value>, top: bool) {
    let skip = |k: &str| top && k == TOKEN_MEMBER;
    let len = map.len() - usize::from(top && map.contains_key(TOKEN_MEMBER));
    h.update(b"{");
    h.update(&(len as u64).to_le_bytes());
    let entry = |h: &mut Xxh3, k: &String, v: &Value| {
        h.update(&(k.len() as u64).to_le_bytes());
        h.update(k.as_bytes());
        feed(h, v);
    };
    if map_is_sorted() {
        for (k, v) in map.iter().filter(|(k, _)| !skip(k)) {
            entry(h, k, v);
        }
    } else {
        let mut entries: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| !skip(k)).collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (k, v) in entries {
            entry(h, k, v);
        }
    }
}

fn feed(h: &mut Xxh3, v: &Value) {
    match v {
        Value::Null => h.update(b"n"),
        Value::Bool(b) => h.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => {
            // One spelling per numeric value: integers as i128, other numbers by their f64 bits.
            if let Some(i) = n.as_i64() {
                h.update(b"i");
                h.update(&i128::from(i).to_le_bytes());
            } else if let Some(u) = n.as_u64() {
                h.update(b"i");
                h.update(&i128::from(u).to_le_bytes());
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() == 0.0 && f.abs() < 1.0e18 {
                    h.update(b"i");
                    h.update(&(f as i128).to_le_bytes());
                } else {
                    h.update(b"d");
                    h.update(&f.to_bits().to_le_bytes());
                }
            }
        }
        Value::String(s) => {
            h.update(b"s");
            h.update(&(s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
        Value::Array(items) => {
            h.update(b"[");
            h.update(&(items.len() as u64).to_le_bytes());
            for item in items {
                feed(h, item);
            }
        }
        Value::Object(map) => feed_object(h, map, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ignores_member_order_whitespace_and_token() {
        let a: Value =
            serde_json::from_str(r#"{"a":1,"b":{"x":[1,2],"y":"z"},"clientToken":"t1"}"#).unwrap();
        let b: Value =
            serde_json::from_str("{ \"b\" : {\"y\":\"z\", \"x\":[1, 2]},\n \"a\": 1.0 }").unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
    }

    #[test]
    fn distinguishes_values_types_and_nested_tokens() {
        let base = json!({"a": 1, "b": "x"});
        for other in [
            json!({"a": 2, "b": "x"}),
            json!({"a": "1", "b": "x"}),
            json!({"a": 1, "b": "x", "c": null}),
            json!({"a": [1], "b": "x"}),
            json!({"a": 1, "b": {"clientToken": "x"}}),
            json!({"ab": 1, "b": "x"}),
        ] {
            assert_ne!(fingerprint(&base), fingerprint(&other), "{other}");
        }
    }
}
