//! The `appflow-harness` binary: parse, run, map to an exit code (0 pass, 1 fail, 2 could not run).

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: reqwest, hyper and goose allocate and free many small
/// blocks per request, and with glibc's malloc that was a sixth of the load generator's time
/// (measured in benches/README.md). Like oha, the binary picks its allocator; the library does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(outcome) => ExitCode::from(outcome.code()),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
