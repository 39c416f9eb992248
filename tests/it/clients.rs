//! The clients users drive the stub with, as they drive it (issue 22): Terraform's AWS provider
//! (apply, plan with no drift, update in place, destroy) and the AWS SDK for JavaScript v3
//! (create, replay, mismatch, describe through its paginator, update, delete). They need tools the
//! test suite does not install; `.ci/run` runs them, and each says why when it skips.

use std::process::Command;

/// `serve --dialect aws` on a free port, killed on drop.
struct Served {
    child: std::process::Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Served {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
        .args(["serve", "--dialect", "aws", "--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    Served { child, url }
}

/// A client that is not on the machine: the test says so and passes, unless the run requires the
/// clients (`APPFLOW_CLIENTS_REQUIRED=1`, as `.ci/run` sets), where a skip would hide a gap.
fn skip(why: &str) {
    assert!(
        std::env::var_os("APPFLOW_CLIENTS_REQUIRED").is_none(),
        "APPFLOW_CLIENTS_REQUIRED is set, but: {why}"
    );
    eprintln!("SKIP: {why}");
}

fn show(out: &std::process::Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
#[ignore = "needs Terraform 1.11 and the hashicorp/aws 5.100.0 provider mirror; .ci/run runs it"]
fn terraform_applies_plans_without_drift_updates_in_place_and_destroys() {
    let served = serve();
    let script = format!("{}/tests/terraform/run.sh", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("bash")
        .args([&script, &served.url, &served.url])
        .output()
        .unwrap();
    if out.status.code() == Some(77) {
        skip(String::from_utf8_lossy(&out.stdout).trim());
        return;
    }
    assert!(out.status.success(), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("PASS: terraform apply"), "{}", show(&out));
    eprintln!(
        "{}",
        stdout
            .lines()
            .filter(|l| l.starts_with("=="))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
#[ignore = "needs Node.js 20 and the pinned @aws-sdk/client-appflow: APPFLOW_JS=\"$(bash tests/js/setup.sh)\"; .ci/run runs it"]
fn the_aws_sdk_for_javascript_drives_the_lifecycle_with_its_paginator() {
    let Some(dir) = std::env::var("APPFLOW_JS").ok().filter(|d| !d.is_empty()) else {
        skip("APPFLOW_JS is not set (bash tests/js/setup.sh installs the client and prints it)");
        return;
    };
    let served = serve();
    let out = Command::new("node")
        .arg("lifecycle.mjs")
        .arg(&served.url)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("paginate"), "{}", show(&out));
    eprintln!("{stdout}");
}
