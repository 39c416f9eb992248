//! The `appflow-harness` binary: parse, run, map to an exit code (0 pass, 1 fail, 2 could not run).

mod cli;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: reqwest, hyper and goose allocate and free many small
/// blocks per request, and with glibc's malloc that was a sixth of the load generator's time
/// (measured in benches/README.md). Like oha, the binary picks its allocator; the library does not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// No transparent huge pages for this process. mimalloc asks the kernel for them (`MADV_HUGEPAGE`),
/// and the first touch of each 2 MiB page zeroes it inside whatever allocation touched it: a stub
/// that keeps growing (a million profiles is about 300 MiB) stalled a request for 4-5 ms every few
/// thousand creates, which set the create path's p99 (measured in benches/README.md). With 4 KiB pages
/// the same growth costs about a microsecond at a time. Best effort: where the call is refused, or off
/// Linux, nothing changes.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
}

fn main() -> ExitCode {
    no_huge_pages();
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
