//! A JSON body read in place: one flat arena of nodes whose strings borrow the input bytes.
//!
//! This is the stub's fast path for requests, and the load generator's for answers. Building a
//! `serde_json::Value` costs about as much as validating and fingerprinting it together (an
//! allocation per string, key and map node, and as many frees). A [`Doc`] takes three allocations,
//! is validated by the same schemas (compiled for this representation through jsonschema's [`Json`]
//! trait, [`SchemaKind::doc_validator`](super::SchemaKind::doc_validator)) and fingerprinted by the
//! same function.
//!
//! It reads only the common subset of JSON and declines everything else: escapes in strings,
//! fractions, exponents and negative numbers, integers beyond `u64`, duplicate keys, nesting deeper
//! than `serde_json`'s limit, and anything malformed. On `None` the caller takes the
//! `serde_json::Value` path, so every answer stays what that path gives. Within the subset the two
//! agree exactly (tested: same value, same fingerprint, same validity).

mod node;

pub use node::{DocArray, DocElements, DocJson, DocMembers, DocNode, DocNumber, DocObject};

/// `serde_json`'s own nesting limit.
const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Item<'i> {
    Null,
    Bool(bool),
    Int(u64),
    Str(&'i str),
    /// Children at `elements[start..start + len]`.
    Array {
        start: u32,
        len: u32,
    },
    /// Members at `members[start..start + len]`, in document order.
    Object {
        start: u32,
        len: u32,
    },
}

/// A parsed document; the root is node 0.
#[derive(Debug)]
pub struct Doc<'i> {
    items: Vec<Item<'i>>,
    elements: Vec<u32>,
    members: Vec<(&'i str, u32)>,
}

impl<'i> Doc<'i> {
    /// Parses `bytes`, or declines (`None`) when they are not JSON of the common subset.
    pub fn parse(bytes: &'i [u8]) -> Option<Doc<'i>> {
        if u32::try_from(bytes.len()).is_err() {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let mut p = Parser {
            text,
            pos: 0,
            doc: Doc {
                items: Vec::with_capacity(bytes.len() / 16 + 4),
                elements: Vec::with_capacity(8),
                members: Vec::with_capacity(bytes.len() / 20 + 4),
            },
            open_members: Vec::with_capacity(32),
            open_elements: Vec::with_capacity(16),
        };
        p.value(0)?;
        p.skip_ws();
        (p.pos == bytes.len()).then_some(p.doc)
    }

    /// The root node.
    pub fn root(&self) -> DocNode<'_> {
        DocNode::At(self, 0)
    }
}

struct Parser<'i> {
    text: &'i str,
    pos: usize,
    doc: Doc<'i>,
    /// Members of the objects still open, innermost last.
    open_members: Vec<(&'i str, u32)>,
    /// Elements of the arrays still open, innermost last.
    open_elements: Vec<u32>,
}

impl<'i> Parser<'i> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn push(&mut self, item: Item<'i>) -> u32 {
        self.doc.items.push(item);
        (self.doc.items.len() - 1) as u32
    }

    fn value(&mut self, depth: usize) -> Option<u32> {
        self.skip_ws();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => {
                let s = self.string()?;
                Some(self.push(Item::Str(s)))
            }
            b't' => self.literal("true", Item::Bool(true)),
            b'f' => self.literal("false", Item::Bool(false)),
            b'n' => self.literal("null", Item::Null),
            b'0'..=b'9' => self.integer(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str, item: Item<'i>) -> Option<u32> {
        if !self.text[self.pos..].starts_with(word) {
            return None;
        }
        self.pos += word.len();
        Some(self.push(item))
    }

    /// A non-negative integer without fraction or exponent that fits a `u64`.
    fn integer(&mut self) -> Option<u32> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut n: u64 = 0;
        while let Some(&b) = bytes.get(self.pos).filter(|b| b.is_ascii_digit()) {
            n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
            self.pos += 1;
        }
        let leading_zero = bytes[start] == b'0' && self.pos - start > 1;
        if leading_zero || matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(self.push(Item::Int(n)))
    }

