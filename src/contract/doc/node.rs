//! A [`Doc`]'s nodes as jsonschema's [`Json`] representation, so the same schemas validate it.

use super::{Doc, Item};
use jsonschema::JsonType;
use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object};
use serde_json::Value;
use std::borrow::Cow;

/// The [`Json`] representation of a [`Doc`], for `jsonschema::options_for::<DocJson>()`.
#[derive(Debug)]
pub struct DocJson;

impl Json for DocJson {
    type Node<'a> = DocNode<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = ();
    /// A lookup scans the members, so a pass over them replaces lookups early.
    const KEYS_PER_LOOKUP: usize = 8;
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>((): &mut (), string: &str, f: impl FnOnce(DocNode<'_>) -> T) -> T {
        f(DocNode::Name(string))
    }
}

/// A node of a [`Doc`], or a member name standing alone (for `propertyNames`).
#[derive(Debug, Clone, Copy)]
pub enum DocNode<'a> {
    /// The node at this index of the document.
    At(&'a Doc<'a>, u32),
    /// A member name as a string node.
    Name(&'a str),
}

impl<'a> DocNode<'a> {
    fn item(&self) -> Item<'a> {
        match *self {
            DocNode::At(doc, i) => doc.items[i as usize],
            DocNode::Name(s) => Item::Str(s),
        }
    }

    /// The member `key` of this object, if both exist.
    pub fn get(&self, key: &str) -> Option<DocNode<'a>> {
        let DocNode::At(doc, _) = *self else {
            return None;
        };
        let Item::Object { start, len } = self.item() else {
            return None;
        };
        doc.members[start as usize..(start + len) as usize]
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, v)| DocNode::At(doc, v))
    }

    /// The string at `key` of this object, if both exist.
    pub fn get_str(&self, key: &str) -> Option<&'a str> {
        match self.get(key)?.item() {
            Item::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean at `key` of this object, if both exist.
    pub fn get_bool(&self, key: &str) -> Option<bool> {
        match self.get(key)?.item() {
            Item::Bool(b) => Some(b),
            _ => None,
        }
    }
}

/// An object of a [`Doc`].
#[derive(Debug, Clone, Copy)]
pub struct DocObject<'a> {
    doc: &'a Doc<'a>,
    members: &'a [(&'a str, u32)],
}

/// An array of a [`Doc`].
#[derive(Debug, Clone, Copy)]
pub struct DocArray<'a> {
    doc: &'a Doc<'a>,
    elements: &'a [u32],
}

/// A number of a [`Doc`] (always a non-negative integer).
#[derive(Debug, Clone, Copy)]
pub struct DocNumber(u64);

impl JsonNumber for DocNumber {
    fn as_u64(&self) -> Option<u64> {
        Some(self.0)
    }
    fn as_i64(&self) -> Option<i64> {
        i64::try_from(self.0).ok()
    }
    fn as_f64(&self) -> Option<f64> {
        Some(self.0 as f64)
    }
    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.0.to_string())
    }
    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        Cow::Owned(self.0.into())
    }
    fn is_integer(&self) -> bool {
        true
    }
    fn is_written_as_integer(&self) -> bool {
        true
    }
}

