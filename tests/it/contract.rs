//! The contract core: schemas, validator, generator, fingerprint, error table, OpenAPI export.

use crate::helpers::valid;
use appflow_harness::contract::{
    self, CaseClass, ErrorCode, ExampleGen, SchemaKind, Size, connector_types, invalid_cases,
    validate, validate_against,
};
use serde_json::{Value, json};

fn fields(doc: &Value) -> Vec<String> {
    validate(doc).into_iter().map(|v| v.field).collect()
}

/// Applies `edit` to a valid Salesforce request and returns the violated fields.
fn salesforce_with(edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut doc = valid("Salesforce", "my-profile");
    edit(&mut doc);
    fields(&doc)
}

/// The AppFlow model of the pinned botocore (`schemas/appflow-model.sh` prints its path).
fn pinned_model() -> Value {
    use std::io::Read;
    let path = std::env::var("APPFLOW_MODEL").expect(
        "APPFLOW_MODEL is not set: run `APPFLOW_MODEL=$(bash schemas/appflow-model.sh) cargo test --test it -- --ignored committed_request_schema`",
    );
    let bytes =
        std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read the model {path}: {e}"));
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{path} is not gzip: {e}"));
    serde_json::from_str(&text).unwrap()
}

#[test]
#[ignore = "needs the AppFlow model of the pinned botocore: APPFLOW_MODEL=$(bash schemas/appflow-model.sh) cargo test --test it -- --ignored committed_request_schema (.ci/run does)"]
fn committed_request_schema_equals_the_generators_output() {
    use appflow_harness::contract::Operation;
    let model = pinned_model();
    let generated = contract::codegen::generate_request_schema(&model).unwrap();
    assert_eq!(
        &generated,
        SchemaKind::Request.value(),
        "schemas/create-connector-profile.request.schema.json is stale: run `cargo run -- schema generate \"$(bash schemas/appflow-model.sh)\" > schemas/create-connector-profile.request.schema.json`"
    );
    // The rest of the lifecycle's request schemas, from the same model.
    for (op, kind, flag) in [
        (Operation::Describe, SchemaKind::DescribeRequest, "describe"),
        (Operation::Update, SchemaKind::UpdateRequest, "update"),
        (Operation::Delete, SchemaKind::DeleteRequest, "delete"),
    ] {
        let generated = contract::codegen::generate_operation_schema(&model, op).unwrap();
        let file = format!(
            "schemas/{}.request.schema.json",
            op.path().trim_start_matches('/')
        );
        assert_eq!(
            &generated,
            kind.value(),
            "{file} is stale: run `cargo run -- schema generate \"$(bash schemas/appflow-model.sh)\" --operation {flag} > {file}`"
        );
    }
}

#[test]
fn the_contract_document_states_the_error_table_in_code() {
    // schemas/CONTRACT.md is the project's own statement of the contract; its error table must be
    // the one the stub answers with and the judge holds targets to: every code, status and place.
    let text = include_str!("../../schemas/CONTRACT.md");
    let rows: Vec<(usize, String, u16)> = text
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let order = cells.get(1)?.parse::<usize>().ok()?;
            Some((order, cells[2].to_owned(), cells[3].parse().ok()?))
        })
        .collect();
    let expected: Vec<(usize, String, u16)> = ErrorCode::ALL
        .iter()
        .enumerate()
        .map(|(i, c)| (i + 1, c.as_str().to_owned(), c.status()))
        .collect();
    assert_eq!(rows, expected);
    // Its links resolve inside the repository.
    for name in [
        "create-connector-profile.request.schema.json",
        "success-envelope.schema.json",
        "error-envelope.schema.json",
    ] {
        assert!(text.contains(&format!("]({name})")), "{name} is linked");
        let path = format!("{}/schemas/{name}", env!("CARGO_MANIFEST_DIR"));
        assert!(std::path::Path::new(&path).exists(), "{path}");
    }
}

#[test]
fn the_schema_knows_all_24_connector_types_and_19_structures() {
    assert_eq!(connector_types().len(), 24);
    let with_key = connector_types()
        .iter()
        .filter(|t| contract::connector_key(t).is_some())
        .count();
    assert_eq!(with_key, 19);
    assert_eq!(
        contract::connector_key("Googleanalytics"),
        Some("GoogleAnalytics")
    );
    assert_eq!(contract::connector_key("Infornexus"), Some("InforNexus"));
    assert_eq!(contract::connector_key("Servicenow"), Some("ServiceNow"));
    assert_eq!(contract::connector_key("S3"), None);
}

