"""Runs an independent PyPI Artemis signer/client against the simulator and prints
one JSON line per call: {"client", "call", "secret_ok", "status", "code"}.

  VENV/bin/python pypi_signers.py accurio URL APPKEY SECRET
      hikvision-openapi-signer (Accurio's copy of the SDK rule): signs Accept, Content-MD5,
      Content-Type, Date and every other header it sends (X-Ca-*, a custom tagId), with
      requests-style body bytes.
  VENV/bin/python pypi_signers.py hikcentral-openapi HOST PORT APPKEY SECRET
      hikcentral-openapi (httpx): a fixed string "POST\\napplication/json\\napplication/json\\n
      x-ca-key:K\\n<path>": no Content-MD5, nonce or timestamp.
Each client makes its calls with the right secret and once with a wrong one."""
import asyncio
import json
import ssl
import sys
import urllib.error
import urllib.request


def out(**kw):
    print(json.dumps(kw), flush=True)


def accurio(url, key, secret):
    from hikvision_openapi_signer import HikvisionOpenAPISigner
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    for good in (True, False):
        signer = HikvisionOpenAPISigner(url, key, secret if good else secret + "x", headers={"tagId": 1})
        for call, body in (("/api/common/v1/version", {}), ("/api/resource/v1/cameras", {"pageNo": 1, "pageSize": 2})):
            method, full, headers, data = signer.sign("POST", call, jsons=body, accept="application/json")
            req = urllib.request.Request(full, data=data.encode() if isinstance(data, str) else data,
                                         headers=headers, method=method)
            try:
                with urllib.request.urlopen(req, context=ctx) as r:
                    status, ans = r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                status, ans = e.code, json.loads(e.read())
            out(client="hikvision-openapi-signer", call=call, secret_ok=good, status=status, code=ans.get("code"),
                signature_headers=headers.get("X-Ca-Signature-Headers"))


async def hikcentral(host, port, key, secret):
    from hikcentral_openapi.client import Client
    from hikcentral_openapi.exceptions import RequestError, UnauthorizedError
    for good in (True, False):
        c = Client(user_key=key, user_secret=secret if good else secret + "x", host=host, port=int(port))
        try:
            await c.initialize()
            out(client="hikcentral-openapi", call="/api/common/v1/version", secret_ok=good, status=200, code="0",
                version=c.version)
        except (UnauthorizedError, RequestError) as e:
            out(client="hikcentral-openapi", call="/api/common/v1/version", secret_ok=good, status=401,
                code=type(e).__name__)
        finally:
            await c.httpx_client.aclose()


if __name__ == "__main__":
    if sys.argv[1] == "accurio":
        accurio(*sys.argv[2:5])
    else:
        asyncio.run(hikcentral(*sys.argv[2:6]))
