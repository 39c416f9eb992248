//! The pattern generator (`contract::pattern`): exact lengths, alternatives and near misses, as the
//! rule cases rely on them.

pub mod common {

    /// The patterns, exactly as the harness anchors them.
    pub const PATTERNS: &[&str] = &[
        r"^(?:.*)$",
        r"^(?:[ -~]+)$",
        r"^(?:[ \t\n\x0B\f\rA-Za-z0-9_/!@#+=.-]*)$",
        r"^(?:[A-Za-z0-9_/!@#+=.-]+)$",
        r"^(?:[A-Za-z0-9_]+)$",
        r"^(?:[^ \t\n\x0B\f\r]+)$",
        r"^(?:[a-zA-Z0-9][A-Za-z0-9_!@#.-]+)$",
        r"^(?:^$|com.amazonaws.vpce.[A-Za-z0-9_/!:@#.\-]+)$",
        r"^(?:^([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_\-\+\/=]*))$",
        r"^(?:^(https?)://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|])$",
        r"^(?:^[0-9]{3}$)$",
        r"^(?:^[a-zA-Z0-9_]*$)$",
        r"^(?:arn:aws:iam:.*:[0-9]+:.*)$",
        r"^(?:arn:aws:kms:.*:[0-9]+:.*)$",
        r"^(?:arn:aws:secretsmanager:.*:[0-9]+:.*)$",
    ];

    /// Which lengths can match `PATTERNS[i]` (worked out by hand); the optional-empty form
    /// `^(?:X)?$` also allows 0.
    pub fn possible(i: usize, len: usize) -> bool {
        match i {
            0 | 2 | 11 => true,
            1 | 3 | 4 | 5 => len >= 1,
            6 => len >= 2,
            7 => len == 0 || len >= 20,
            8 => len >= 4,
            9 => len >= 8,
            10 => len == 3,
            12 | 13 => len >= 15,
            14 => len >= 26,
            _ => unreachable!(),
        }
    }

    /// The patterns and their optional-empty forms, with their index in `PATTERNS` and whether the
    /// form is the optional one.
    pub fn all_forms() -> Vec<(String, usize, bool)> {
        let mut out = Vec::new();
        for (i, p) in PATTERNS.iter().enumerate() {
            out.push((p.to_string(), i, false));
            out.push((format!("{})?$", &p[..p.len() - 2]), i, true));
        }
        out
    }

    /// Whether `miss` is `valid` with one char substituted, inserted or deleted at `position`.
    pub fn is_one_edit(valid: &str, miss: &appflow_harness::contract::pattern::NearMiss) -> bool {
        let v: Vec<char> = valid.chars().collect();
        let m: Vec<char> = miss.value.chars().collect();
        let p = miss.position;
        match miss.edit {
            appflow_harness::contract::pattern::Edit::Substitute => {
                p < v.len() && m.len() == v.len() && m[..p] == v[..p] && m[p + 1..] == v[p + 1..]
            }
            appflow_harness::contract::pattern::Edit::Insert => {
                p <= v.len() && m.len() == v.len() + 1 && m[..p] == v[..p] && m[p + 1..] == v[p..]
            }
            appflow_harness::contract::pattern::Edit::Delete => {
                p < v.len() && m.len() + 1 == v.len() && m[..p] == v[..p] && m[p..] == v[p + 1..]
            }
        }
    }