#[test]
fn every_connector_type_has_valid_examples_of_every_size() {
    let mut generator = ExampleGen::new(42);
    for t in connector_types() {
        for size in [Size::Minimal, Size::Typical, Size::Largest] {
            let doc = generator.request_sized(t, "p-1", size);
            assert_eq!(validate(&doc), vec![], "{t} {size:?}: {doc}");
            let typed: contract::CreateConnectorProfileRequest =
                serde_json::from_value(doc.clone()).expect("typed model reads every example");
            assert_eq!(serde_json::to_value(typed).unwrap(), doc);
        }
    }
}

#[test]
fn the_generator_is_deterministic_per_seed() {
    let a = ExampleGen::new(9).one_per_type("x-");
    let b = ExampleGen::new(9).one_per_type("x-");
    let c = ExampleGen::new(10).one_per_type("x-");
    assert_eq!(a, b);
    assert_ne!(a, c);
}

/// One row per constraint: a valid edit (accepted) and an invalid one (rejected at that field).
#[test]
fn each_top_level_constraint_accepts_and_rejects() {
    type Edit = fn(&mut Value);
    let rows: &[(&str, Edit, Edit, &str)] = &[
        (
            "name length",
            |d| d["connectorProfileName"] = json!("a".repeat(256)),
            |d| d["connectorProfileName"] = json!("a".repeat(257)),
            "/connectorProfileName",
        ),
        (
            "name empty",
            |d| d["connectorProfileName"] = json!("a"),
            |d| d["connectorProfileName"] = json!(""),
            "/connectorProfileName",
        ),
        (
            "name pattern",
            |d| d["connectorProfileName"] = json!("a/b!c@d#e+f=g.h-i_j"),
            |d| d["connectorProfileName"] = json!("my profile"),
            "/connectorProfileName",
        ),
        (
            "name is ASCII",
            |d| d["connectorProfileName"] = json!("profile"),
            |d| d["connectorProfileName"] = json!("prófile"),
            "/connectorProfileName",
        ),
        (
            "name type",
            |d| d["connectorProfileName"] = json!("x"),
            |d| d["connectorProfileName"] = json!(12),
            "/connectorProfileName",
        ),
        (
            "type enum",
            |d| d["connectorType"] = json!("Salesforce"),
            |d| d["connectorType"] = json!("salesforce"),
            "/connectorType",
        ),
        (
            "mode enum",
            |d| d["connectionMode"] = json!("Private"),
            |d| d["connectionMode"] = json!("Hybrid"),
            "/connectionMode",
        ),
        (
            "label pattern (prefix matches)",
            |d| d["connectorLabel"] = json!("GoogleBigQuery"),
            |d| d["connectorLabel"] = json!("Google BigQuery"),
            "/connectorLabel",
        ),
        (
            "label length",
            |d| d["connectorLabel"] = json!("a".repeat(256)),
            |d| d["connectorLabel"] = json!("a".repeat(257)),
            "/connectorLabel",
        ),
        (
            "kms pattern",
            |d| d["kmsArn"] = json!("arn:aws:kms:us-east-1:123456789012:key/abc"),
            |d| d["kmsArn"] = json!("arn:aws:kms:us-east-1:acct:key/abc"),
            "/kmsArn",
        ),
        (
            "kms min length",
            |d| d["kmsArn"] = json!("arn:aws:kms::1:keyabc"),
            |d| d["kmsArn"] = json!("arn:aws:kms::1:k"),
            "/kmsArn",
        ),
        (
            "token printable",
            |d| d["clientToken"] = json!("a b ~"),
            |d| d["clientToken"] = json!("tab\there"),
            "/clientToken",
        ),
        (
            "token length",
            |d| d["clientToken"] = json!("t".repeat(256)),
            |d| d["clientToken"] = json!("t".repeat(257)),
            "/clientToken",
        ),
        (
            "token empty",
            |d| d["clientToken"] = json!("t"),
            |d| d["clientToken"] = json!(""),
            "/clientToken",
        ),
        (
            "unknown member",
            |_| {},
            |d| d["connectorProfileNmae"] = json!("typo"),
            "/connectorProfileNmae",
        ),
        (
            "unknown config member",
            |_| {},
            |d| d["connectorProfileConfig"]["extra"] = json!({}),
            "/connectorProfileConfig/extra",
        ),
        (
            "required name",
            |_| {},
            |d| {
                d.as_object_mut().unwrap().remove("connectorProfileName");
            },
            "/connectorProfileName",
        ),
        (
            "required properties",
            |_| {},
            |d| {
                d["connectorProfileConfig"]
                    .as_object_mut()
                    .unwrap()
                    .remove("connectorProfileProperties");
            },
            "/connectorProfileConfig/connectorProfileProperties",
        ),
    ];
    for (what, ok, bad, field) in rows {
        let accepted = salesforce_with(*ok);
        assert_eq!(
            accepted,
            Vec::<String>::new(),
            "{what}: the valid edit was rejected"
        );
        let rejected = salesforce_with(*bad);
        assert!(
            rejected.iter().any(|f| f == field),
            "{what}: expected {field}, got {rejected:?}"
        );
    }
}