impl<'a> Node<'a, DocJson> for DocNode<'a> {
    type Object = DocObject<'a>;
    type Array = DocArray<'a>;
    type Number = DocNumber;

    fn as_object(&self) -> Option<DocObject<'a>> {
        match (*self, self.item()) {
            (DocNode::At(doc, _), Item::Object { start, len }) => Some(DocObject {
                doc,
                members: &doc.members[start as usize..(start + len) as usize],
            }),
            _ => None,
        }
    }

    fn as_array(&self) -> Option<DocArray<'a>> {
        match (*self, self.item()) {
            (DocNode::At(doc, _), Item::Array { start, len }) => Some(DocArray {
                doc,
                elements: &doc.elements[start as usize..(start + len) as usize],
            }),
            _ => None,
        }
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        match self.item() {
            Item::Str(s) => Some(Cow::Borrowed(s)),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<DocNumber> {
        match self.item() {
            Item::Int(n) => Some(DocNumber(n)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.item() {
            Item::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.item(), Item::Null)
    }

    fn json_type(&self) -> JsonType {
        match self.item() {
            Item::Null => JsonType::Null,
            Item::Bool(_) => JsonType::Boolean,
            Item::Int(_) => JsonType::Number,
            Item::Str(_) => JsonType::String,
            Item::Array { .. } => JsonType::Array,
            Item::Object { .. } => JsonType::Object,
        }
    }

    fn string_length_within(&self, min: u64, max: u64) -> Option<bool> {
        let Item::Str(s) = self.item() else {
            return None;
        };
        // A code point takes one to four bytes, so the count lies in `ceil(bytes / 4)..=bytes`.
        let bytes = s.len() as u64;
        if bytes < min || bytes.div_ceil(4) > max {
            return Some(false);
        }
        if min <= bytes.div_ceil(4) && bytes <= max {
            return Some(true);
        }
        Some((min..=max).contains(&(s.chars().count() as u64)))
    }

    fn equals_value(&self, expected: &Value) -> bool {
        match (self.item(), expected) {
            (Item::Str(s), Value::String(e)) => s == e,
            (Item::Str(_), _) => false,
            (Item::Bool(b), Value::Bool(e)) => b == *e,
            (Item::Null, Value::Null) => true,
            _ => jsonschema::json::cmp::equal(&self.to_value(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(match self.item() {
            Item::Null => Value::Null,
            Item::Bool(b) => Value::Bool(b),
            Item::Int(n) => Value::Number(n.into()),
            Item::Str(s) => Value::String(s.to_owned()),
            Item::Array { .. } => Value::Array(
                self.as_array()
                    .map(|a| a.elements().map(|e| e.to_value().into_owned()).collect())
                    .unwrap_or_default(),
            ),
            Item::Object { .. } => Value::Object(
                self.as_object()
                    .map(|o| {
                        o.members()
                            .map(|(k, v)| (k.to_owned(), v.to_value().into_owned()))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
        })
    }

    fn identity(&self) -> Option<NodeIdentity> {
        match *self {
            DocNode::At(doc, i) => Some(NodeIdentity::tagged(std::ptr::from_ref(doc) as usize, i)),
            DocNode::Name(_) => None,
        }
    }
}

/// The members of a [`DocObject`], in document order.
#[derive(Debug)]
pub struct DocMembers<'a> {
    doc: &'a Doc<'a>,
    inner: std::slice::Iter<'a, (&'a str, u32)>,
}

impl<'a> Iterator for DocMembers<'a> {
    type Item = (&'a str, DocNode<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        self.inner
            .next()
            .map(|&(k, v)| (k, DocNode::At(self.doc, v)))
    }
}

impl<'a> Object<'a, DocJson> for DocObject<'a> {
    type Node = DocNode<'a>;
    type MemberName = &'a str;
    type MembersIter = DocMembers<'a>;

    fn len(&self) -> usize {
        self.members.len()
    }

    fn get(&self, key: &Box<str>) -> Option<DocNode<'a>> {
        self.members
            .iter()
            .find(|(k, _)| *k == &**key)
            .map(|&(_, v)| DocNode::At(self.doc, v))
    }

    fn members(&self) -> DocMembers<'a> {
        DocMembers {
            doc: self.doc,
            inner: self.members.iter(),
        }
    }
}

/// The elements of a [`DocArray`].
#[derive(Debug)]
pub struct DocElements<'a> {
    doc: &'a Doc<'a>,
    inner: std::slice::Iter<'a, u32>,
}

impl<'a> Iterator for DocElements<'a> {
    type Item = DocNode<'a>;
    fn next(&mut self) -> Option<DocNode<'a>> {
        self.inner.next().map(|&v| DocNode::At(self.doc, v))
    }
}

impl<'a> Array<'a, DocJson> for DocArray<'a> {
    type Node = DocNode<'a>;
    type ElementsIter = DocElements<'a>;

    fn len(&self) -> usize {
        self.elements.len()
    }

    fn elements(&self) -> DocElements<'a> {
        DocElements {
            doc: self.doc,
            inner: self.elements.iter(),
        }
    }
}