    /// A string without escapes or control characters (the cursor is on its opening quote).
    fn string(&mut self) -> Option<&'i str> {
        let bytes = self.text.as_bytes();
        let start = self.pos + 1;
        let len = find_quote_or_special(&bytes[start..])?;
        if bytes[start + len] != b'"' {
            return None;
        }
        self.pos = start + len + 1;
        // Quotes are ASCII, so both ends are character boundaries of the checked UTF-8 text.
        self.text.get(start..start + len)
    }

    /// The items of a `{…}` or `[…]` whose opening bracket is under the cursor, each read by `item`.
    fn items(
        &mut self,
        depth: usize,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek()? == close {
            self.pos += 1;
            return Some(());
        }
        loop {
            item(self)?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                b if b == close => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<u32> {
        let at = self.push(Item::Null);
        let mark = self.open_members.len();
        self.items(depth, b'}', |p| {
            p.skip_ws();
            if p.peek()? != b'"' {
                return None;
            }
            let key = p.string()?;
            p.skip_ws();
            if p.peek()? != b':' {
                return None;
            }
            p.pos += 1;
            let value = p.value(depth + 1)?;
            p.open_members.push((key, value));
            Some(())
        })?;
        let mine = &self.open_members[mark..];
        if has_duplicate_keys(mine) {
            return None;
        }
        let start = self.doc.members.len() as u32;
        let len = mine.len() as u32;
        self.doc.members.extend_from_slice(mine);
        self.open_members.truncate(mark);
        self.doc.items[at as usize] = Item::Object { start, len };
        Some(at)
    }

    fn array(&mut self, depth: usize) -> Option<u32> {
        let at = self.push(Item::Null);
        let mark = self.open_elements.len();
        self.items(depth, b']', |p| {
            let value = p.value(depth + 1)?;
            p.open_elements.push(value);
            Some(())
        })?;
        let start = self.doc.elements.len() as u32;
        let len = (self.open_elements.len() - mark) as u32;
        self.doc
            .elements
            .extend_from_slice(&self.open_elements[mark..]);
        self.open_elements.truncate(mark);
        self.doc.items[at as usize] = Item::Array { start, len };
        Some(at)
    }
}

/// The first `"`, `\\` or control character, eight bytes at a time (the classic SWAR tests: a byte of
/// `x ^ c` is zero where `x` has `c`; `(x - 0x20…) & !x & 0x80…` marks bytes below 0x20; the lowest
/// mark is exact).
fn find_quote_or_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    for (i, chunk) in chunks.by_ref().enumerate() {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let marks = zero_bytes(w ^ (ONES * u64::from(b'"')))
            | zero_bytes(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGH);
        if marks != 0 {
            return Some(i * 8 + (marks.trailing_zeros() / 8) as usize);
        }
    }
    let done = bytes.len() - chunks.remainder().len();
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|p| done + p)
}

/// `serde_json` keeps the last of duplicate keys; this path declines them instead.
fn has_duplicate_keys(members: &[(&str, u32)]) -> bool {
    if members.len() <= 16 {
        members
            .iter()
            .enumerate()
            .any(|(i, (k, _))| members[..i].iter().any(|(other, _)| other == k))
    } else {
        let mut keys: Vec<&str> = members.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }
}

/// Any JSON representation's node as a `serde_json::Value` (the stub keeps a profile's properties
/// as text, whichever representation read the request).
pub fn to_value<'a, F: jsonschema::json::Json>(node: &F::Node<'a>) -> serde_json::Value {
    use jsonschema::JsonType;
    use jsonschema::json::{Array, JsonNumber, Node, Object};
    use serde_json::Value;
    match node.json_type() {
        JsonType::Null => Value::Null,
        JsonType::Boolean => Value::Bool(node.as_boolean() == Some(true)),
        JsonType::Number | JsonType::Integer => node
            .as_number()
            .map_or(Value::Null, |n| Value::Number(n.to_number().into_owned())),
        JsonType::String => Value::String(node.as_string().unwrap_or_default().to_string()),
        JsonType::Array => Value::Array(
            node.as_array()
                .map(|a| a.elements().map(|e| to_value::<F>(&e)).collect())
                .unwrap_or_default(),
        ),
        JsonType::Object => Value::Object(
            node.as_object()
                .map(|o| {
                    o.members()
                        .map(|(k, v)| (k.as_ref().to_owned(), to_value::<F>(&v)))
                        .collect()
                })
                .unwrap_or_default(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonschema::json::Node;
    use serde_json::Value;

    fn parsed(text: &str) -> Option<Value> {
        Doc::parse(text.as_bytes()).map(|d| d.root().to_value().into_owned())
    }

    #[test]
    fn reads_the_common_subset_as_serde_json_does() {
        for text in [
            r#"{"a":1,"b":[true,false,null,"x"],"c":{"d":{}, "e":[]}}"#,
            " \t\n[ 0 , 18446744073709551615 , \"héllo 🦀\" ]\r\n",
            r#""""#,
            "{}",
        ] {
            assert_eq!(
                parsed(text),
                Some(serde_json::from_str::<Value>(text).unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn declines_what_it_does_not_read() {
        for text in [
            r#"{"a":"x\"y"}"#,
            r#"{"a":1,"a":2}"#,
            "-1",
            "1.5",
            "1e3",
            "01",
            "18446744073709551616",
            "{\"a\":\"\u{1}\"}",
            "[1,]",
            "{\"a\" 1}",
            "tru",
            "nul",
            "[1] x",
            "",
            &"[".repeat(200),
        ] {
            assert!(Doc::parse(text.as_bytes()).is_none(), "{text}");
        }
        assert!(Doc::parse(b"\"\xff\"").is_none());
    }

    #[test]
    fn finds_the_first_quote_backslash_or_control_character() {
        for len in 0..40 {
            for (at, special) in [b'"', b'\\', 0x00, 0x1f].into_iter().enumerate() {
                let mut bytes = vec![b'a'; len];
                // Bytes that trip a careless SWAR test: 0x20, 0x7f, 0x80 and 0xff around the mark.
                bytes.extend_from_slice(&[0x20, 0x7f, 0x80, 0xff]);
                assert_eq!(find_quote_or_special(&bytes), None);
                let pos = (len + at) % (len + 1);
                bytes.insert(pos, special);
                bytes.push(b'"');
                assert_eq!(find_quote_or_special(&bytes), Some(pos), "{len} {special}");
            }
        }
    }
}