#[test]
fn connector_keys_must_be_single_and_match_the_type() {
    let second = salesforce_with(|d| {
        d["connectorProfileConfig"]["connectorProfileProperties"]["Amplitude"] = json!({});
    });
    assert!(
        second.contains(&"/connectorProfileConfig/connectorProfileProperties".to_owned()),
        "{second:?}"
    );

    let mismatched = salesforce_with(|d| {
        d["connectorProfileConfig"]["connectorProfileProperties"] =
            json!({"Slack": {"instanceUrl": "https://x"}});
    });
    assert!(
        mismatched.contains(&"/connectorProfileConfig/connectorProfileProperties/Slack".to_owned()),
        "{mismatched:?}"
    );

    let mut doc = valid("Googleanalytics", "ga");
    assert_eq!(
        fields(&doc),
        Vec::<String>::new(),
        "model key GoogleAnalytics for enum Googleanalytics"
    );
    doc["connectorProfileConfig"]["connectorProfileProperties"] = json!({"Googleanalytics": {}});
    assert!(
        !fields(&doc).is_empty(),
        "the enum spelling is not a model key"
    );

    let mut s3 = valid("S3", "s3");
    assert_eq!(fields(&s3), Vec::<String>::new());
    s3["connectorProfileConfig"]["connectorProfileProperties"] = json!({"Salesforce": {}});
    assert_eq!(
        fields(&s3),
        vec!["/connectorProfileConfig/connectorProfileProperties".to_owned()]
    );
}

#[test]
fn custom_connector_needs_a_label_and_others_do_not() {
    let mut doc = valid("CustomConnector", "cc");
    assert_eq!(fields(&doc), Vec::<String>::new());
    doc.as_object_mut().unwrap().remove("connectorLabel");
    assert_eq!(fields(&doc), vec!["/connectorLabel".to_owned()]);
    let sf = salesforce_with(|d| {
        d.as_object_mut().unwrap().remove("connectorLabel");
    });
    assert_eq!(sf, Vec::<String>::new());
}

#[test]
fn per_connector_constraints_come_from_the_model() {
    let mut sap = valid("SAPOData", "sap");
    let port = "/connectorProfileConfig/connectorProfileProperties/SAPOData/portNumber";
    for (value, ok) in [
        (json!(443), true),
        (json!(443.0), true),
        (json!(65535), true),
        (json!(1), true),
        (json!(0), false),
        (json!(65536), false),
        (json!(44.5), false),
        (json!("443"), false),
    ] {
        *sap.pointer_mut(port).unwrap() = value.clone();
        assert_eq!(
            fields(&sap).is_empty(),
            ok,
            "portNumber {value}: {:?}",
            fields(&sap)
        );
    }
    let client = "/connectorProfileConfig/connectorProfileProperties/SAPOData/clientNumber";
    *sap.pointer_mut(port).unwrap() = json!(443);
    *sap.pointer_mut(client).unwrap() = json!("1000");
    let broken = fields(&sap);
    assert!(
        !broken.is_empty() && broken.iter().all(|f| f == client),
        "{broken:?}"
    );

    let mut amp = valid("Amplitude", "amp");
    amp["connectorProfileConfig"]["connectorProfileCredentials"]["Amplitude"]
        .as_object_mut()
        .unwrap()
        .remove("secretKey");
    assert_eq!(
        fields(&amp),
        vec!["/connectorProfileConfig/connectorProfileCredentials/Amplitude/secretKey".to_owned()]
    );

    let mut cc = valid("CustomConnector", "cc");
    cc["connectorProfileConfig"]["connectorProfileProperties"]["CustomConnector"]["profileProperties"]
        ["bad key"] = json!("v");
    assert_eq!(fields(&cc), vec!["/connectorProfileConfig/connectorProfileProperties/CustomConnector/profileProperties/bad key".to_owned()]);
}

#[test]
fn reasons_never_quote_secret_values() {
    let mut doc = valid("Amplitude", "amp");
    doc["connectorProfileConfig"]["connectorProfileCredentials"]["Amplitude"]["apiKey"] =
        json!("SECRET-MARKER with space");
    let v = validate(&doc);
    assert_eq!(v.len(), 1);
    assert!(!format!("{v:?}").contains("SECRET-MARKER"), "{v:?}");
}

