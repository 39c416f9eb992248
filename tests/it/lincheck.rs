//! The linearizability checker (`appflow_harness::lincheck`): hand-written register histories
//! (orders, unanswered operations, witnesses, budgets), and simulated histories of a correct store
//! of this contract checked against the explorer's model, with corruptions it must find.

use appflow_harness::check::explore::simulate::{Corruption, SimConfig, corrupt, simulate};
use appflow_harness::lincheck::{Entry, Model, Options, Verdict, check, check_with};

/// Registers, one per key: `(key, Write(v))` or `(key, Read(Some(v)))`; reads without an answer
/// are `Read(None)`. Writes are not declared read-only, reads are.
struct Registers;

#[derive(Debug)]
enum Reg {
    Write(i64),
    Read(Option<i64>),
}

impl Model for Registers {
    type State = i64;
    type Op = (u64, Reg);
    fn init(&self) -> i64 {
        0
    }
    fn partition(&self, op: &(u64, Reg)) -> u64 {
        op.0
    }
    fn step(&self, state: &i64, op: &(u64, Reg), out: &mut Vec<i64>) {
        match op.1 {
            Reg::Write(v) => out.push(v),
            Reg::Read(Some(v)) if v == *state => out.push(v),
            Reg::Read(_) => {}
        }
    }
    fn read_only(&self, op: &(u64, Reg)) -> bool {
        matches!(op.1, Reg::Read(_))
    }
}

fn e<O>(call: u64, ret: Option<u64>, op: O) -> Entry<O> {
    Entry {
        client: 0,
        call,
        ret,
        op,
    }
}

fn w(call: u64, ret: Option<u64>, v: i64) -> Entry<(u64, Reg)> {
    e(call, ret, (0, Reg::Write(v)))
}

fn r(call: u64, ret: u64, v: i64) -> Entry<(u64, Reg)> {
    e(call, Some(ret), (0, Reg::Read(Some(v))))
}

fn is_violation(v: &Verdict) -> bool {
    matches!(v, Verdict::Violation { .. })
}

#[test]
fn empty_and_sequential() {
    assert_eq!(check(&Registers, &[]), Verdict::Linearizable);
    let h = [w(0, Some(1), 1), r(2, 3, 1), w(4, Some(5), 2), r(6, 7, 2)];
    assert_eq!(check(&Registers, &h), Verdict::Linearizable);
    let h = [w(0, Some(1), 1), r(2, 3, 0)];
    assert!(is_violation(&check(&Registers, &h)));
}

#[test]
fn overlapping_operations_linearize_in_the_order_that_works() {
    // Two writes overlap; the reads after them fix which went last.
    let h = [w(0, Some(10), 1), w(1, Some(9), 2), r(11, 12, 1)];
    assert_eq!(check(&Registers, &h), Verdict::Linearizable);
    let h = [w(0, Some(10), 1), w(1, Some(9), 2), r(11, 12, 2)];
    assert_eq!(check(&Registers, &h), Verdict::Linearizable);
    // A read overlapping a write may see either value, but two later reads cannot disagree.
    let h = [w(0, Some(10), 1), r(2, 3, 0), r(4, 5, 1)];
    assert_eq!(check(&Registers, &h), Verdict::Linearizable);
    let h = [w(0, Some(10), 1), r(2, 3, 1), r(4, 5, 0)];
    assert!(is_violation(&check(&Registers, &h)));
    // Returning at the instant the other is called is still concurrent.
    let h = [r(0, 5, 1), w(5, Some(6), 1)];
    assert_eq!(check(&Registers, &h), Verdict::Linearizable);
    let h = [r(0, 4, 1), w(5, Some(6), 1)];
    assert!(is_violation(&check(&Registers, &h)));
}

#[test]
fn unanswered_operations_may_or_may_not_take_effect() {
    // Took effect, long after its call.
    let h = [w(0, None, 7), r(100, 101, 0), r(200, 201, 7)];
    assert_eq!(check(&Registers, &h), Verdict::Linearizable);
    // Never took effect.
    let h = [w(0, None, 7), r(100, 101, 0), r(200, 201, 0)];
    assert_eq!(check(&Registers, &h), Verdict::Linearizable);
    // Cannot take effect before it was sent, nor twice.
    let h = [r(0, 1, 7), w(2, None, 7)];
    assert!(is_violation(&check(&Registers, &h)));
    let h = [w(0, None, 7), r(1, 2, 7), w(3, Some(4), 1), r(5, 6, 7)];
    assert!(is_violation(&check(&Registers, &h)));
    // An unanswered read constrains nothing.
    let h = [e(0, None, (0, Reg::Read(None))), r(1, 2, 0)];
    assert_eq!(check(&Registers, &h), Verdict::Linearizable);
}

