"""boto3 against `appflow-harness serve --dialect aws`, used as boto3's users use it.

Usage: python boto3_client.py ENDPOINT_URL ACCOUNT SCENARIO
  SCENARIO contract  create, replay, mismatch, taken name, quota, every connector type's minimal request
  SCENARIO retries   against a stub that loses (or fails) the answer after creating: boto3's own
                     retries (with the token it inserted) must end with exactly one profile

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
else:
    sys.exit(f"unknown scenario {scenario}")
