/**
 * AWS Signature Version 4 for S3 requests, as Python source (standard library only) for the programs
 * modelplane runs in pods whose images it does not control (no boto3 there). Defines
 * `sigv4_headers(method, url, region, access, secret, token, payload_hash)`, which returns the request's
 * headers (`host`, `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` with a session token,
 * `authorization`). `url` is already percent-encoded; its path and query are signed as they are.
 * Needs `datetime`, `hashlib`, `hmac` and `urllib.parse` imported by the program.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
export const SIGV4_PYTHON = String.raw`
import datetime as _sigv4_datetime, hashlib as _sigv4_hashlib, hmac as _sigv4_hmac, urllib.parse as _sigv4_parse


def sigv4_headers(method, url, region, access, secret, token, payload_hash):
    """The headers of one SigV4-signed S3 request (the URL already percent-encoded)."""
    u = _sigv4_parse.urlsplit(url)
    amz_date = _sigv4_datetime.datetime.now(_sigv4_datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    pairs = sorted(_sigv4_parse.parse_qsl(u.query, keep_blank_values=True))
    query = "&".join("%s=%s" % (_sigv4_parse.quote(k, safe="-_.~"), _sigv4_parse.quote(v, safe="-_.~")) for k, v in pairs)
    headers = {"host": u.netloc, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
    if token:
        headers["x-amz-security-token"] = token
    signed = ";".join(sorted(headers))
    canonical = "\n".join([
        method, u.path or "/", query,
        "".join("%s:%s\n" % (k, headers[k].strip()) for k in sorted(headers)), signed, payload_hash,
    ])
    scope = "%s/%s/s3/aws4_request" % (day, region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, _sigv4_hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (day, region, "s3", "aws4_request"):
        key = _sigv4_hmac.new(key, part.encode(), _sigv4_hashlib.sha256).digest()
    signature = _sigv4_hmac.new(key, to_sign.encode(), _sigv4_hashlib.sha256).hexdigest()
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (access, scope, signed, signature)
    return headers
`;