/// Checks that a witness is one: its prefix is a real-time-respecting sequential execution of the
/// partition, and its stuck operations are answered first, outside the prefix, in the partition.
fn assert_witness<M: Model>(model: &M, h: &[Entry<M::Op>], v: &Verdict) {
    let Verdict::Violation {
        partition,
        prefix,
        stuck,
    } = v
    else {
        panic!("{v:?}")
    };
    let mut seen = vec![false; h.len()];
    let mut state = model.init();
    for (k, &i) in prefix.iter().enumerate() {
        assert!(i < h.len() && !seen[i], "prefix {prefix:?}");
        seen[i] = true;
        assert_eq!(model.partition(&h[i].op), *partition);
        for &j in &prefix[k + 1..] {
            assert!(h[j].ret.is_none_or(|r| r >= h[i].call), "{j} precedes {i}");
        }
        let mut out = Vec::new();
        model.step(&state, &h[i].op, &mut out);
        state = out.into_iter().next().expect("the prefix replays");
    }
    assert!(!stuck.is_empty() && h[stuck[0]].ret.is_some());
    for &i in stuck {
        assert!(
            !seen[i] && model.partition(&h[i].op) == *partition,
            "stuck {stuck:?}"
        );
    }
}

#[test]
fn witness_is_readable() {
    let h = [
        w(0, Some(1), 1),
        w(2, Some(10), 2),
        r(3, 4, 1),
        r(5, 6, 3),
        r(20, 21, 2),
    ];
    let v = check(&Registers, &h);
    assert_witness(&Registers, &h, &v);
    let Verdict::Violation { stuck, prefix, .. } = v else {
        unreachable!()
    };
    // The read of 3 fails, after the furthest linearization found (with the pending write in it).
    assert_eq!((prefix, stuck), (vec![0, 2, 1], vec![3]));
    // With the write still pending when the read fails, it is listed.
    let h = [
        w(0, Some(1), 1),
        w(2, Some(10), 2),
        r(3, 4, 1),
        r(5, 6, 3),
        r(5, 6, 1),
    ];
    let v = check(&Registers, &h);
    assert_witness(&Registers, &h, &v);
    let Verdict::Violation { stuck, .. } = v else {
        unreachable!()
    };
    assert_eq!(stuck[0], 3);
}

#[test]
fn simulated_histories_of_a_correct_store_are_linearizable() {
    for seed in 1..=6 {
        for (clients, accounts, ops) in [(16, 1, 2_000), (32, 8, 10_000), (8, 4, 3_000)] {
            let cfg = SimConfig::new(clients, accounts, ops, seed);
            let history = simulate(&cfg);
            assert_eq!(history.len(), ops);
            assert!(
                history.iter().any(|e| e.ret.is_none()),
                "some requests got no answer"
            );
            assert_eq!(
                check(&cfg.model(), &history),
                Verdict::Linearizable,
                "seed {seed}, {clients} clients, {accounts} accounts"
            );
        }
    }
}

#[test]
fn corruptions_of_a_history_are_violations_with_a_witness() {
    for kind in [
        Corruption::DuplicateName,
        Corruption::ReplayOtherId,
        Corruption::PastQuota,
    ] {
        let cfg = SimConfig::new(16, 4, 4_000, 3);
        let mut history = simulate(&cfg);
        corrupt(&mut history, kind, 2, cfg.quota);
        let model = cfg.model();
        let v = check(&model, &history);
        assert_witness(&model, &history, &v);
        let Verdict::Violation { partition, .. } = v else {
            unreachable!()
        };
        assert_eq!(partition, 2, "{kind:?}");
    }
}

#[test]
fn budget_gives_unknown_never_a_false_answer() {
    let cfg = SimConfig::new(16, 1, 2_000, 5);
    let history = simulate(&cfg);
    let tiny = Options {
        threads: 1,
        max_steps: Some(10),
    };
    assert!(matches!(
        check_with(&cfg.model(), &history, &tiny),
        Verdict::Unknown { partition: 0 }
    ));
    assert_eq!(check(&cfg.model(), &history), Verdict::Linearizable);
}
