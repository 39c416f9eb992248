//! The wiremock adapter: the contract as a [`wiremock::Respond`], mountable on a caller's own `MockServer`.

use super::decide::StubRequest;
use super::state::Stub;
use crate::contract;
use std::sync::Arc;
use wiremock::matchers::{any, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers every request it is given with the stub's state machine.
#[derive(Debug, Clone)]
pub struct ContractResponder {
    stub: Arc<Stub>,
}

impl ContractResponder {
    /// A responder over `stub`.
    pub fn new(stub: Arc<Stub>) -> Self {
        ContractResponder { stub }
    }
}

impl Respond for ContractResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok());
        let path = match request.url.query() {
            Some(q) => format!("{}?{q}", request.url.path()),
            None => request.url.path().to_owned(),
        };
        let req = StubRequest {
            method: request.method.as_str(),
            path: &path,
            content_type: header("content-type"),
            account: header(contract::ACCOUNT_HEADER),
            account_present: request.headers.contains_key(contract::ACCOUNT_HEADER),
            body: &request.body,
            body_truncated: false,
            authorization: header("authorization"),
        };
        // wiremock answers every request: a dropped connection (a client fault of the fast
        // engine) is answered as the 500 it stands for.
        let resp = self.stub.handle(&req);
        let mut template = ResponseTemplate::new(resp.status)
            .set_body_raw(Vec::from(resp.body), resp.content_type);
        if resp.allow_post {
            template = template.insert_header("allow", "POST");
        }
        if let Some(t) = resp.error_type {
            template = template.insert_header(contract::dialect::AWS_ERROR_TYPE_HEADER, t);
        }
        template
    }
}

/// Mounts the whole contract on `server`: the four operations' paths (create, describe, update,
/// delete), the admin routes, and (at the lowest priority,
/// so the caller's own mocks keep winning) 404/405 envelopes for everything else.
///
/// ```
/// # tokio_test_block_on(async {
/// use appflow_harness::stub::{Stub, StubConfig, mount_contract};
/// use std::sync::Arc;
///
/// let server = wiremock::MockServer::start().await;
/// let stub = Arc::new(Stub::new(StubConfig::default()));
/// mount_contract(&server, stub.clone()).await;
///
/// let body = appflow_harness::contract::ExampleGen::new(7).request("Salesforce", "doc-profile");
/// let resp = reqwest::Client::new()
///     .post(format!("{}/create-connector-profile", server.uri()))
///     .json(&body)
///     .send()
///     .await
///     .unwrap();
/// assert_eq!(resp.status(), 200);
/// assert_eq!(stub.profiles(0).len(), 1);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Runtime::new().unwrap().block_on(f)
/// # }
/// ```
pub async fn mount_contract(server: &MockServer, stub: Arc<Stub>) {
    let responder = ContractResponder::new(stub);
    for op in contract::Operation::ALL {
        Mock::given(path(op.path()))
            .respond_with(responder.clone())
            .named(format!("{} contract", op.path().trim_start_matches('/')))
            .mount(server)
            .await;
    }
    Mock::given(path_regex("^/__admin/"))
        .respond_with(responder.clone())
        .named("create-connector-profile stub admin")
        .mount(server)
        .await;
    Mock::given(any())
        .respond_with(responder)
        .with_priority(u8::MAX)
        .named("create-connector-profile 404 envelope")
        .mount(server)
        .await;
}