#[test]
fn generated_invalid_cases_cover_every_class_and_are_all_invalid() {
    let mut generator = ExampleGen::new(3);
    let mut classes = std::collections::BTreeSet::new();
    let mut total = 0;
    for t in connector_types() {
        let doc = generator.request_sized(t, "case-profile", Size::Largest);
        for case in invalid_cases(&doc) {
            let v = validate(&case.body);
            assert!(
                !v.is_empty(),
                "{t}: {} {} was accepted: {}",
                case.pointer,
                case.description,
                case.body
            );
            classes.insert(case.class);
            total += 1;
        }
    }
    assert_eq!(
        classes.into_iter().collect::<Vec<_>>(),
        CaseClass::ALL.to_vec()
    );
    assert!(total > 300, "only {total} cases");
}

#[test]
fn envelope_schemas_accept_the_seeds_examples() {
    let ok =
        json!({"success": true, "data": {"id": "abc123", "created_at": "2025-01-01T00:00:00Z"}});
    let err = json!({"success": false, "error": {"code": "VALIDATION_ERROR", "message": "Invalid request parameters"}});
    assert_eq!(validate_against(SchemaKind::Success, &ok), vec![]);
    assert_eq!(validate_against(SchemaKind::Error, &err), vec![]);
    assert!(!validate_against(SchemaKind::Success, &err).is_empty());
    assert!(!validate_against(SchemaKind::Error, &ok).is_empty());
}

#[test]
fn created_at_must_be_rfc3339() {
    for (created_at, ok) in [
        ("2025-01-01T00:00:00Z", true),
        ("2025-01-01T00:00:00.123+02:00", true),
        ("2025-01-01 00:00:00", false),
        ("2025-13-01T00:00:00Z", false),
        ("yesterday", false),
        ("2025-01-01", false),
    ] {
        let env = json!({"success": true, "data": {"id": "x", "created_at": created_at}});
        assert_eq!(
            validate_against(SchemaKind::Success, &env).is_empty(),
            ok,
            "{created_at}"
        );
    }
}

#[test]
fn error_envelope_codes_are_the_error_table() {
    let listed: Vec<&str> = SchemaKind::Error.value()["properties"]["error"]["properties"]["code"]
        ["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let table: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, table);
    assert_eq!(ErrorCode::QuotaExceeded.status(), 402);
    assert_eq!(ErrorCode::IdempotentParameterMismatch.status(), 409);
    for c in ErrorCode::ALL {
        assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
        assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()));
    }
}

#[test]
fn openapi_export_is_openapi_3_1_with_every_response() {
    let doc = contract::openapi::openapi();
    assert_eq!(doc["openapi"], "3.1.0");
    let op = &doc["paths"]["/create-connector-profile"]["post"];
    for status in [
        "200", "400", "401", "402", "405", "409", "413", "415", "500",
    ] {
        assert!(op["responses"].get(status).is_some(), "no {status}");
    }
    // Every $ref points into components, and resolves.
    let text = doc.to_string();
    assert!(!text.contains("#/$defs/"));
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = &r[..r.find('"').unwrap()];
        assert!(schemas.contains_key(name), "dangling $ref {name}");
    }
    // The lifted request schema still validates like the original.
    let mut lifted = schemas["CreateConnectorProfileRequest"].clone();
    lifted["$defs"] = json!({});
    let mut standalone = json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "components": {"schemas": schemas}});
    standalone["$ref"] = json!("#/components/schemas/CreateConnectorProfileRequest");
    let v = jsonschema::draft202012::new(&standalone).unwrap();
    assert!(v.is_valid(&valid("Snowflake", "s")));
    assert!(!v.is_valid(&json!({"connectorProfileName": "x"})));
}

#[test]
fn insta_violation_lists() {
    let mut doc = valid("CustomConnector", "bad name");
    doc["connectorLabel"] = json!("Google BigQuery");
    doc["connectorProfileConfig"]["connectorProfileProperties"]["Salesforce"] = json!({});
    insta::assert_json_snapshot!("violations_label_name_second_key", validate(&doc));
    let mut sap = valid("SAPOData", "sap");
    sap["connectorProfileConfig"]["connectorProfileProperties"]["SAPOData"]["portNumber"] =
        json!(70000);
    sap["extra"] = json!(true);
    insta::assert_json_snapshot!("violations_port_and_unknown", validate(&sap));
}
