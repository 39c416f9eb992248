//! Describe: details, filters, pages and their tokens.

use super::same;
use super::{arn_of, expected_properties};
use crate::check::ctx::{Ctx, Step, Stop};
use crate::contract::rules::Direction::{Accepted, Refused};
use crate::contract::{self, ErrorCode, Operation};
use serde_json::{Value, json};

pub(crate) async fn describe_details(c: &Ctx) -> Step {
    c.needs_lifecycle().await?;
    c.needs_quota(4, "four profiles in one account to describe")?;
    let acct = c.account();
    // A type with properties (and Terraform's empty members), one with an empty structure sent as
    // `{}`, one without a structure, and a custom connector with its label.
    let mut bodies = Vec::new();
    for t in ["Redshift", "Singular", "S3", "CustomConnector"] {
        let mut b = c.valid(t);
        if t == "Redshift" {
            let p = &mut b["connectorProfileConfig"]["connectorProfileProperties"]["Redshift"];
            for m in ["clusterIdentifier", "dataApiRoleArn", "databaseName"] {
                p[m] = json!("");
            }
        }
        if t == "Singular" {
            b["connectorProfileConfig"]["connectorProfileProperties"] = json!({});
        }
        bodies.push(b);
    }
    let mut created = Vec::new();
    for b in &bodies {
        let ex = c.post(&acct, b).await;
        created.push(c.created(&ex, "a create was not accepted")?);
    }
    let secrets: Vec<String> = bodies
        .iter()
        .flat_map(contract::redact::scanned_secrets)
        .collect();
    let ex = c
        .call(Operation::Describe, &acct, &json!({}), secrets.clone())
        .await;
    c.covers("lifecycle.describe-details", Accepted, &ex);
    let page = c.page(&ex, "a describe of the account was not answered")?;
    let details = page["connectorProfileDetails"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let names: Vec<&str> = bodies
        .iter()
        .map(|b| b["connectorProfileName"].as_str().unwrap_or(""))
        .collect();
    if Ctx::names(&details) != names {
        c.fail(
            "describe does not list the account's profiles, oldest first",
            Some(format!("{names:?}")),
            Some(format!("{:?}", Ctx::names(&details))),
            Some(&ex),
        );
        return Err(Stop);
    }
    for ((d, b), data) in details.iter().zip(&bodies).zip(&created) {
        for m in ["connectorProfileName", "connectorType", "connectionMode"] {
            same(c, d, m, &b[m], &ex)?;
        }
        same(
            c,
            d,
            "connectorProfileProperties",
            &expected_properties(b),
            &ex,
        )?;
        if let Some(label) = b.get("connectorLabel") {
            same(c, d, "connectorLabel", label, &ex)?;
        }
        if let Some(arn) = arn_of(c, data) {
            same(c, d, "connectorProfileArn", &json!(arn), &ex)?;
        }
        if c.cfg.errors.dialect() == contract::Dialect::Envelope {
            same(c, d, "id", &data["id"], &ex)?;
            same(c, d, "created_at", &data["created_at"], &ex)?;
        }
        for t in ["createdAt", "lastUpdatedAt"] {
            let ok = match c.cfg.errors.dialect() {
                contract::Dialect::Aws => d[t].is_number(),
                contract::Dialect::Envelope => d[t]
                    .as_str()
                    .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
            };
            if !ok {
                c.fail(
                    format!("describe's {t} is not a time of the dialect"),
                    Some("epoch seconds (AWS), RFC 3339 (envelope)".into()),
                    Some(d[t].to_string()),
                    Some(&ex),
                );
            }
        }
        if d.get("connectorProfileCredentials").is_some() {
            c.fail(
                "describe shows the credentials",
                Some("credentialsArn only".into()),
                Some("connectorProfileCredentials".into()),
                Some(&ex),
            );
        }
    }
    // A name the account does not have is simply absent (not an error).
    let ex = c
        .call(
            Operation::Describe,
            &acct,
            &json!({"connectorProfileNames": [c.name("absent")]}),
            secrets,
        )
        .await;
    c.covers("lifecycle.describe-details", Refused, &ex);
    let page = c.page(
        &ex,
        "a describe of a name that does not exist was not answered",
    )?;
    if page["connectorProfileDetails"]
        .as_array()
        .is_none_or(|d| !d.is_empty())
    {
        c.fail(
            "a describe of a name that does not exist is not an empty list",
            Some("[]".into()),
            Some(page["connectorProfileDetails"].to_string()),
            Some(&ex),
        );
    }
    Ok(())
}

pub(crate) async fn describe_filters(c: &Ctx) -> Step {
    c.needs_lifecycle().await?;
    c.needs_quota(4, "four profiles in one account to filter")?;
    let acct = c.account();
    let bodies: Vec<Value> = ["Datadog", "Datadog", "Slack", "CustomConnector"]
        .iter()
        .map(|t| c.valid(t))
        .collect();
    for b in &bodies {
        c.created(&c.post(&acct, b).await, "a create was not accepted")?;
    }
    let name = |i: usize| {
        bodies[i]["connectorProfileName"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    let absent = c.name("absent");
    for (query, want) in [
        (
            json!({"connectorProfileNames": [name(2), absent, name(0)]}),
            vec![name(0), name(2)],
        ),
        (json!({"connectorType": "Datadog"}), vec![name(0), name(1)]),
        (
            json!({"connectorLabel": bodies[3]["connectorLabel"]}),
            vec![name(3)],
        ),
        (
            json!({"connectorProfileNames": []}),
            (0..4).map(name).collect(),
        ),
        (
            json!({"connectorType": "Datadog", "connectorProfileNames": [name(2)]}),
            vec![],
        ),
    ] {
        let ex = c.call(Operation::Describe, &acct, &query, Vec::new()).await;
        let page = c.page(&ex, &format!("a describe of {query} was not answered"))?;
        let got = Ctx::names(
            page["connectorProfileDetails"]
                .as_array()
                .map_or(&[][..], |v| v),
        );
        c.covers(
            "lifecycle.describe-filters",
            if want.is_empty() { Refused } else { Accepted },
            &ex,
        );
        if got != want {
            c.fail(
                format!("a describe of {query} did not show exactly the profiles it names"),
                Some(format!("{want:?}")),
                Some(format!("{got:?}")),
                Some(&ex),
            );
        }
    }
    Ok(())
}

pub(crate) async fn describe_pages(c: &Ctx) -> Step {
    c.needs_lifecycle().await?;
    c.needs_quota(7, "seven profiles in one account to page through")?;
    let acct = c.account();
    let mut names = Vec::new();
    for _ in 0..7 {
        let b = c.valid("Veeva");
        c.created(&c.post(&acct, &b).await, "a create was not accepted")?;
        names.push(b["connectorProfileName"].as_str().unwrap_or("").to_owned());
    }
    // Pages of 3 (3, 3, 1), and of sizes that change between pages (the token is the query's).
    for sizes in [&[3u32][..], &[2, 4, 1]] {
        let all = c.walk(&acct, &json!({}), sizes, &[]).await?;
        c.cover("doc:lifecycle.describe-pages", Accepted);
        if Ctx::names(&all) != names {
            c.fail(
                format!(
                    "a walk of pages of {sizes:?} did not show every profile exactly once, in order"
                ),
                Some(format!("{names:?}")),
                Some(format!("{:?}", Ctx::names(&all))),
                None,
            );
            return Err(Stop);
        }
    }
    // A page that ends exactly at the last profile carries no token: none follow.
    let ex = c
        .call(
            Operation::Describe,
            &acct,
            &json!({"maxResults": 7}),
            Vec::new(),
        )
        .await;
    let page = c.page(&ex, "a page of every profile was not answered")?;
    c.covers("lifecycle.describe-pages", Accepted, &ex);
    if let Some(t) = page.get("nextToken") {
        c.fail(
            "a page that ends at the last profile carries a nextToken",
            Some("no nextToken (no more profiles follow)".into()),
            Some(t.to_string()),
            Some(&ex),
        );
        return Err(Stop);
    }
    // Profiles deleted between two pages never shift the later ones.
    let ex = c
        .call(
            Operation::Describe,
            &acct,
            &json!({"maxResults": 3}),
            Vec::new(),
        )
        .await;
    let page = c.page(&ex, "the first page was not answered")?;
    let token = page["nextToken"].as_str().unwrap_or_default().to_owned();
    for gone in [&names[1], &names[4]] {
        let ex = c.delete(&acct, gone, false).await;
        c.page(&ex, "a delete was not accepted")?;
    }
    let rest = c
        .walk(&acct, &json!({"nextToken": token}), &[3], &[])
        .await?;
    let want: Vec<String> = vec![names[3].clone(), names[5].clone(), names[6].clone()];
    c.cover("doc:lifecycle.describe-pages", Refused);
    if Ctx::names(&rest) != want {
        c.fail(
            "after deletes between two pages, the rest of the walk skipped or repeated a profile",
            Some(format!("{want:?}")),
            Some(format!("{:?}", Ctx::names(&rest))),
            None,
        );
    }
    // Any other token is 400, and so is a token of another query.
    let other = c
        .call(
            Operation::Describe,
            &acct,
            &json!({"connectorType": "Veeva", "nextToken": token}),
            Vec::new(),
        )
        .await;
    let forged = c
        .call(
            Operation::Describe,
            &acct,
            &json!({"nextToken": "made-up-token"}),
            Vec::new(),
        )
        .await;
    // The token with its last character changed: a service that reads a position out of it
    // without checking it would go on from wherever the edit points.
    let mut edited = token.clone();
    let last = edited.pop().unwrap_or('a');
    edited.push(if last == 'a' { 'b' } else { 'a' });
    let edited = c
        .call(
            Operation::Describe,
            &acct,
            &json!({"nextToken": edited}),
            Vec::new(),
        )
        .await;
    for (ex, what) in [
        (&other, "a page token of another query"),
        (&forged, "a made-up page token"),
        (&edited, "a page token with its last character changed"),
    ] {
        c.covers("lifecycle.describe-next-token", Refused, ex);
        c.error(
            ex,
            ErrorCode::ValidationError,
            &format!("{what} was not refused"),
        )?;
    }
    let ex = c
        .call(
            Operation::Describe,
            &acct,
            &json!({"maxResults": 2, "nextToken": token}),
            Vec::new(),
        )
        .await;
    c.covers("lifecycle.describe-next-token", Accepted, &ex);
    c.page(
        &ex,
        "the page token of the same query (another page size) was refused",
    )
    .map(drop)
}
