"""Runs S3 operations with boto3 (the AWS SDK) and prints each outcome as one JSON line.

Usage: python s3_ops.py ENDPOINT < ops.json, where ops.json is a list of
{"as": [access, secret], "op": "put"|"get"|"list", "bucket": ..., "key"/"prefix": ..., "body": ... or "bodyFile": PATH}.
Each outcome is {"ok": true, "body"/"keys": ...} or {"ok": false, "code": <S3 error code>}.
"""
import json, sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
for op in json.load(sys.stdin):
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=op["as"][0],
                      aws_secret_access_key=op["as"][1], config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
    try:
        if op["op"] == "put":
            body = open(op["bodyFile"], "rb").read() if "bodyFile" in op else op["body"].encode()
            s3.put_object(Bucket=op["bucket"], Key=op["key"], Body=body)
            out = {"ok": True}
        elif op["op"] == "get":
            out = {"ok": True, "body": s3.get_object(Bucket=op["bucket"], Key=op["key"])["Body"].read().decode()}
        elif op["op"] == "list":
            r = s3.list_objects_v2(Bucket=op["bucket"], Prefix=op.get("prefix", ""))
            out = {"ok": True, "keys": sorted(o["Key"] for o in r.get("Contents", []))}
        elif op["op"] == "delete":
            s3.delete_object(Bucket=op["bucket"], Key=op["key"])
            out = {"ok": True}
        else:
            raise SystemExit("unknown op %r" % op["op"])
    except ClientError as e:
        out = {"ok": False, "code": e.response.get("Error", {}).get("Code", "?")}
    print(json.dumps(out), flush=True)
