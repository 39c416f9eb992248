//! A seeded, deterministic generator of valid example requests for every connector type.
//!
//! Shared by the tests, the stub's docs, the runner, the load scenarios and the benches. The same seed
//! always gives the same requests (the generator uses its own SplitMix64, not a library RNG whose stream
//! may change between versions).

use super::schema::{connector_key, connector_types};
use serde_json::{Map, Value, json};

/// SplitMix64: tiny, fast and stable across versions and platforms.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub const fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A lowercase alphanumeric string of `len` characters.
    pub fn alnum(&mut self, len: usize) -> String {
        const SET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| SET[(self.next_u64() % SET.len() as u64) as usize] as char)
            .collect()
    }
}

/// How much of the optional structure an example carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// Required members only (credentials only where the connector requires them).
    Minimal,
    /// Required and common optional members, with credentials.
    Typical,
    /// As typical, and for `CustomConnector` 50-entry property and credential maps.
    Largest,
}

/// The generator.
#[derive(Debug, Clone)]
pub struct ExampleGen {
    rng: SplitMix64,
}

/// Every generated credential value contains this marker, so a test can search any output for leaks.
pub const SECRET_MARKER: &str = "s3cr3t";

fn secret(rng: &mut SplitMix64, what: &str) -> Value {
    json!(format!("{what}-{SECRET_MARKER}{}", rng.alnum(12)))
}

/// Properties and credentials of a connector key, valid under the model's constraints.
fn connector_parts(key: &str, size: Size, rng: &mut SplitMix64) -> (Value, Option<Value>) {
    let host = rng.alnum(8);
    let url = json!(format!("https://{host}.example.com"));
    let full = size != Size::Minimal;
    let oauth = |rng: &mut SplitMix64| json!({"clientId": secret(rng, "client"), "clientSecret": secret(rng, "csecret")});
    let userpass = |rng: &mut SplitMix64| json!({"username": format!("user-{}", rng.alnum(6)), "password": secret(rng, "pw")});
    match key {
        "Amplitude" => (
            json!({}),
            Some(json!({"apiKey": secret(rng, "key"), "secretKey": secret(rng, "skey")})),
        ),
        "Datadog" => (
            json!({"instanceUrl": url}),
            Some(json!({"apiKey": secret(rng, "key"), "applicationKey": secret(rng, "appkey")})),
        ),
        "Dynatrace" => (
            json!({"instanceUrl": url}),
            Some(json!({"apiToken": secret(rng, "token")})),
        ),
        "GoogleAnalytics" | "Marketo" | "Slack" | "Zendesk" => {
            let props = if key == "GoogleAnalytics" {
                json!({})
            } else {
                json!({"instanceUrl": url})
            };
            (props, Some(oauth(rng)))
        }
        "Honeycode" => (
            json!({}),
            full.then(
                || json!({"accessToken": secret(rng, "at"), "refreshToken": secret(rng, "rt")}),
            ),
        ),
        "InforNexus" => (
            json!({"instanceUrl": url}),
            Some(json!({
                "accessKeyId": secret(rng, "akid"), "userId": secret(rng, "user"),
                "secretAccessKey": secret(rng, "sak"), "datakey": secret(rng, "dk")
            })),
        ),
        "Redshift" => {
            let mut props = json!({
                "bucketName": format!("bucket-{}", rng.alnum(6)),
                "roleArn": "arn:aws:iam::123456789012:role/appflow-redshift"
            });
            if full {
                props["databaseUrl"] =
                    json!(format!("jdbc:redshift://{host}.example.com:5439/dev"));
                props["bucketPrefix"] = json!("appflow/");
                props["isRedshiftServerless"] = json!(false);
            }
            (props, full.then(|| userpass(rng)))
        }
        "Salesforce" => {
            let props = if full {
                json!({"instanceUrl": url, "isSandboxEnvironment": false})
            } else {
                json!({})
            };
            (
                props,
                full.then(
                    || json!({"accessToken": secret(rng, "at"), "refreshToken": secret(rng, "rt")}),
                ),
            )
        }
        "ServiceNow" | "Veeva" => (json!({"instanceUrl": url}), Some(userpass(rng))),
        "Singular" => (json!({}), Some(json!({"apiKey": secret(rng, "key")}))),
        "Snowflake" => {
            let mut props = json!({
                "warehouse": "COMPUTE_WH", "stage": format!("@stage_{}", rng.alnum(6)),
                "bucketName": format!("bucket-{}", rng.alnum(6))
            });
            if full {
                props["accountName"] = json!(format!("acct{}", rng.alnum(6)));
                props["region"] = json!("us-east-1");
                props["bucketPrefix"] = json!("snowflake/");
            }
            (props, Some(userpass(rng)))
        }
        "Trendmicro" => (json!({}), Some(json!({"apiSecretKey": secret(rng, "sk")}))),
        "SAPOData" => {
            let mut props = json!({
                "applicationHostUrl": url, "applicationServicePath": "/sap/opu/odata/sap/API",
                "portNumber": 443, "clientNumber": "100"
            });
            if full {
                props["logonLanguage"] = json!("EN");
            }
            (
                props,
                full.then(|| json!({"basicAuthCredentials": userpass(rng)})),
            )
        }
        "CustomConnector" => {
            let entries = if size == Size::Largest { 50 } else { 2 };
            let mut pmap = Map::new();
            let mut cmap = Map::new();
            for i in 0..entries {
                pmap.insert(
                    format!("prop_{i}"),
                    json!(format!("value-{}", rng.alnum(12))),
                );
                cmap.insert(format!("cred_{i}"), secret(rng, "cv"));
            }
            (
                json!({"profileProperties": Value::Object(pmap)}),
                Some(json!({
                    "authenticationType": "CUSTOM",
                    "custom": {"customAuthenticationType": secret(rng, "authtype"), "credentialsMap": Value::Object(cmap)}
                })),
            )
        }
        "Pardot" => (
            json!({}),
            full.then(
                || json!({"accessToken": secret(rng, "at"), "refreshToken": secret(rng, "rt")}),
            ),
        ),
        _ => (json!({}), None),
    }
}

