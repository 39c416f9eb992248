//! The linearizability checker on recorded histories of a correct store of this contract (the
//! stub's own state machine, simulated without a network: `check::explore::simulate`), checked
//! against the explorer's model. Goals (2 cores): 100,000 operations over 64 accounts by 64 clients
//! ≤ 0.1 s; 10,000 operations in one account by 16 clients ≤ 1 s; and a violation found as fast.
//! `cargo bench --bench lincheck`

use appflow_harness::check::explore::simulate::{Corruption, SimConfig, corrupt, simulate};
use appflow_harness::lincheck::{Verdict, check};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("lincheck");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for (name, cfg) in [
        (
            "100k_ops_64_accounts_64_clients",
            SimConfig::new(64, 64, 100_000, 1),
        ),
        (
            "10k_ops_1_account_16_clients",
            SimConfig::new(16, 1, 10_000, 2),
        ),
    ] {
        let history = simulate(&cfg);
        let model = cfg.model();
        assert_eq!(check(&model, &history), Verdict::Linearizable, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| check(black_box(&model), black_box(&history)))
        });
    }
    let cfg = SimConfig::new(64, 64, 100_000, 1);
    let mut history = simulate(&cfg);
    corrupt(&mut history, Corruption::PastQuota, 0, cfg.quota);
    let model = cfg.model();
    group.bench_function("100k_ops_64_accounts_violation", |b| {
        b.iter(|| {
            assert!(matches!(
                check(black_box(&model), black_box(&history)),
                Verdict::Violation { .. }
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
