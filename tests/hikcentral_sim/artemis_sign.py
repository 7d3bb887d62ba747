"""Artemis (HikCentral Professional OpenAPI gateway) AK/SK request signing, the
simulator's own implementation of PROTOCOLS.md 4.1 (official SDK
SignUtil.buildStringToSign):

    METHOD "\\n"
    [Accept "\\n"] [Content-MD5 "\\n"] [Content-Type "\\n"] [Date "\\n"]   (each only if sent)
    for each signed header (x-ca-* and any extra listed), sorted by lower-case name:
        name ":" value "\\n"           (X-Ca-Signature, X-Ca-Signature-Headers excluded)
    path ["?" k1=v1 "&" k2=v2 ...]    (query + form params, URL-decoded, sorted by key, "k=" if empty)

X-Ca-Signature = Base64(HMAC-SHA256(AppSecret, string)). Standard library only.
"""
import base64
import hashlib
import hmac
from urllib.parse import parse_qsl

EXCLUDED = ("x-ca-signature", "x-ca-signature-headers")


def content_md5(body: bytes) -> str:
    """Base64 of the MD5 of the body bytes."""
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def strip_boundary(content_type: str) -> str:
    """Content-Type with any boundary=... parameter removed (SDK behaviour)."""
    parts = [p for p in content_type.split(";") if not p.strip().lower().startswith("boundary=")]
    return ";".join(parts)


def canonical_resource(path: str, params) -> str:
    """path?k=v&... with params (pairs, already decoded) sorted by key."""
    if not params:
        return path
    items = sorted(params, key=lambda kv: kv[0])
    return path + "?" + "&".join("%s=%s" % (k, v) for k, v in items)


def params_of(query: str, content_type: str, body: bytes):
    """Query pairs plus form pairs of an x-www-form-urlencoded body, decoded."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if content_type and content_type.lower().startswith("application/x-www-form-urlencoded") and body:
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return pairs


def string_to_sign(method: str, path: str, params, headers: dict, signed: list) -> str:
    """headers: lower-case name -> value of the headers SENT; signed: lower-case names of
    the headers listed in X-Ca-Signature-Headers."""
    out = [method.upper() + "\n"]
    for name in ("accept", "content-md5", "content-type", "date"):
        if name in headers:
            value = headers[name]
            if name == "content-type":
                value = strip_boundary(value)
            out.append(value + "\n")
    for name in sorted(n for n in signed if n not in EXCLUDED):
        out.append("%s:%s\n" % (name, headers.get(name, "")))
    out.append(canonical_resource(path, params))
    return "".join(out)


def signature(secret: str, text: str) -> str:
    """Base64(HMAC-SHA256(secret, text))."""
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()).decode()


def sign_request(app_key, secret, method, path, query, headers, body, nonce, timestamp_ms):
    """Headers to send for a request (client side, for vectors and self-tests): the given
    headers plus Content-MD5 (with a body), X-Ca-Key/-Nonce/-Timestamp, the list and the
    signature. headers: name -> value as sent (any case)."""
    sent = dict(headers)
    if body:
        sent["Content-MD5"] = content_md5(body)
    sent["X-Ca-Key"] = app_key
    sent["X-Ca-Nonce"] = nonce
    sent["X-Ca-Timestamp"] = str(timestamp_ms)
    lower = {k.lower(): v for k, v in sent.items()}
    signed = sorted(k for k in lower if k.startswith("x-ca-"))
    params = params_of(query, lower.get("content-type", ""), body)
    text = string_to_sign(method, path, params, lower, signed)
    sent["X-Ca-Signature-Headers"] = ",".join(signed)
    sent["X-Ca-Signature"] = signature(secret, text)
    return sent, text
