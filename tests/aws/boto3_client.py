"""boto3 against `appflow-harness serve --dialect aws`, used as boto3's users use it.

Usage: python boto3_client.py ENDPOINT_URL ACCOUNT SCENARIO
  SCENARIO contract  create, replay, mismatch, taken name, quota, every connector type's minimal request
  SCENARIO retries   against a stub that loses (or fails) the answer after creating: boto3's own
                     retries (with the token it inserted) must end with exactly one profile
  SCENARIO lifecycle describe (paged by hand with nextToken: boto3 ships no AppFlow paginator),
                     update (its token's replay and mismatch), delete, each missing name's 404

Credentials: the access key id is the 12-digit ACCOUNT (the stub's convention); nothing is verified.
Prints one line per step and exits non-zero on the first surprise.
"""
import json
import sys
import urllib.request

import boto3
from botocore.config import Config

endpoint, account, scenario = sys.argv[1], sys.argv[2], sys.argv[3]
client = boto3.client(
    "appflow",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id=account,
    aws_secret_access_key="not-checked",
    config=Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=10),
)


def create(name, token=None, connector_type="S3", mode="Public", config=None):
    args = dict(
        connectorProfileName=name,
        connectorType=connector_type,
        connectionMode=mode,
        connectorProfileConfig=config or {"connectorProfileProperties": {}},
    )
    if token is not None:
        args["clientToken"] = token
    return client.create_connector_profile(**args)


def profiles():
    url = f"{endpoint}/__admin/accounts/{account}/profiles"
    with urllib.request.urlopen(url) as r:
        return json.load(r)


def expect(cond, what):
    if not cond:
        print(f"FAIL {what}")
        sys.exit(1)
    print(f"ok   {what}")


if scenario == "contract":
    first = create("boto3-one", token="boto3-token-1")
    arn = first["connectorProfileArn"]
    expect(arn == f"arn:aws:appflow:us-east-1:{account}:connectorprofile/boto3-one", f"create: {arn}")
    again = create("boto3-one", token="boto3-token-1")
    expect(again["connectorProfileArn"] == arn, "a replay with the same token answers the same ARN")
    try:
        create("boto3-one", token="boto3-token-1", mode="Private")
        expect(False, "the same token with other parameters is refused")
    except client.exceptions.ClientError as e:
        code = e.response["Error"]["Code"]
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        expect((code, status) == ("IdempotentParameterMismatchException", 409), f"mismatch: {code} {status}")
    try:
        create("boto3-one", token="boto3-token-2")
        expect(False, "a taken name is refused")
    except client.exceptions.ConflictException as e:
        expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 409, "a taken name: ConflictException 409")
    try:
        create("bad name with spaces")
        expect(False, "an invalid name is refused")
    except client.exceptions.ValidationException:
        expect(True, "an invalid name: ValidationException")
    # Every connector type's minimal request: the stub's own generator writes them (minimal.json).
    for body in json.load(open(sys.argv[4])):
        name = body["connectorProfileName"]
        r = client.create_connector_profile(**body)
        expect(r["connectorProfileArn"].endswith("/" + name), f"{body['connectorType']} minimal request")
    held = profiles()["count"]
    for i in range(held, 100):
        create(f"boto3-fill-{i}")
    try:
        create("boto3-one-too-many")
        expect(False, "the 101st profile is refused")
    except client.exceptions.ServiceQuotaExceededException as e:
        expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 402, "the 101st: ServiceQuotaExceededException 402")
    expect(profiles()["count"] == 100, "the account holds exactly 100 profiles")
elif scenario == "retries":
    # No clientToken given: boto3 inserts one and keeps it across its own retries.
    r = create("boto3-retried")
    expect(r["connectorProfileArn"].endswith("/boto3-retried"), "the create succeeded after boto3's retries")
    retries = r["ResponseMetadata"]["RetryAttempts"]
    expect(retries >= 1, f"boto3 retried ({retries} retries)")
    listed = profiles()
    expect(listed["count"] == 1, f"exactly one profile exists ({listed['count']})")
elif scenario == "lifecycle":
    expect(not client.can_paginate("describe_connector_profiles"), "boto3 has no AppFlow paginator: paged by hand")
    names = [f"boto3-life-{i:02d}" for i in range(25)]
    for n in names:
        create(n, connector_type="Datadog", config={
            "connectorProfileProperties": {"Datadog": {"instanceUrl": f"https://{n}.example.com"}},
            "connectorProfileCredentials": {"Datadog": {"apiKey": "k-s3cr3t-boto3", "applicationKey": "a-s3cr3t-boto3"}},
        })

    def walk(**query):
        seen, token = [], None
        while True:
            args = dict(query, maxResults=7)
            if token:
                args["nextToken"] = token
            page = client.describe_connector_profiles(**args)
            details = page["connectorProfileDetails"]
            expect(len(details) <= 7, f"a page of maxResults 7 holds {len(details)}")
            seen.extend(details)
            token = page.get("nextToken")
            if not token:
                return seen

    seen = walk()
    expect([d["connectorProfileName"] for d in seen] == names, f"a walk of {len(seen)} profiles in 7s shows each once, oldest first")
    first = seen[0]
    expect(first["connectorProfileProperties"]["Datadog"]["instanceUrl"] == "https://boto3-life-00.example.com", "describe shows the properties as sent")
    expect("connectorProfileCredentials" not in first and "s3cr3t" not in json.dumps(first, default=str), "describe never shows the credentials")
    expect(hasattr(first["createdAt"], "year"), "createdAt is a time boto3 parses (epoch seconds)")
    only = client.describe_connector_profiles(connectorProfileNames=[names[3], "boto3-nope"])["connectorProfileDetails"]
    expect([d["connectorProfileName"] for d in only] == [names[3]], "a describe by names shows exactly those that exist")
    update = dict(connectorProfileName=names[0], connectionMode="Private", clientToken="boto3-update-1",
                  connectorProfileConfig={"connectorProfileProperties": {"Datadog": {"instanceUrl": "https://updated.example.com"}}})
    arn = client.update_connector_profile(**update)["connectorProfileArn"]
    expect(arn == first["connectorProfileArn"], "an update answers the profile's ARN")
    again = client.update_connector_profile(**update)["connectorProfileArn"]
    expect(again == arn, "the update's replay answers the same")
    try:
        client.update_connector_profile(**dict(update, connectionMode="Public"))
        expect(False, "the update's token with other parameters is refused")
    except client.exceptions.ClientError as e:
        expect(e.response["Error"]["Code"] == "IdempotentParameterMismatchException", f"update mismatch: {e.response['Error']['Code']}")
    now = client.describe_connector_profiles(connectorProfileNames=[names[0]])["connectorProfileDetails"][0]
    expect(now["connectionMode"] == "Private" and now["createdAt"] == first["createdAt"], "describe shows the update, createdAt kept")
    client.delete_connector_profile(connectorProfileName=names[1])
    expect(names[1] not in [d["connectorProfileName"] for d in walk()], "a deleted profile is gone from describe")
    for what, call in [("a second delete", lambda: client.delete_connector_profile(connectorProfileName=names[1])),
                       ("an update of a missing name", lambda: client.update_connector_profile(**dict(update, connectorProfileName="boto3-nope", clientToken="t2")))]:
        try:
            call()
            expect(False, f"{what} is refused")
        except client.exceptions.ResourceNotFoundException as e:
            expect(e.response["ResponseMetadata"]["HTTPStatusCode"] == 404, f"{what}: ResourceNotFoundException 404")
    expect(profiles()["count"] == 24, "the account holds the 24 left")
else:
    sys.exit(f"unknown scenario {scenario}")