impl ExampleGen {
    /// A generator; the same seed gives the same sequence of requests.
    pub fn new(seed: u64) -> Self {
        ExampleGen {
            rng: SplitMix64::new(seed),
        }
    }

    /// A fresh, valid, profile name (letters, digits and dashes) with the given prefix.
    pub fn name(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.rng.alnum(12))
    }

    /// A fresh client token.
    pub fn token(&mut self) -> String {
        format!("tok-{}", self.rng.alnum(24))
    }

    /// A valid request for `connector_type` (typical size), named `name`, without a client token.
    pub fn request(&mut self, connector_type: &str, name: &str) -> Value {
        self.request_sized(connector_type, name, Size::Typical)
    }

    /// A valid request of the given size.
    pub fn request_sized(&mut self, connector_type: &str, name: &str, size: Size) -> Value {
        let (props, creds) = match connector_key(connector_type) {
            Some(key) => {
                let (p, c) = connector_parts(key, size, &mut self.rng);
                (json!({ key: p }), c.map(|c| json!({ key: c })))
            }
            None => (json!({}), None),
        };
        let mut config = json!({ "connectorProfileProperties": props });
        if let Some(c) = creds {
            config["connectorProfileCredentials"] = c;
        }
        let mut req = json!({
            "connectorProfileName": name,
            "connectorType": connector_type,
            "connectionMode": "Public",
            "connectorProfileConfig": config
        });
        if connector_type == "CustomConnector" {
            req["connectorLabel"] = json!("my-custom-connector");
        }
        if size != Size::Minimal && self.rng.next_u64() % 2 == 0 {
            req["kmsArn"] = json!(
                "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
            );
        }
        req
    }

    /// One valid request per connector type, named `{prefix}{type}-…`.
    pub fn one_per_type(&mut self, prefix: &str) -> Vec<Value> {
        connector_types()
            .iter()
            .map(|t| {
                let name = self.name(&format!("{prefix}{}-", t.to_lowercase()));
                self.request(t, &name)
            })
            .collect()
    }
}
