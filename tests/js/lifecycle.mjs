#!/usr/bin/env node
// lifecycle.mjs ENDPOINT
// Drives @aws-sdk/client-appflow (AWS SDK for JavaScript v3) against an AppFlow endpoint (the stub's AWS
// dialect): create with a clientToken, replay it, reuse the token with other parameters, describe through
// paginateDescribeConnectorProfiles with a small page size, update, delete, describe after delete.
// One line per step; exit 0 when every outcome is the expected one, 1 (with "FAIL: ...") otherwise,
// 2 on bad usage.
import {
  AppflowClient,
  CreateConnectorProfileCommand,
  DeleteConnectorProfileCommand,
  DescribeConnectorProfilesCommand,
  UpdateConnectorProfileCommand,
  paginateDescribeConnectorProfiles,
} from "@aws-sdk/client-appflow";
import { randomUUID } from "node:crypto";

const endpoint = process.argv[2];
if (!endpoint) {
  console.error("usage: node lifecycle.mjs ENDPOINT   (e.g. http://127.0.0.1:8080)");
  process.exit(2);
}

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const client = new AppflowClient({
  region: REGION,
  endpoint,
  credentials: { accessKeyId: ACCOUNT, secretAccessKey: "unused" },
  maxAttempts: 1, // every answer is the server's first: a retry would hide what it said
});

