//! The one integration-test binary: shared helpers in `helpers`, one module per part of the harness.

mod aws;
mod check;
mod contract;
mod fast_path;
mod helpers;
mod hostile;
mod load;
mod reliability;
mod snapshots;
mod stub;
