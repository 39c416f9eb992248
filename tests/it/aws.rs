//! Real AWS clients against `serve --dialect aws`, used as their users use them: boto3 (create,
//! replay, mismatch, conflict, quota, every connector type, and its own retries against the stub's
//! lost-answer faults) and the AWS CLI. They need Python with the pinned boto3 and awscli, which
//! `.ci/run` installs into a virtual environment and names in `APPFLOW_PYTHON`; without it they are
//! reported as ignored, with the command that runs them, never as passed.

use appflow_harness::contract::{ExampleGen, Size, connector_types};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The Python that has boto3 and awscli (`.ci/run`: `target/aws-venv/bin/python`).
fn python() -> String {
    std::env::var("APPFLOW_PYTHON").expect(
        "APPFLOW_PYTHON is not set: run `APPFLOW_PYTHON=\"$(bash tests/aws/setup.sh)\" cargo test --test it -- --ignored aws::`",
    )
}

/// `serve --dialect aws` on a free port, with `faults`; killed on drop.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(faults: &[&str]) -> Served {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_appflow-harness"));
    cmd.args(["serve", "--dialect", "aws", "--addr", "127.0.0.1:0"]);
    for f in faults {
        cmd.args(["--fault", f]);
    }
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    Served { child, url }
}

fn script() -> String {
    format!("{}/tests/aws/boto3_client.py", env!("CARGO_MANIFEST_DIR"))
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
#[ignore = "needs Python with the pinned boto3: bash tests/aws/setup.sh; APPFLOW_PYTHON=target/aws-venv/bin/python cargo test --test it -- --ignored aws:: (.ci/run does)"]
fn boto3_keeps_the_contract_with_the_stub() {
    let served = serve(&[]);
    // Every connector type's minimal request, as the example generator writes it.
    let mut generator = ExampleGen::new(11);
    let minimal: Vec<_> = connector_types()
        .iter()
        .map(|t| {
            generator.request_sized(t, &format!("boto3-min-{}", t.to_lowercase()), Size::Minimal)
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("minimal.json");
    std::fs::write(&file, serde_json::to_vec(&minimal).unwrap()).unwrap();
    let out = Command::new(python())
        .args([&script(), &served.url, "123456789012", "contract"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.matches("minimal request").count(), 24, "{stdout}");
    assert!(
        stdout.contains("ServiceQuotaExceededException 402"),
        "{stdout}"
    );
}

#[test]
#[ignore = "needs Python with the pinned boto3: bash tests/aws/setup.sh; APPFLOW_PYTHON=target/aws-venv/bin/python cargo test --test it -- --ignored aws:: (.ci/run does)"]
fn boto3_retries_after_a_lost_answer_end_with_exactly_one_profile() {
    for fault in ["lose-response-after-create", "error-500-after-create"] {
        let served = serve(&[fault]);
        let out = Command::new(python())
            .args([&script(), &served.url, "210987654321", "retries"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{fault}: {}", show(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("exactly one profile exists (1)"),
            "{fault}: {}",
            show(&out)
        );
    }
}

#[test]
#[ignore = "needs Python with the pinned awscli: bash tests/aws/setup.sh; APPFLOW_PYTHON=target/aws-venv/bin/python cargo test --test it -- --ignored aws:: (.ci/run does)"]
fn the_aws_cli_creates_a_profile() {
    let served = serve(&[]);
    let out = Command::new(python())
        .args(["-m", "awscli", "appflow", "create-connector-profile"])
        .args(["--endpoint-url", &served.url])
        .args([
            "--connector-profile-name",
            "cli-one",
            "--connector-type",
            "S3",
        ])
        .args(["--connection-mode", "Public"])
        .args([
            "--connector-profile-config",
            r#"{"connectorProfileProperties":{}}"#,
        ])
        .env("AWS_ACCESS_KEY_ID", "123456789012")
        .env("AWS_SECRET_ACCESS_KEY", "not-checked")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["connectorProfileArn"],
        "arn:aws:appflow:us-east-1:123456789012:connectorprofile/cli-one"
    );
}

#[test]
#[ignore = "needs Python with the pinned boto3: bash tests/aws/setup.sh; APPFLOW_PYTHON=target/aws-venv/bin/python cargo test --test it -- --ignored aws:: (.ci/run does)"]
fn boto3_drives_the_whole_lifecycle_with_next_token_pages() {
    let served = serve(&[]);
    let out = Command::new(python())
        .args([&script(), &served.url, "123456789012", "lifecycle"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ok   a walk of 25 profiles"),
        "{}",
        show(&out)
    );
}

/// `aws appflow OPERATION ARGS…` against `url`, answered as JSON.
fn aws_cli(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(python())
        .args(["-m", "awscli", "appflow"])
        .args(args)
        .args(["--endpoint-url", url])
        .env("AWS_ACCESS_KEY_ID", "123456789012")
        .env("AWS_SECRET_ACCESS_KEY", "not-checked")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap()
}

#[test]
#[ignore = "needs Python with the pinned awscli: bash tests/aws/setup.sh; APPFLOW_PYTHON=target/aws-venv/bin/python cargo test --test it -- --ignored aws:: (.ci/run does)"]
fn the_aws_cli_describes_updates_and_deletes() {
    let served = serve(&[]);
    let config =
        r#"{"connectorProfileProperties":{"Datadog":{"instanceUrl":"https://cli.example.com"}}}"#;
    for name in ["cli-a", "cli-b", "cli-c"] {
        let out = aws_cli(
            &served.url,
            &[
                "create-connector-profile",
                "--connector-profile-name",
                name,
                "--connector-type",
                "Datadog",
                "--connection-mode",
                "Public",
                "--connector-profile-config",
                config,
            ],
        );
        assert!(out.status.success(), "{}", show(&out));
    }
    // The CLI does not page AppFlow for its user: two pages of two, by hand.
    let out = aws_cli(
        &served.url,
        &["describe-connector-profiles", "--max-results", "2"],
    );
    assert!(out.status.success(), "{}", show(&out));
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(page["connectorProfileDetails"].as_array().unwrap().len(), 2);
    let token = page["nextToken"]
        .as_str()
        .expect("a second page follows")
        .to_owned();
    let out = aws_cli(
        &served.url,
        &[
            "describe-connector-profiles",
            "--max-results",
            "2",
            "--next-token",
            &token,
        ],
    );
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        page["connectorProfileDetails"][0]["connectorProfileName"],
        "cli-c"
    );
    assert!(page.get("nextToken").is_none(), "{page}");
    let out = aws_cli(
        &served.url,
        &[
            "update-connector-profile",
            "--connector-profile-name",
            "cli-a",
            "--connection-mode",
            "Private",
            "--connector-profile-config",
            config,
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let out = aws_cli(
        &served.url,
        &[
            "delete-connector-profile",
            "--connector-profile-name",
            "cli-b",
        ],
    );
    assert!(out.status.success(), "{}", show(&out));
    let out = aws_cli(
        &served.url,
        &[
            "delete-connector-profile",
            "--connector-profile-name",
            "cli-b",
        ],
    );
    assert!(!out.status.success(), "a second delete fails");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ResourceNotFoundException"),
        "{}",
        show(&out)
    );
    let out = aws_cli(&served.url, &["describe-connector-profiles"]);
    let page: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = page["connectorProfileDetails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["connectorProfileName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cli-a", "cli-c"]);
    assert_eq!(
        page["connectorProfileDetails"][0]["connectionMode"],
        "Private"
    );
}
