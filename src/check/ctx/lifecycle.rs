//! What the lifecycle checks work with: requests to the describe, update and delete paths, whether
//! the target has them at all (a 404 `NOT_FOUND` on their path: it does not), a describe walk over
//! every page, and the profiles a run created, for the clean-up at its end.

use super::{Ctx, Step, Stop};
use crate::contract::redact::scanned_secrets;
use crate::contract::{ErrorCode, Operation};
use crate::http::Exchange;
use serde_json::{Value, json};
use std::sync::Arc;

/// The longest describe walk the runner follows (a target whose pages never end is a broken rule,
/// not a reason to hang).
const MAX_PAGES: usize = 200;

impl Ctx {
    /// POSTs `body` to `op`'s path in `account`; `secrets` are the credentials the answer must not
    /// hold (for a describe, those its profiles were created with).
    pub async fn call(
        &self,
        op: Operation,
        account: &str,
        body: &Value,
        secrets: Vec<String>,
    ) -> Exchange {
        let mut secrets = secrets;
        secrets.extend(scanned_secrets(body));
        let sent = self.target.request(
            reqwest::Method::POST,
            op.path(),
            Some(account),
            Some("application/json"),
            serde_json::to_vec(body).unwrap_or_default(),
            Arc::new(secrets),
        );
        self.send(sent).await
    }

    /// Deletes profile `name` of `account` (with `forceDelete` when `force`).
    pub async fn delete(&self, account: &str, name: &str, force: bool) -> Exchange {
        let mut body = json!({"connectorProfileName": name});
        if force {
            body["forceDelete"] = json!(true);
        }
        self.call(Operation::Delete, account, &body, Vec::new())
            .await
    }

    /// Whether the target has the lifecycle operations: a describe that answers 404 `NOT_FOUND`
    /// (another path) says it has not, and so does one that got no answer (asked once per run).
    /// The question is the run's, not a check's: whichever check asks first, its exchange is kept
    /// out of that check's record (and so out of its snapshot), and its answer is judged by the
    /// `lifecycle.*` checks that follow.
    pub async fn has_lifecycle(&self) -> bool {
        *self
            .settings
            .lifecycle
            .get_or_init(|| async {
                let sent = self.target.request(
                    reqwest::Method::POST,
                    Operation::Describe.path(),
                    Some(&self.account()),
                    Some("application/json"),
                    b"{}".to_vec(),
                    Arc::new(Vec::new()),
                );
                let ex = self.target.exchange(sent).await;
                ex.result.is_ok() && self.code_of(&ex) != Some(ErrorCode::NotFound)
            })
            .await
    }

    /// Skips the check unless the target has the lifecycle operations ([`Ctx::has_lifecycle`]).
    pub async fn needs_lifecycle(&self) -> Step {
        if self.has_lifecycle().await {
            Ok(())
        } else {
            self.skip(
                "the target has no DescribeConnectorProfiles (404 NOT_FOUND on /describe-connector-profiles): it does not implement the rest of the lifecycle",
            )
        }
    }

    /// A describe's page, read from a success: the envelope's `data`, or AppFlow's whole answer.
    pub fn page(&self, ex: &Exchange, what: &str) -> Result<Value, Stop> {
        self.expected(ex, crate::contract::Expect::Success, what)?;
        let body = ex.result.as_ref().ok().and_then(|r| r.json.as_ref());
        Ok(match self.cfg.errors.dialect() {
            crate::contract::Dialect::Envelope => body.map(|v| v["data"].clone()),
            crate::contract::Dialect::Aws => body.cloned(),
        }
        .unwrap_or_default())
    }

    /// Every profile a describe of `query` shows in `account`, walking every page (of `size`), in
    /// the order the pages gave them. Checks that a page holds at most its size and that a page
    /// with a `nextToken` is followed by another.
    pub async fn walk(
        &self,
        account: &str,
        query: &Value,
        sizes: &[u32],
        secrets: &[String],
    ) -> Result<Vec<Value>, Stop> {
        let mut all = Vec::new();
        let mut next: Option<String> = None;
        for page_no in 0..MAX_PAGES {
            let mut body = query.clone();
            let size = sizes.get(page_no).or(sizes.last()).copied();
            if let Some(n) = size {
                body["maxResults"] = json!(n);
            }
            if let Some(t) = &next {
                body["nextToken"] = json!(t);
            }
            let ex = self
                .call(Operation::Describe, account, &body, secrets.to_vec())
                .await;
            let page = self.page(
                &ex,
                &format!("page {} of a describe was not answered", page_no + 1),
            )?;
            let details = page["connectorProfileDetails"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if let Some(n) = size
                && details.len() > n as usize
            {
                self.fail(
                    format!("a page of maxResults {n} held {} profiles", details.len()),
                    Some(format!("at most {n}")),
                    Some(details.len().to_string()),
                    Some(&ex),
                );
                return Err(Stop);
            }
            all.extend(details);
            match page.get("nextToken").and_then(Value::as_str) {
                Some(t) => next = Some(t.to_owned()),
                None => return Ok(all),
            }
        }
        self.fail(
            format!("a describe walk did not end after {MAX_PAGES} pages"),
            Some("a last page without nextToken".into()),
            None,
            None,
        );
        Err(Stop)
    }

    /// The names of `details`, in order.
    pub fn names(details: &[Value]) -> Vec<String> {
        details
            .iter()
            .filter_map(|d| d["connectorProfileName"].as_str().map(str::to_owned))
            .collect()
    }

    /// Records that the run created a profile (for the clean-up at its end).
    pub(crate) fn remember(&self, ex: &Exchange) {
        if ex.sent.op() != Operation::Create {
            return;
        }
        let name = serde_json::from_slice::<Value>(&ex.sent.body)
            .ok()
            .and_then(|v| v["connectorProfileName"].as_str().map(str::to_owned));
        if let Some(name) = name {
            self.settings
                .created
                .lock()
                .push((ex.sent.account.clone(), name));
        }
    }
}
