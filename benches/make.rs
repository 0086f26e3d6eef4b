//! `make` end to end on the offline backends, in-process: facts -> ideas -> images -> cut-out -> mesh ->
//! printable solid -> estimate -> price, each output saved to a fresh data dir as the CLI does.

use criterion::{criterion_group, criterion_main, Criterion};
use memoreez::config::Config;
use memoreez::domain::{Facts, Stage};
use memoreez::fab::FabSpec;
use memoreez::pipeline::{Backends, Pipeline, SessionParams};
use memoreez::stage::CancelToken;
use memoreez::store::Store;
use std::sync::Arc;

fn make_once(backends: &Arc<Backends>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(dir.path()).expect("store"));
    let pipeline = Pipeline::new(store.clone(), backends.clone());
    let facts = Facts { name: "Dad".into(), hobbies: "tennis, coffee".into(), quirk: String::new(), occasion: None };
    let params = SessionParams {
        seed: 7,
        pick: Some(1),
        fab: FabSpec { height_mm: 80.0, line1: "DAD".into(), line2: "60 YEARS".into(), ..FabSpec::default() },
        ..SessionParams::default()
    };
    let session = memoreez::pipeline::create(&store, &facts, params).expect("session");
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    pipeline.run_blocking(&session, Stage::Pricing, tx, CancelToken::new()).expect("make");
}

fn backends(slicer: memoreez::config::SlicerBackend) -> Arc<Backends> {
    let mut cfg = Config::default();
    cfg.backends.slicer = slicer;
    Arc::new(Backends::from_config(&cfg).expect("backends"))
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("make");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(60));
    let estimate = backends(memoreez::config::SlicerBackend::Estimate);
    group.bench_function("offline_end_to_end/estimate", |b| b.iter(|| make_once(&estimate)));
    // PrusaSlicer, where installed, is the real slice of the same solid: its share of the time shows here.
    if memoreez::fab::prusa::detect().is_some() {
        let prusa = backends(memoreez::config::SlicerBackend::PrusaSlicer);
        group.bench_function("offline_end_to_end/prusa-slicer", |b| b.iter(|| make_once(&prusa)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
