//! Contract coverage (issue 21): the rules are derived from the committed schema and the contract
//! document, the default run covers every one both ways, and a rule nobody can make a case for
//! shows as a hole instead of being skipped.

use crate::check::{embedded, run};
use appflow_harness::check::coverage::{CoverageStatus, compute};
use appflow_harness::contract::rules::cases::{Bases, NoCase, for_rule};
use appflow_harness::contract::rules::{self, DOCUMENT_RULES, Rule, document_ids, schema_rules};
use appflow_harness::contract::{ExampleGen, SchemaKind, validate};
use serde_json::json;
use std::collections::BTreeMap;

#[test]
fn the_contract_documents_rule_ids_are_the_codes_rules() {
    let text = include_str!("../../schemas/CONTRACT.md");
    let in_document = document_ids(text);
    let in_code: Vec<String> = DOCUMENT_RULES
        .iter()
        .map(|(id, _)| (*id).to_owned())
        .collect();
    assert_eq!(
        in_document, in_code,
        "schemas/CONTRACT.md and DOCUMENT_RULES disagree"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_run_covers_every_rule_of_the_schema_and_the_document_both_ways() {
    let r = run(embedded("")).await;
    assert!(
        r.passed(),
        "{:?}",
        r.failed().map(|c| &c.id).collect::<Vec<_>>()
    );
    let cov = &r.coverage;
    let holes: Vec<_> = cov.holes().map(|h| (&h.id, &h.why)).collect();
    assert_eq!(holes, Vec::<(&String, &Option<String>)>::new());
    // Every rule derived from the committed schema and the document is in the table.
    let ids: Vec<String> = rules::all().into_iter().map(|r| r.id).collect();
    let listed: Vec<String> = cov.rules.iter().map(|r| r.id.clone()).collect();
    assert_eq!(listed, ids);
    assert!(cov.total > 600, "{} rules", cov.total);
    // Vacuous rules are those nothing the runner may send can break, and they say why.
    for v in cov
        .rules
        .iter()
        .filter(|r| r.status == CoverageStatus::Vacuous)
    {
        let why = v.why.as_deref().unwrap_or("");
        assert!(
            why.contains("line terminators") || why.contains("always strings"),
            "{v:?}"
        );
        assert!(
            v.id.ends_with(":pattern") || v.id.ends_with("{key}:type"),
            "{}",
            v.id
        );
    }
    // A run of some groups only leaves the others' rules uncovered, and says why.
    let part = run(embedded("validation")).await;
    let hole = part
        .coverage
        .holes()
        .find(|h| h.id == "doc:idempotency.replay")
        .expect("the replay rule is a hole without the idempotency group");
    assert!(
        hole.why.as_deref().unwrap().contains("no answered case"),
        "{hole:?}"
    );
}

#[test]
fn a_rule_no_generator_can_make_a_case_for_is_a_hole_not_a_skip() {
    // A new model version adds a member with a keyword the generator does not know.
    let mut schema = SchemaKind::Request.value().clone();
    schema["properties"]["retryEvery"] = json!({"type": "integer", "multipleOf": 7});
    let derived = schema_rules("create", &schema);
    let rule = derived
        .iter()
        .find(|r| r.id == "create:/retryEvery:multipleOf")
        .expect("the new keyword is a rule");
    let bases = Bases::from_schema(&schema, "hole", 1);
    let why = for_rule(rule.schema.as_ref().unwrap(), &rule.id, &bases).unwrap_err();
    assert!(
        matches!(&why, NoCase::Cannot(w) if w.contains("multipleOf")),
        "{why:?}"
    );
    let mut missing = BTreeMap::new();
    missing.insert(rule.id.clone(), why);
    // And a rule added to the document that no check tests.
    let untested = Rule {
        id: "doc:profiles.fly".into(),
        description: "profiles can fly".into(),
        schema: None,
    };
    let cov = compute(&[rule.clone(), untested], &missing, &BTreeMap::new());
    let holes: Vec<&str> = cov.holes().map(|h| h.id.as_str()).collect();
    assert_eq!(
        holes,
        vec!["create:/retryEvery:multipleOf", "doc:profiles.fly"]
    );
    assert_eq!(cov.uncovered, 2);
}

#[test]
fn every_case_of_the_committed_schema_breaks_or_keeps_what_it_says() {
    let bases = Bases::new("cases", 5);
    let mut counts = [0usize; 2];
    for r in schema_rules("create", SchemaKind::Request.value()) {
        let Ok(cases) = for_rule(r.schema.as_ref().unwrap(), &r.id, &bases) else {
            continue;
        };
        for c in cases {
            let body = match &c.raw {
                Some(raw) => match serde_json::from_str(raw) {
                    Ok(v) => v,
                    Err(_) => {
                        counts[0] += 1;
                        continue;
                    }
                },
                None => c.body.clone(),
            };
            let valid = validate(&body).is_empty();
            match c.direction {
                rules::Direction::Refused => {
                    assert!(!valid, "{}: {} is valid", r.id, c.description);
                    counts[0] += 1;
                }
                rules::Direction::Accepted => {
                    assert!(valid, "{}: {} is invalid", r.id, c.description);
                    counts[1] += 1;
                }
            }
        }
    }
    assert!(counts[0] > 1000 && counts[1] > 300, "{counts:?}");
    // The hand-written examples stay valid too (they feed load and the fuzz corpus).
    let mut generator = ExampleGen::new(1);
    for req in generator.one_per_type("x-") {
        assert_eq!(validate(&req), vec![]);
    }
}

#[test]
fn the_terraform_shaped_redshift_request_with_its_empty_members_is_valid() {
    // What the Terraform AWS provider 5.x sends for its documented Redshift example.
    let body = json!({
        "connectorProfileName": "example_profile",
        "connectorType": "Redshift",
        "connectionMode": "Public",
        "connectorProfileConfig": {
            "connectorProfileCredentials": {"Redshift": {"password": "Secret-s3cr3t-pw", "username": "admin"}},
            "connectorProfileProperties": {"Redshift": {
                "bucketName": "example-bucket",
                "clusterIdentifier": "",
                "dataApiRoleArn": "",
                "databaseName": "",
                "databaseUrl": "jdbc:redshift://example.amazonaws.com:5439/dev",
                "roleArn": "arn:aws:iam::123456789012:role/example"
            }}
        }
    });
    assert_eq!(validate(&body), vec![]);
    // Where "" breaks a rule it is still refused: a member with a minimum length, a top-level one.
    let mut short = body.clone();
    short["connectorProfileConfig"]["connectorProfileProperties"]["Redshift"]["bucketName"] =
        json!("");
    assert!(!validate(&short).is_empty());
    let mut label = body.clone();
    label["connectorLabel"] = json!("");
    assert!(!validate(&label).is_empty());
}
