//! The one integration-test binary: shared helpers in `helpers`, one module per part of the harness.

mod aws;
mod check;
mod clients;
mod contract;
mod coverage;
mod explore;
mod fast_path;
mod faults;
mod helpers;
mod hostile;
mod lifecycle;
mod lincheck;
mod load;
mod merge;
mod pattern;
mod pattern_props;
mod reliability;
mod snapshots;
mod stop;
mod stub;