const run = `js-${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
const EXTRA = 5; // profiles besides the first one; 6 in all, read 2 per page
const PAGE_SIZE = 2;

let stepNo = 0;
const ok = (msg) => console.log(`ok ${++stepNo} - ${msg}`);
class Fail extends Error {}
const fail = (msg) => {
  throw new Fail(msg);
};
const expect = (cond, msg) => {
  if (!cond) fail(msg);
};
const describeErr = (e) =>
  `${e?.name ?? "?"} (HTTP ${e?.$metadata?.httpStatusCode ?? "?"}): ${e?.message ?? e}`;

// Expect a call to fail with the given error name; returns the error.
async function expectError(name, fn, what) {
  try {
    const out = await fn();
    fail(`${what}: expected ${name}, but it succeeded: ${JSON.stringify(out)}`);
  } catch (e) {
    if (e instanceof Fail) throw e;
    if (e?.name !== name) fail(`${what}: expected ${name}, got ${describeErr(e)}`);
    return e;
  }
}

const redshiftInput = (name, token, bucketName = "example-bucket") => ({
  connectorProfileName: name,
  connectorType: "Redshift",
  connectionMode: "Public",
  clientToken: token,
  connectorProfileConfig: {
    connectorProfileProperties: {
      Redshift: {
        bucketName,
        databaseUrl: "jdbc:redshift://example-cluster.abc123xyz789.us-east-1.redshift.amazonaws.com:5439/example_db",
        roleArn: `arn:aws:iam::${ACCOUNT}:role/example_role`,
        // what the Terraform provider sends for the optional members its user left unset
        clusterIdentifier: "",
        dataApiRoleArn: "",
        databaseName: "",
      },
    },
    connectorProfileCredentials: { Redshift: { username: "exampleuser", password: "examplePassword123!" } },
  },
});

const datadogInput = (name, mode = "Public") => ({
  connectorProfileName: name,
  connectorType: "Datadog",
  connectionMode: mode,
  connectorProfileConfig: {
    connectorProfileProperties: { Datadog: { instanceUrl: "https://api.datadoghq.com" } },
    connectorProfileCredentials: { Datadog: { apiKey: "dd-api-key", applicationKey: "dd-app-key" } },
  },
});

async function describeByNames(names) {
  const out = await client.send(new DescribeConnectorProfilesCommand({ connectorProfileNames: names }));
  return out.connectorProfileDetails ?? [];
}

async function main() {
  console.log(`# @aws-sdk/client-appflow against ${endpoint}, account ${ACCOUNT}, run ${run}`);
  const first = `${run}-redshift`;
  const token = randomUUID();
  const expectedArn = `arn:aws:appflow:${REGION}:${ACCOUNT}:connectorprofile/${first}`;

  // 1. create with a clientToken
  const c1 = await client.send(new CreateConnectorProfileCommand(redshiftInput(first, token)));
  expect(c1.connectorProfileArn, `create: no connectorProfileArn in ${JSON.stringify(c1)}`);
  expect(c1.connectorProfileArn === expectedArn, `create: ARN ${c1.connectorProfileArn}, expected ${expectedArn}`);
  ok(`create ${first} with clientToken ${token} -> ${c1.connectorProfileArn}`);

  // 2. replay: same token, same parameters -> same ARN, no second profile
  const c2 = await client.send(new CreateConnectorProfileCommand(redshiftInput(first, token)));
  expect(c2.connectorProfileArn === c1.connectorProfileArn, `replay: ARN ${c2.connectorProfileArn} != ${c1.connectorProfileArn}`);
  ok(`replay with the same clientToken -> same ARN`);

  // 3. same token, other parameters -> IdempotentParameterMismatchException
  const e3 = await expectError(
    "IdempotentParameterMismatchException",
    () => client.send(new CreateConnectorProfileCommand(redshiftInput(first, token, "other-bucket"))),
    "same clientToken, other bucketName",
  );
  ok(`same clientToken, other parameters -> ${e3.name} (HTTP ${e3.$metadata?.httpStatusCode})`);

  // 3b. no token, same name -> ConflictException (the name is taken); the SDK fills in a token itself
  const e3b = await expectError(
    "ConflictException",
    () => client.send(new CreateConnectorProfileCommand({ ...redshiftInput(first, undefined) })),
    "create of a taken name without a clientToken",
  );
  ok(`create of the same name without a token -> ${e3b.name} (HTTP ${e3b.$metadata?.httpStatusCode})`);

  // 4. more profiles, then read them all through the paginator, PAGE_SIZE per page
  const names = [first];
  for (let i = 0; i < EXTRA; i++) {
    const n = `${run}-dd-${i}`;
    await client.send(new CreateConnectorProfileCommand(datadogInput(n)));
    names.push(n);
  }
  ok(`created ${EXTRA} more profiles (${names.length} in this run)`);

  const seen = new Map();
  let pages = 0;
  for await (const page of paginateDescribeConnectorProfiles(
    { client, pageSize: PAGE_SIZE },
    { connectorProfileNames: names },
  )) {
    pages++;
    const details = page.connectorProfileDetails ?? [];
    expect(details.length <= PAGE_SIZE, `page ${pages} holds ${details.length} profiles, more than maxResults ${PAGE_SIZE}`);
    for (const d of details) {
      seen.set(d.connectorProfileName, (seen.get(d.connectorProfileName) ?? 0) + 1);
      expect(d.createdAt instanceof Date && !Number.isNaN(d.createdAt.getTime()), `createdAt of ${d.connectorProfileName} is not a date: ${d.createdAt}`);
      expect(d.lastUpdatedAt instanceof Date && !Number.isNaN(d.lastUpdatedAt.getTime()), `lastUpdatedAt of ${d.connectorProfileName} is not a date: ${d.lastUpdatedAt}`);
      expect(d.connectorProfileProperties, `${d.connectorProfileName} has no connectorProfileProperties`);
    }
    if (pages > 50) fail("paginator did not stop after 50 pages");
  }
  const expectedPages = Math.ceil(names.length / PAGE_SIZE);
  for (const n of names) expect(seen.get(n) === 1, `paginated describe showed ${n} ${seen.get(n) ?? 0} times, expected once`);
  expect(seen.size === names.length, `paginated describe showed ${seen.size} profiles, expected ${names.length}: ${[...seen.keys()]}`);
  expect(pages === expectedPages, `paginated describe took ${pages} pages, expected ${expectedPages}`);
  ok(`paginateDescribeConnectorProfiles(pageSize ${PAGE_SIZE}) -> ${pages} pages, each of the ${names.length} profiles once`);

  // the unfiltered walk of the whole account must show each of them once too
  const all = new Map();
  let allPages = 0;
  for await (const page of paginateDescribeConnectorProfiles({ client, pageSize: PAGE_SIZE }, {})) {
    allPages++;
    for (const d of page.connectorProfileDetails ?? []) all.set(d.connectorProfileName, (all.get(d.connectorProfileName) ?? 0) + 1);
    if (allPages > 1000) fail("unfiltered paginator did not stop after 1000 pages");
  }
  for (const n of names) expect(all.get(n) === 1, `unfiltered walk showed ${n} ${all.get(n) ?? 0} times`);
  const dup = [...all].filter(([, k]) => k !== 1);
  expect(dup.length === 0, `unfiltered walk showed some profiles more than once: ${JSON.stringify(dup)}`);
  ok(`unfiltered walk of the account -> ${allPages} pages, ${all.size} profiles, each once`);

  // 5. update: connectionMode and a property of one profile, with a clientToken
  const target = names[1];
  const before = (await describeByNames([target]))[0];
  expect(before, `describe of ${target} by name found nothing`);
  const upd = datadogInput(target, "Private");
  upd.connectorProfileConfig.connectorProfileProperties.Datadog.instanceUrl = "https://api.datadoghq.eu";
  const u = await client.send(
    new UpdateConnectorProfileCommand({
      connectorProfileName: target,
      connectionMode: upd.connectionMode,
      connectorProfileConfig: upd.connectorProfileConfig,
      clientToken: randomUUID(),
    }),
  );
  expect(u.connectorProfileArn === before.connectorProfileArn, `update: ARN ${u.connectorProfileArn}, expected ${before.connectorProfileArn}`);
  const after = (await describeByNames([target]))[0];
  expect(after?.connectionMode === "Private", `after update connectionMode is ${after?.connectionMode}`);
  expect(after.connectorProfileProperties?.Datadog?.instanceUrl === "https://api.datadoghq.eu", `after update properties are ${JSON.stringify(after.connectorProfileProperties)}`);
  expect(after.createdAt.getTime() === before.createdAt.getTime(), `update moved createdAt ${before.createdAt.toISOString()} -> ${after.createdAt.toISOString()}`);
  expect(after.lastUpdatedAt.getTime() >= before.lastUpdatedAt.getTime(), `update moved lastUpdatedAt back`);
  ok(`update ${target}: connectionMode Private, instanceUrl changed, createdAt kept`);

  const e5 = await expectError(
    "ResourceNotFoundException",
    () => client.send(new UpdateConnectorProfileCommand({ ...datadogInput(`${run}-missing`), clientToken: randomUUID() })),
    "update of a profile that does not exist",
  );
  ok(`update of a missing profile -> ${e5.name} (HTTP ${e5.$metadata?.httpStatusCode})`);

  // 6. delete every profile of this run
  for (const n of names) {
    const d = await client.send(new DeleteConnectorProfileCommand({ connectorProfileName: n }));
    expect(d && typeof d === "object", `delete ${n}: odd output ${JSON.stringify(d)}`);
  }
  ok(`deleted ${names.length} profiles`);

  const e6 = await expectError(
    "ResourceNotFoundException",
    () => client.send(new DeleteConnectorProfileCommand({ connectorProfileName: first })),
    "second delete",
  );
  ok(`delete again -> ${e6.name} (HTTP ${e6.$metadata?.httpStatusCode})`);

  // 7. describe after delete: nothing left, by name or in a walk
  const left = await describeByNames(names);
  expect(left.length === 0, `describe after delete still shows ${left.map((d) => d.connectorProfileName)}`);
  ok(`describe after delete -> no profile of this run`);

  // 8. the create token, replayed after its profile was deleted, answers its first answer and creates nothing
  const c8 = await client.send(new CreateConnectorProfileCommand(redshiftInput(first, token)));
  expect(c8.connectorProfileArn === c1.connectorProfileArn, `replay after delete: ARN ${c8.connectorProfileArn}`);
  const left8 = await describeByNames([first]);
  expect(left8.length === 0, `replay after delete created ${first} again`);
  ok(`replay of the first create after delete -> same ARN, nothing created`);

  console.log(`PASS: ${stepNo} steps`);
}

try {
  await main();
} catch (e) {
  if (e instanceof Fail) console.log(`FAIL: ${e.message}`);
  else console.log(`FAIL: unexpected error ${describeErr(e)}`);
  process.exit(1);
}
