//! Property tests: `of_length` against hand-worked length sets and brute force, and random
//! regular expressions against brute force.

use crate::pattern::common::{PATTERNS, all_forms, is_forbidden, is_one_edit, possible};
use appflow_harness::contract::pattern::{Edit, Pattern};
use proptest::prelude::*;

/// Every string over `alphabet` of exactly `len` chars.
fn strings(alphabet: &[char], len: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    for _ in 0..len {
        out = out
            .iter()
            .flat_map(|s| alphabet.iter().map(move |&c| format!("{s}{c}")))
            .collect();
    }
    out
}

fn check_generated(p: &Pattern, len: usize, s: &Option<String>) {
    if let Some(s) = s {
        assert_eq!(s.chars().count(), len, "{s:?}");
        assert!(p.matches(s), "{s:?}");
        assert!(!s.chars().any(is_forbidden), "{s:?}");
    }
}

#[test]
fn listed_patterns_at_many_lengths() {
    let lens: Vec<usize> = (0..=300)
        .chain([511, 512, 1000, 2047, 2048, 4096, 16_384])
        .collect();
    for (src, i, opt) in all_forms() {
        let p = Pattern::new(&src).unwrap();
        for &len in &lens {
            let s = p.of_length(len, None);
            check_generated(&p, len, &s);
            let expect = possible(i, len) || (opt && len == 0);
            assert_eq!(s.is_some(), expect, "{src} at {len}: {s:?}");
            let (min, max) = p.lengths();
            assert!(s.is_none() || (len >= min && max.is_none_or(|m| len <= m)));
        }
        let min = (0..).find(|&l| possible(i, l) || (opt && l == 0)).unwrap();
        let max = if i == 10 { Some(3) } else { None };
        assert_eq!(p.lengths(), (min, max), "{src}");
    }
}

#[test]
fn listed_patterns_brute_force() {
    let alphabet: Vec<char> = "a0Z-_. :/=+$é!h\t".chars().collect();
    for (src, i, opt) in all_forms() {
        let p = Pattern::new(&src).unwrap();
        for len in 0..=3 {
            let exists = strings(&alphabet, len).iter().any(|s| p.matches(s));
            assert_eq!(
                exists,
                possible(i, len) || (opt && len == 0),
                "{src} at {len}"
            );
            assert_eq!(p.of_length(len, None).is_some(), exists, "{src} at {len}");
        }
    }
}

