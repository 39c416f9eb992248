//! Helpers shared by the integration tests.

#![allow(dead_code)]

use appflow_harness::contract::ExampleGen;
use serde_json::Value;

/// A valid request for `connector_type`, named `name` (seeded, so stable).
pub fn valid(connector_type: &str, name: &str) -> Value {
    ExampleGen::new(1).request(connector_type, name)
}

use appflow_harness::stub::{self, Engine, Stub, StubConfig, StubServer};
use std::sync::Arc;

/// A running stub and a client for it.
pub struct Server {
    pub server: StubServer,
    pub client: reqwest::Client,
}

impl Server {
    /// Starts a stub on 127.0.0.1:0.
    pub async fn start(engine: Engine, config: StubConfig) -> Server {
        let stub = Arc::new(Stub::new(config));
        let server = stub::start("127.0.0.1:0".parse().unwrap(), engine, stub)
            .await
            .expect("stub starts");
        Server {
            server,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// POSTs `body` as JSON to the endpoint in `account`; returns status, headers and the parsed body.
    pub async fn create(&self, account: &str, body: &Value) -> Reply {
        self.send(
            account,
            "application/json",
            serde_json::to_vec(body).unwrap(),
        )
        .await
    }

    /// POSTs `body` as JSON to `path` (another operation's) in `account`.
    pub async fn call(&self, path: &str, account: &str, body: &Value) -> Reply {
        let resp = self
            .client
            .post(self.url(path))
            .header("x-account-id", account)
            .json(body)
            .send()
            .await
            .expect("request goes through");
        Reply::read(resp).await
    }

    /// POSTs raw bytes to the endpoint.
    pub async fn send(&self, account: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let resp = self
            .client
            .post(self.url("/create-connector-profile"))
            .header("x-account-id", account)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request goes through");
        Reply::read(resp).await
    }

    /// `GET path`, read as JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The admin listing of an account's profiles.
    pub async fn count(&self, account: &str) -> usize {
        let v = self
            .get_json(&format!("/__admin/accounts/{account}/profiles"))
            .await;
        v["count"].as_u64().unwrap() as usize
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub allow: Option<String>,
    pub raw: Vec<u8>,
    pub body: Value,
}

impl Reply {
    pub async fn read(resp: reqwest::Response) -> Reply {
        let status = resp.status().as_u16();
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type").unwrap_or_default();
        let allow = header("allow");
        let raw = resp.bytes().await.unwrap().to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply {
            status,
            content_type,
            allow,
            raw,
            body,
        }
    }

    /// The error code, if this is an error envelope.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// Asserts the envelope for `status`/`code` (`None` for success) and returns self.
    #[track_caller]
    pub fn expect(&self, status: u16, code: Option<&str>) -> &Self {
        use appflow_harness::contract::{SchemaKind, validate_against};
        assert_eq!(
            self.status,
            status,
            "body: {}",
            String::from_utf8_lossy(&self.raw)
        );
        assert!(
            self.content_type.starts_with("application/json"),
            "content-type {}",
            self.content_type
        );
        let kind = if code.is_some() {
            SchemaKind::Error
        } else {
            SchemaKind::Success
        };
        assert_eq!(
            validate_against(kind, &self.body),
            vec![],
            "envelope: {}",
            self.body
        );
        if let Some(code) = code {
            assert_eq!(self.code(), code);
        }
        self
    }

    pub fn id(&self) -> &str {
        self.body["data"]["id"].as_str().unwrap_or("")
    }
}

/// A fresh random 12-digit account.
pub fn account() -> String {
    format!("{:012}", rand::random::<u64>() % 1_000_000_000_000)
}

/// Runs each named test body (`async fn name(engine: Engine)`) once on each engine of the stub, as
/// `fast::name` and `wiremock::name`.
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod fast { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(appflow_harness::stub::Engine::Fast).await } )* }
        mod wiremock { $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(appflow_harness::stub::Engine::Wiremock).await } )* }
    };
}
pub(crate) use on_both_engines;