    /// Line terminators and non-ASCII whitespace, which generated text must never contain.
    pub fn is_forbidden(c: char) -> bool {
        matches!(
            c,
            '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        ) || (!c.is_ascii() && c.is_whitespace())
    }
}

use appflow_harness::contract::pattern::{Edit, Pattern};
use common::{PATTERNS, is_forbidden, is_one_edit};

const KMS: &str = r"^(?:arn:aws:kms:.*:[0-9]+:.*)$";
const KMS_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/abc";
const JWT: &str = r"^(?:^([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_\-\+\/=]*))$";
const VPCE: &str = r"^(?:^$|com.amazonaws.vpce.[A-Za-z0-9_/!:@#.\-]+)$";
const SECRET: &str = r"^(?:[A-Za-z0-9_/!@#+=.-]+)$";

fn pat(p: &str) -> Pattern {
    Pattern::new(p).expect("pattern is supported")
}

fn check_misses(
    p: &Pattern,
    valid: &str,
    max: usize,
) -> Vec<appflow_harness::contract::pattern::NearMiss> {
    let misses = p.near_misses(valid, max);
    assert!(misses.len() <= max);
    for m in &misses {
        assert!(!p.matches(&m.value), "{:?} matches", m.value);
        assert!(
            is_one_edit(valid, m),
            "{m:?} is not one edit from {valid:?}"
        );
        assert!(!m.value.chars().any(is_forbidden), "{m:?}");
        assert!(!m.class.is_empty());
    }
    let mut values: Vec<&str> = misses.iter().map(|m| m.value.as_str()).collect();
    values.sort_unstable();
    values.dedup();
    assert_eq!(values.len(), misses.len(), "duplicates in {misses:?}");
    misses
}

#[test]
fn every_pattern_is_supported() {
    for p in PATTERNS {
        assert!(Pattern::new(p).is_some(), "{p}");
        let opt = format!("{})?$", &p[..p.len() - 2]);
        assert!(Pattern::new(&opt).is_some(), "{opt}");
    }
}

#[test]
fn kms_arn_of_exact_length() {
    let p = pat(KMS);
    assert_eq!(p.lengths(), (15, None));
    let s = p.of_length(20, None).unwrap();
    assert_eq!(s.chars().count(), 20);
    assert!(p.matches(&s) && s.starts_with("arn:aws:kms:"), "{s}");
    assert_eq!(s, "arn:aws:kms::1:aaaaa");
    assert_eq!(p.of_length(14, None), None);
    assert_eq!(p.of_length(15, None).as_deref(), Some("arn:aws:kms::1:"));
}

#[test]
fn kms_arn_keeps_the_prefix_of_like() {
    let p = pat(KMS);
    for len in [KMS_ARN.len(), KMS_ARN.len() + 1, 100, 2048, 16_384] {
        let s = p.of_length(len, Some(KMS_ARN)).unwrap();
        assert_eq!(s.chars().count(), len);
        assert!(p.matches(&s));
        assert!(s.starts_with(KMS_ARN), "{len}: {s}");
    }
    // Shorter than `like`: as much of its prefix as still allows a match.
    let s = p.of_length(30, Some(KMS_ARN)).unwrap();
    assert_eq!(s, "arn:aws:kms:us-east-1:1234567:");
    // An invalid `like` is only a preference.
    let s = p.of_length(20, Some("arn:aws:s3:::bucket")).unwrap();
    assert!(p.matches(&s) && s.starts_with("arn:aws:"), "{s}");
}

#[test]
fn fixed_length_digits() {
    for src in [r"^(?:[0-9]{3})$", r"^(?:^[0-9]{3}$)$"] {
        let p = pat(src);
        assert_eq!(p.lengths(), (3, Some(3)));
        let s = p.of_length(3, None).unwrap();
        assert!(
            p.matches(&s) && s.chars().all(|c| c.is_ascii_digit()),
            "{s}"
        );
        assert_eq!(p.of_length(4, None), None);
        assert_eq!(p.of_length(2, None), None);
        assert_eq!(p.of_length(3, Some("987")).as_deref(), Some("987"));
    }
}

#[test]
fn two_char_minimum() {
    let p = pat(r"^(?:[a-zA-Z0-9][A-Za-z0-9_!@#.-]+)$");
    assert_eq!(p.lengths(), (2, None));
    assert_eq!(p.of_length(1, None), None);
    assert_eq!(p.of_length(0, None), None);
    let s = p.of_length(2, None).unwrap();
    assert!(p.matches(&s) && s.len() == 2);
}

#[test]
fn jwt_has_two_dots() {
    let p = pat(JWT);
    assert_eq!(p.lengths(), (4, None));
    for len in [4, 5, 8, 100, 4096] {
        let s = p.of_length(len, None).unwrap();
        assert!(p.matches(&s) && s.len() == len);
        assert_eq!(s.matches('.').count(), 2, "{s}");
    }
    let s = p.of_length(20, Some("abc.def.ghi")).unwrap();
    assert!(s.starts_with("abc.def.ghi") && s.len() == 20, "{s}");
}

#[test]
fn results_look_natural() {
    let p = pat(r"^(?:^(https?)://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|])$");
    assert_eq!(p.of_length(12, None).as_deref(), Some("http://aaaaa"));
    let p = pat(r"^(?:[ \t\n\x0B\f\rA-Za-z0-9_/!@#+=.-]*)$");
    assert_eq!(p.of_length(5, None).as_deref(), Some("aaaaa"));
    let p = pat(r"^(?:[^ \t\n\x0B\f\r]+)$");
    assert_eq!(p.of_length(3, None).as_deref(), Some("aaa"));
    // Forced whitespace-like chars are avoided when anything else works, refused otherwise.
    let p = pat(r"^(?:[\n\r\x{2028} b]+)$");
    assert_eq!(p.of_length(3, None).as_deref(), Some("bbb"));
    assert!(Pattern::new(r"^(?:[\n\r\x{2028}\x{a0}]+)$").is_none());
}

#[test]
fn jwt_near_misses_include_base64url_dash() {
    let p = pat(JWT);
    let misses = check_misses(&p, "abc.def.ghi", 64);
    assert!(
        misses
            .iter()
            .any(|m| m.value.split('.').next().unwrap().contains('-')),
        "{misses:#?}"
    );
    // A dot in the third segment and a missing dot are refused too.
    assert!(
        misses
            .iter()
            .any(|m| m.position > 8 && m.value.matches('.').count() == 3)
    );
    assert!(
        misses
            .iter()
            .any(|m| m.edit == Edit::Delete && m.value.matches('.').count() == 1)
    );
}

#[test]
fn arn_near_misses_catch_partition_and_account() {
    let p = pat(KMS);
    let misses = check_misses(&p, KMS_ARN, 64);
    assert!(
        misses
            .iter()
            .any(|m| m.edit == Edit::Insert && m.position == 7),
        "no insertion right after arn:aws in {misses:#?}"
    );
    assert!(
        misses
            .iter()
            .any(|m| m.edit == Edit::Substitute && (22..34).contains(&m.position)),
        "no substitution in the account digits in {misses:#?}"
    );
    // Spread over the value, not just its start.
    assert!(misses.iter().any(|m| m.position < 3));
    assert!(misses.iter().any(|m| m.position >= 22));
    // With a generous cap every literal position of the prefix has at least one miss.
    let all = check_misses(&p, KMS_ARN, usize::MAX);
    for i in 0..12 {
        for edit in [Edit::Insert, Edit::Substitute, Edit::Delete] {
            assert!(
                all.iter().any(|m| m.position == i && m.edit == edit),
                "{i} {edit:?}"
            );
        }
    }
    assert!(
        all.iter()
            .any(|m| m.value == "arn:aws-:kms:us-east-1:123456789012:key/abc")
    );
}

#[test]
fn long_value_misses_reach_past_a_prefix() {
    let p = pat(SECRET);
    let valid: String = "abc123_/!@#+=.-XYZ".chars().cycle().take(200).collect();
    assert!(p.matches(&valid));
    let misses = check_misses(&p, &valid, 32);
    assert_eq!(misses.len(), 32);
    assert!(misses.iter().any(|m| m.position > 64), "{misses:#?}");
    assert!(misses.iter().any(|m| m.position > 150));
    for c in ['$', ' ', '*', 'é'] {
        assert!(
            misses
                .iter()
                .any(|m| m.edit != Edit::Delete && m.value.contains(c)),
            "no {c:?} in {misses:#?}"
        );
    }
    let m = misses.iter().find(|m| m.value.contains('$')).unwrap();
    assert!(m.class.starts_with("'$' (class: "), "{}", m.class);
}

#[test]
fn match_everything_has_no_near_misses() {
    let p = pat(r"^(?:.*)$");
    assert!(p.near_misses("hello world", 100).is_empty());
    assert!(p.near_misses("", 100).is_empty());
    let p = pat(r"^(?:[^ \t\n\x0B\f\r]+)$");
    assert!(
        check_misses(&p, "abc", 100)
            .iter()
            .all(|m| m.value.contains(' ') || m.value.len() < 3)
    );
}

#[test]
fn near_misses_of_an_invalid_value_are_empty() {
    let p = pat(KMS);
    assert!(p.near_misses("arn:aws:s3:::x", 10).is_empty());
    assert!(p.near_misses(KMS_ARN, 0).is_empty());
}

#[test]
fn near_misses_of_optional_and_empty() {
    let p = pat(r"^(?:[A-Za-z0-9_]+)?$");
    let misses = check_misses(&p, "", 10);
    assert!(!misses.is_empty() && misses.iter().all(|m| m.edit == Edit::Insert));
    let p = pat(VPCE);
    let misses = check_misses(&p, "", 10);
    assert!(misses.iter().any(|m| m.value == "c" || m.value.len() == 1));
}

#[test]
fn alternatives_cover_each_branch() {
    let p = pat(VPCE);
    let alts = p.alternatives();
    assert_eq!(alts.len(), 2, "{alts:?}");
    assert_eq!(alts[0], "");
    assert!(
        alts[1].starts_with("com.amazonaws.vpce.") && alts[1].len() > 19,
        "{alts:?}"
    );
    assert!(alts.iter().all(|a| p.matches(a)));

    let p = pat(KMS);
    assert_eq!(p.alternatives(), vec!["arn:aws:kms::1:".to_string()]);

    let p = pat(r"^(?:[A-Za-z0-9_]+)?$");
    assert_eq!(p.alternatives(), vec![String::new(), "a".to_string()]);

    let p = pat(r"^(?:^$|com.amazonaws.vpce.[A-Za-z0-9_/!:@#.\-]+)?$");
    assert_eq!(p.alternatives().len(), 2);

    // regex-syntax would factor `foo|foobar` into one branch; alternatives keeps both.
    let p = pat(r"^(?:foo|foobar|x[0-9]{2})$");
    assert_eq!(p.alternatives(), vec!["foo", "foobar", "x11"]);
    for src in PATTERNS {
        let p = pat(src);
        let alts = p.alternatives();
        assert!(
            !alts.is_empty() && alts.iter().all(|a| p.matches(a)),
            "{src}: {alts:?}"
        );
    }
}

#[test]
fn unsupported_patterns_are_refused() {
    for src in [
        r"\bfoo\b",
        r"^(?:\Bx)$",
        r"(?m)^a$",
        r"a(?=b)",
        r"(",
        r"^(?:\n)$",
        r"^(?:a)$^b",
        r"^(?:[^\x00-\x{10FFFF}])$",
        r"^(?:(?:a{1000}){1000})$",
    ] {
        assert!(Pattern::new(src).is_none(), "{src}");
    }
}

#[test]
fn unanchored_patterns_search() {
    let p = pat(r"ab+c");
    assert_eq!(p.lengths(), (3, None));
    let s = p.of_length(6, None).unwrap();
    assert!(p.matches(&s) && s.len() == 6, "{s}");
    assert!(p.matches("xxabbcxx"));
    for m in check_misses(&p, "xabcx", 100) {
        assert!(!m.value.contains("abc"));
    }
    let p = pat(r"^a|b$");
    assert_eq!(p.alternatives(), vec!["a", "b"]);
}

#[test]
fn general_constructs() {
    let p = pat(r"^(?:(?:ab|cde){2,3}-[x-z]{0,2}(?i:Q))$");
    assert_eq!(p.lengths(), (6, Some(13)));
    for len in 0..20 {
        match p.of_length(len, None) {
            Some(s) => assert!(p.matches(&s) && s.chars().count() == len, "{s}"),
            None => assert!(!(6..=13).contains(&len), "{len}"),
        }
    }
    let p = pat(r"^(?:é{2}ß+)$");
    assert_eq!(p.of_length(4, None).as_deref(), Some("ééßß"));
    assert_eq!(p.lengths(), (3, None));
}

#[test]
fn deterministic() {
    for src in PATTERNS {
        let (a, b) = (pat(src), pat(src));
        for len in [0, 1, 5, 30, 300] {
            assert_eq!(a.of_length(len, None), b.of_length(len, None));
            assert_eq!(a.of_length(len, Some("abc")), b.of_length(len, Some("abc")));
        }
        if let Some(v) = a.of_length(40, None) {
            assert_eq!(a.near_misses(&v, 20), b.near_misses(&v, 20));
        }
        assert_eq!(a.alternatives(), b.alternatives());
    }
}

#[test]
fn periodic_padding_at_long_lengths() {
    // (pattern, which lengths can match)
    type Lengths = fn(usize) -> bool;
    let cases: [(&str, Lengths); 4] = [
        (r"^(?:(?:ab)+)$", |n| n >= 2 && n % 2 == 0),
        (r"^(?:(?:abc|de)+x)$", |n| n >= 3),
        (r"^(?:x(?:[0-9]{3}-)*[a-f]{2,4})$", |n| n >= 3 && n % 4 != 2),
        (r"^(?:[a-z]{5}(?:-[0-9]{7})*)$", |n| {
            n >= 5 && (n - 5) % 8 == 0
        }),
    ];
    for (src, ok) in cases {
        let p = pat(src);
        for len in (0..300).chain([1000, 1001, 1002, 1003, 4096, 4097, 16_383, 16_384]) {
            let s = p.of_length(len, None);
            if let Some(s) = &s {
                assert!(p.matches(s) && s.chars().count() == len, "{src}: {s}");
            }
            assert_eq!(s.is_some(), ok(len), "{src} at {len}");
        }
    }
}

#[test]
fn lengths_count_chars_and_like_may_be_non_ascii() {
    let p = pat(r"^(?:.*)$");
    let s = p.of_length(5, Some("é中ß")).unwrap();
    assert_eq!(s, "é中ßaa");
    assert_eq!(s.chars().count(), 5);
    // Line terminators in `like` are never copied.
    assert_eq!(p.of_length(4, Some("ab\ncd")).as_deref(), Some("abaa"));
    assert_eq!(p.of_length(usize::MAX, None), None);
    let p = pat(r"^(?:[^a]{2})$");
    assert_eq!(
        p.of_length(2, Some("\u{2028}\u{a0}")).as_deref(),
        Some("bb")
    );
}

#[test]
fn pattern_is_shareable() {
    fn check<T: Send + Sync + Clone + std::fmt::Debug>() {}
    check::<Pattern>();
    check::<appflow_harness::contract::pattern::NearMiss>();
}