fn regex_strategy() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("a"),
        Just("b"),
        Just("[ab]"),
        Just("[^a]"),
        Just("."),
        Just("^"),
        Just("$"),
        Just(""),
        Just("-"),
        Just("[a-c]"),
    ]
    .prop_map(String::from);
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}{b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(?:{a}|{b})")),
            inner.clone().prop_map(|a| format!("(?:{a})*")),
            inner.clone().prop_map(|a| format!("(?:{a})+")),
            inner.clone().prop_map(|a| format!("(?:{a})?")),
            (inner, 0u32..3, 0u32..3)
                .prop_map(|(a, lo, extra)| format!("(?:{a}){{{lo},{}}}", lo + extra)),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_regexes_match_brute_force(body in regex_strategy(), anchored in any::<bool>()) {
        let src = if anchored { format!("^(?:{body})$") } else { body };
        let alphabet = ['a', 'b', 'c', 'é', '-'];
        let re = regex::Regex::new(&src).unwrap();
        let Some(p) = Pattern::new(&src) else {
            for len in 0..=4 {
                prop_assert!(!strings(&alphabet, len).iter().any(|s| re.is_match(s)), "{src}");
            }
            return Ok(());
        };
        let (min, max) = p.lengths();
        for len in 0..=4 {
            let matching: Vec<String> =
                strings(&alphabet, len).into_iter().filter(|s| re.is_match(s)).collect();
            let s = p.of_length(len, None);
            check_generated(&p, len, &s);
            prop_assert_eq!(s.is_some(), !matching.is_empty(), "{} at {}: {:?}", src, len, s);
            prop_assert!(s.is_none() || (len >= min && max.is_none_or(|m| len <= m)));
            prop_assert!(len != min || s.is_some());
            if let Some(like) = matching.last() {
                // A valid `like` of the requested length is kept whole.
                let kept = p.of_length(len, Some(like));
                prop_assert_eq!(kept.as_deref(), Some(like.as_str()));
            }
            if let Some(v) = s {
                let misses = p.near_misses(&v, usize::MAX);
                for m in &misses {
                    prop_assert!(!re.is_match(&m.value) && is_one_edit(&v, m), "{:?}", m);
                }
                // Every one-edit miss over the alphabet is represented (same position and edit,
                // or the very value when another edit produced it first).
                let chars: Vec<char> = v.chars().collect();
                for i in 0..=chars.len() {
                    let mut edits: Vec<(Edit, String)> = Vec::new();
                    for &c in &alphabet {
                        let mut ins = chars.clone();
                        ins.insert(i, c);
                        edits.push((Edit::Insert, ins.into_iter().collect()));
                        if i < chars.len() {
                            let mut sub = chars.clone();
                            sub[i] = c;
                            edits.push((Edit::Substitute, sub.into_iter().collect()));
                        }
                    }
                    if i < chars.len() {
                        let mut del = chars.clone();
                        del.remove(i);
                        edits.push((Edit::Delete, del.into_iter().collect()));
                    }
                    for (edit, w) in edits.into_iter().filter(|(_, w)| !re.is_match(w)) {
                        prop_assert!(
                            misses.iter().any(|m| (m.position == i && m.edit == edit) || m.value == w),
                            "{} {:?}: {:?} {} {:?} not covered by {:?}", src, v, edit, i, w, misses
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn listed_patterns_with_like(
        idx in 0..PATTERNS.len(),
        opt in any::<bool>(),
        len in prop_oneof![0usize..64, 0usize..3000],
        like in proptest::option::of("[a-z0-9:/._=-]{0,60}"),
        max in 1usize..80,
    ) {
        let src = if opt { format!("{})?$", &PATTERNS[idx][..PATTERNS[idx].len() - 2]) }
            else { PATTERNS[idx].to_string() };
        let p = Pattern::new(&src).unwrap();
        let s = p.of_length(len, like.as_deref());
        check_generated(&p, len, &s);
        prop_assert_eq!(s.is_some(), possible(idx, len) || (opt && len == 0));
        if let Some(v) = s {
            if let Some(l) = like.as_deref().filter(|l| p.matches(l)) {
                let whole = p.of_length(l.chars().count(), Some(l));
                prop_assert_eq!(whole.as_deref(), Some(l));
            }
            let misses = p.near_misses(&v, max);
            prop_assert!(misses.len() <= max);
            let mut values: Vec<&str> = misses.iter().map(|m| m.value.as_str()).collect();
            values.sort_unstable();
            values.dedup();
            prop_assert_eq!(values.len(), misses.len());
            for m in &misses {
                prop_assert!(!p.matches(&m.value), "{:?}", m);
                prop_assert!(is_one_edit(&v, m), "{:?}", m);
                prop_assert!(!m.value.chars().any(is_forbidden));
            }
        }
    }

    #[test]
    fn arbitrary_patterns_never_panic(
        src in r"[ab.^$|()*+?{}0-9,\[\]\-\\bBdDwWsSnx:=!<>PL]{0,24}",
        len in 0usize..40,
        like in proptest::option::of(".{0,10}"),
    ) {
        if let Some(p) = Pattern::new(&src) {
            let s = p.of_length(len, like.as_deref());
            check_generated(&p, len, &s);
            prop_assert!(p.alternatives().iter().all(|a| p.matches(a)));
            let (min, _) = p.lengths();
            if let Some(v) = s.or_else(|| p.of_length(min, None)) {
                for m in p.near_misses(&v, 50) {
                    prop_assert!(!p.matches(&m.value) && is_one_edit(&v, &m));
                }
            }
        }
    }
}
