#!/usr/bin/env python3
"""Writes signing_vectors.json: Artemis signing test vectors (fixed inputs -> Content-MD5,
string to sign, X-Ca-Signature-Headers, X-Ca-Signature) from artemis_sign.py, the
simulator's own implementation of PROTOCOLS.md 4.1. The first two cases are PROTOCOLS.md's
own vectors (checked here). `--check` verifies the file instead of writing it."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import artemis_sign  # noqa: E402

KEY, SECRET = "12345678", "abcdefghijklmnopqrst"
NONCE, TS = "9d4f6b3e-0000-4000-8000-000000000001", 1700000000000
CAMS = "/artemis/api/resource/v1/cameras"

CASES = [
    # name, method, path, query, headers (as sent, order kept), body, x-ca headers to add?
    ("protocols_md_key_only", "POST", CAMS, "", [("Accept", "*/*"), ("Content-Type", "application/json")],
     "", False),
    ("protocols_md_body", "POST", CAMS, "", [("Accept", "application/json"), ("Content-Type", "application/json")],
     '{"pageNo":1,"pageSize":100}', True),
    ("no_accept_utf8_type", "POST", "/artemis/api/video/v1/cameras/previewURLs", "",
     [("Content-Type", "application/json;charset=UTF-8")],
     '{"cameraIndexCode":"00000000000000000000000000c0ffee01","streamType":0,"protocol":"rtsp","transmode":1}', True),
    ("query_sorted_decoded_empty", "POST", "/artemis/api/common/v1/version", "z=1&a=x%20y&m=&b=%2F",
     [("Accept", "*/*")], "", True),
    ("date_and_extra_x_ca", "POST", CAMS, "",
     [("Accept", "*/*"), ("Content-Type", "application/json"), ("Date", "Tue, 14 Nov 2023 22:13:20 GMT"),
      ("X-Ca-Stage", "RELEASE")], '{"pageNo":2,"pageSize":1}', True),
    ("form_params_boundary", "POST", "/artemis/api/demo/v1/form", "q=2",
     [("Accept", "*/*"), ("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")], "b=3&a=1", True),
    ("multipart_boundary_removed", "POST", "/artemis/api/demo/v1/upload", "",
     [("Accept", "*/*"), ("Content-Type", "multipart/form-data; boundary=XyZ")], "--XyZ--\r\n", True),
]


def build():
    out = {"app_key": KEY, "app_secret": SECRET, "cases": []}
    for name, method, path, query, headers, body, full in CASES:
        b = body.encode()
        if full:
            sent, text = artemis_sign.sign_request(KEY, SECRET, method, path, query, dict(headers), b, NONCE, TS)
        else:  # only x-ca-key, no Content-MD5 (PROTOCOLS.md's first vector)
            sent = dict(headers)
            sent["X-Ca-Key"] = KEY
            lower = {k.lower(): v for k, v in sent.items()}
            text = artemis_sign.string_to_sign(method, path, artemis_sign.params_of(query, "", b), lower, ["x-ca-key"])
            sent["X-Ca-Signature-Headers"] = "x-ca-key"
            sent["X-Ca-Signature"] = artemis_sign.signature(SECRET, text)
        out["cases"].append({
            "name": name, "method": method, "path": path, "query": query, "headers": headers, "body": body,
            "nonce": NONCE if full else None, "timestamp_ms": TS if full else None,
            "content_md5": sent.get("Content-MD5"), "string_to_sign": text,
            "signature_headers": sent["X-Ca-Signature-Headers"], "signature": sent["X-Ca-Signature"],
        })
    c = out["cases"]
    assert c[0]["signature"] == "1flcroST6X8OoaPZDql+7whXXdWHDDWowxqXSxonx34=", c[0]
    assert c[1]["content_md5"] == "U0Xj//qmRi3zoyapfAAuXw==", c[1]
    assert c[1]["signature"] == "hqdC+3hRdV3G+IFwCdQ9eO0yosSZoA9GOX8BF4uHWKw=", c[1]
    return out


if __name__ == "__main__":
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "signing_vectors.json")
    data = build()
    if "--check" in sys.argv:
        assert json.load(open(path)) == json.loads(json.dumps(data)), "signing_vectors.json is stale"
        print("signing vectors ok (%d cases)" % len(data["cases"]))
    else:
        json.dump(data, open(path, "w"), indent=1)
        print("wrote", path)
