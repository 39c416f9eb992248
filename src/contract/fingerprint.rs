//! The idempotency fingerprint: a request's parameters (the body without `clientToken`) as a JSON value,
//! independent of member order, whitespace and number spelling (`443` and `443.0` are one value).

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, JsonNumber, Node, Object, SerdeJson};
use serde_json::Value;
use xxhash_rust::xxh3::xxh3_128;

/// A body's canonical form: each value tagged with its type and each length spelled out, so no two
/// different values write the same bytes.
struct Canonical(Vec<u8>);

impl Canonical {
    fn update(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// A 128-bit digest of a request's parameters. Two requests have the same fingerprint exactly when their
/// bodies, without `clientToken`, are equal as JSON values (up to a 2^-128 hash collision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub u128);

/// The member that is not a parameter.
pub const TOKEN_MEMBER: &str = "clientToken";

/// Fingerprints a request body (at the top level, `clientToken` is left out).
pub fn fingerprint(body: &Value) -> Fingerprint {
    fingerprint_of::<SerdeJson>(body)
}

/// [`fingerprint`] over any JSON representation (the stub's fast path reads a [`super::doc::Doc`]);
/// equal JSON values get equal fingerprints whatever holds them.
pub fn fingerprint_of<'a, F: Json>(body: F::Node<'a>) -> Fingerprint {
    // The canonical bytes are gathered first and hashed once: a streaming hasher costs more per
    // call than these small pieces cost to copy.
    let mut h = Canonical(Vec::with_capacity(512));
    feed::<F>(&mut h, &body, true);
    Fingerprint(xxh3_128(&h.0))
}

fn feed_object<'a, F: Json>(
    h: &mut Canonical,
    map: &<F::Node<'a> as Node<'a, F>>::Object,
    top: bool,
) {
    let skip = |k: &str| top && k == TOKEN_MEMBER;
    let len = map.members().filter(|(k, _)| !skip(k.as_ref())).count();
    h.update(b"{");
    h.update(&(len as u64).to_le_bytes());
    let entry = |h: &mut Canonical, k: &str, v: &F::Node<'a>| {
        h.update(&(k.len() as u64).to_le_bytes());
        h.update(k.as_bytes());
        feed::<F>(h, v, false);
    };
    // Members in key order; a `BTreeMap`-backed `Value` already iterates that way, so only other
    // representations pay for sorting.
    let sorted = map
        .members()
        .zip(map.members().skip(1))
        .all(|((a, _), (b, _))| a.as_ref() < b.as_ref());
    if sorted {
        for (k, v) in map.members().filter(|(k, _)| !skip(k.as_ref())) {
            entry(h, k.as_ref(), &v);
        }
    } else {
        let mut entries: Vec<_> = map.members().filter(|(k, _)| !skip(k.as_ref())).collect();
        entries.sort_unstable_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        for (k, v) in &entries {
            entry(h, k.as_ref(), v);
        }
    }
}

fn feed<'a, F: Json>(h: &mut Canonical, v: &F::Node<'a>, top: bool) {
    match v.json_type() {
        JsonType::Null => h.update(b"n"),
        JsonType::Boolean => h.update(if v.as_boolean() == Some(true) {
            b"t"
        } else {
            b"f"
        }),
        JsonType::Number | JsonType::Integer => {
            let Some(n) = v.as_number() else { return };
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
        JsonType::String => {
            let s = v.as_string().unwrap_or_default();
            h.update(b"s");
            h.update(&(s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
        JsonType::Array => {
            let Some(items) = v.as_array() else { return };
            h.update(b"[");
            h.update(&(items.len() as u64).to_le_bytes());
            for item in items.elements() {
                feed::<F>(h, &item, false);
            }
        }
        JsonType::Object => {
            if let Some(map) = v.as_object() {
                feed_object::<F>(h, &map, top);
            }
        }
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
