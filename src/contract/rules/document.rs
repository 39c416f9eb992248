//! The rules of the contract document, `schemas/CONTRACT.md`. Each carries its ID in the document
//! itself (`` `#idempotency.replay` `` at the end of the rule), and a test requires the two lists to
//! be the same, so this one cannot drift from the document.

/// Every rule of the contract document: its ID and what it says, in the document's order.
pub const DOCUMENT_RULES: &[(&str, &str)] = &[
    (
        "schema.whole-value",
        "a pattern must match the whole value, in every one of its alternatives",
    ),
    (
        "schema.null-is-not-absence",
        "a member present with null has the wrong type",
    ),
    (
        "schema.enums-exact",
        "enums are spelled exactly: connectorType takes the enum's spelling, not the model key's",
    ),
    (
        "schema.empty-optional-config",
        "\"\" is accepted for an optional member inside connectorProfileConfig that sets no minimum length, and refused where it breaks a rule",
    ),
    (
        "schema.unknown-members",
        "a member the model does not have is refused at every level",
    ),
    (
        "json.unusual",
        "well-formed but unusual JSON gets the answer its content deserves, never a 500",
    ),
    (
        "route.exact-path",
        "paths are compared exactly (another case or a trailing slash is another path, 404); a query string does not change the path",
    ),
    (
        "route.before-method",
        "another path is 404 whatever the method",
    ),
    (
        "method.post-only",
        "any method but POST on the endpoint is 405 with Allow: POST, OPTIONS included; HEAD gets no body",
    ),
    (
        "method.case-sensitive",
        "methods are case-sensitive: `post` is another method (405)",
    ),
    (
        "media.json",
        "JSON is application/json in any letter case, with or without parameters; anything else, or none, is 415",
    ),
    (
        "size.limit-in-bytes",
        "a body over the limit, counted in bytes, is 413; one of exactly the limit is not",
    ),
    (
        "body.one-json-object",
        "the body is one JSON object with nothing but whitespace after it; anything else is 400",
    ),
    (
        "account.malformed",
        "an account header that is present but empty, or not 12 digits, is 401",
    ),
    (
        "account.default",
        "a request without the account header belongs to account 000000000000 (401 where the header is required)",
    ),
    (
        "account.isolation",
        "names, tokens and the quota of one account never reach another",
    ),
    (
        "envelope.json",
        "every answer is sent as JSON in its envelope, with the status its code has in the error table",
    ),
    (
        "envelope.details",
        "error.details[].field, when sent, is a JSON pointer into the request",
    ),
    (
        "secrets.never-echoed",
        "no value under connectorProfileCredentials (nested ones included) appears in any answer's body or headers, errors included",
    ),
    (
        "order.method-before-media-type",
        "another method with a body not sent as JSON is 405, not 415",
    ),
    (
        "order.media-type-before-size",
        "a body over the limit not sent as JSON is 415, not 413",
    ),
    (
        "order.size-before-identity",
        "a body over the limit with a malformed account is 413, not 401",
    ),
    (
        "order.identity-before-validation",
        "an invalid body with a malformed account is 401, not 400",
    ),
    (
        "order.validation-before-token",
        "an invalid body reusing a bound token is 400, not the mismatch",
    ),
    (
        "order.token-before-name",
        "a bound token with other parameters and a taken name is the mismatch, not 409 CONFLICT",
    ),
    (
        "order.name-before-quota",
        "a taken name in a full account is 409 CONFLICT, not 402",
    ),
    (
        "order.token-before-quota",
        "a bound token with other parameters in a full account is the mismatch, not 402",
    ),
    (
        "idempotency.replay",
        "the same token and parameters within the TTL answer the first success again, its whole body, and create nothing",
    ),
    (
        "idempotency.replay-at-quota",
        "a replay succeeds when the account is now full",
    ),
    (
        "idempotency.replay-over-name",
        "a replay wins over the conflict with the name its own profile holds",
    ),
    (
        "idempotency.mismatch",
        "the same token with other parameters is 409 IDEMPOTENT_PARAMETER_MISMATCH and creates nothing",
    ),
    (
        "idempotency.failure-binds-nothing",
        "a refused request binds nothing: corrected, it may be retried with the same token",
    ),
    (
        "idempotency.no-token",
        "without a token every request is a new call",
    ),
    (
        "idempotency.ttl",
        "after the TTL a token is forgotten: the same request is a new call",
    ),
    (
        "idempotency.concurrent",
        "concurrent requests with one token create exactly one profile, and every success has the same id",
    ),
    (
        "idempotency.concurrent-other-parameters",
        "concurrent requests with one token and different parameters: the first wins, the others get the mismatch (or IN_PROGRESS), exactly one profile",
    ),
    (
        "fingerprint.member-order",
        "member order and whitespace do not make other parameters",
    ),
    (
        "fingerprint.numbers",
        "numbers are compared by value: 443 and 443.0 are the same parameter",
    ),
    (
        "fingerprint.arrays-in-order",
        "arrays are compared in order: reordered items are other parameters",
    ),
    (
        "fingerprint.strings-exact",
        "strings are compared exactly: another letter case is another parameter",
    ),
    (
        "tokens.exact",
        "tokens are compared exactly, letter case included",
    ),
    (
        "tokens.spaces",
        "a token of spaces is a token, not no token",
    ),
    (
        "tokens.ascii",
        "a token with a character outside printable ASCII is invalid (400)",
    ),
    (
        "names.unique",
        "a name taken in the account is 409 CONFLICT",
    ),
    (
        "names.exact",
        "names are compared exactly: names that differ only in letter case are two profiles",
    ),
    (
        "quota.limit",
        "the quota's creates succeed and the next is 402 QUOTA_EXCEEDED, with a token or without",
    ),
    (
        "quota.refusals-free",
        "refused requests and replays use none of the quota",
    ),
    (
        "quota.concurrent",
        "concurrent creates near the quota never push the account past it",
    ),
    (
        "lifecycle.describe-filters",
        "a describe lists the caller's account only, oldest first, filtered by names (exactly), type and label",
    ),
    (
        "lifecycle.describe-pages",
        "a page holds at most maxResults profiles and carries nextToken exactly when more follow; a walk shows every profile exactly once",
    ),
    (
        "lifecycle.describe-next-token",
        "nextToken is opaque: any value a page of the same query did not return is 400",
    ),
    (
        "lifecycle.describe-details",
        "each detail shows what was created and last updated (properties under the model key, the ARN as created), never the credentials",
    ),
    (
        "lifecycle.update-replaces",
        "an update replaces the mode and the config, keeps type, label, ARN, id and createdAt, and moves lastUpdatedAt",
    ),
    (
        "lifecycle.update-missing",
        "an update of a name the account does not have is 404 RESOURCE_NOT_FOUND",
    ),
    (
        "lifecycle.update-config",
        "an update's config is checked against the profile's stored type (400)",
    ),
    (
        "lifecycle.update-idempotency",
        "an update's token: the same parameters answer the first answer again (even after a delete), others are the mismatch",
    ),
    (
        "lifecycle.delete-frees",
        "a delete frees the name and the quota's place at once",
    ),
    (
        "lifecycle.delete-missing",
        "a delete of a name the account does not have (a second delete) is 404 RESOURCE_NOT_FOUND",
    ),
    (
        "lifecycle.create-token-after-delete",
        "a create's token after its profile was deleted replays the first answer and creates nothing; a new token creates a new profile",
    ),
];

/// The rule IDs a contract document carries, in order: every `` `#id` `` in it.
pub fn document_ids(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("`#") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find('`') else { break };
        let id = &rest[..end];
        if !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            out.push(id.to_owned());
        }
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_from_code_spans() {
        let text = "- A rule. `#a.b`\n- Another `x` one. `#c-d.e`\n`#NotOne`";
        assert_eq!(document_ids(text), vec!["a.b", "c-d.e"]);
    }
}
