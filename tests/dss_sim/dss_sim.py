#!/usr/bin/python3
"""Dahua DSS Pro / DSS Express platform simulator for Vigil's tests.

Speaks the "brms" HTTP API as /work/shared/PROTOCOLS.md 5.2 and 5.3 document,
and serves its own RTSP streams (GStreamer's gst-rtsp-server through
python3-gi: run it with /usr/bin/python3) that refuse a wrong or expired
token.

HTTP (JSON; success is code 1000; auth header X-Subject-Token):
  POST /brms/api/v1.0/accounts/authorize     two-step MD5 login: the first call
       (no signature) answers HTTP 401 with realm, randomKey, encryptType,
       publickey; the second carries the signature (md5 chain of 5.2, or the
       "simple" chain with --login-mode simple) and gets token, credential,
       duration (--token-lifetime s), userId (--wrap-login: inside {code,data})
  PUT  /brms/api/v1.0/accounts/keepalive     extends the token by its duration
  POST /brms/api/v1.0/accounts/updateToken   a new token (the old one ends)
  POST /brms/api/v1.0/accounts/unauthorize   logout (logged)
  POST /brms/api/v1.0/tree/devices           the organisation tree: devices and
       their channels (channelId "<deviceCode>$1$0$<n>", cameraType "2" = PTZ)
  POST /brms/api/v1.0/MTS/Video/StartVideo   live: data {url "inner|outer", token}
  POST /brms/api/v1.0/SS/Record/QueryRecords the archive as 10-minute records
  POST /brms/api/v1.0/SS/Playback/StartPlaybackByTime   data {url, token}
  POST /brms/api/v1.0/DMS/Ptz/OperateDirect and OperateCamera (logged)
A token not kept alive for its duration is refused with HTTP 401 code 7000;
an unknown one with 401 code 1103.

RTSP (127.0.0.1:--rtsp-port): /live/<n>/<main|sub> and /playback/<session>,
played as <url>?token=<token>. DESCRIBE/SETUP/PLAY with a wrong token, or with
one whose login has expired or logged out, get 401. Every frame carries VTC1
(TIMECODE.md): live the wall clock, playback the archive's time (the
requested start plus the frame's offset, to the end of its record span).

Test endpoints: GET /test/calls (every call as JSON: op, time, arguments,
outcome; tokens never, only their login number), GET /test/archive (the
spans), GET /test/secrets (tokens issued, for tests that check they are never
printed), POST /test/expire (every login token expires now), POST
/test/drop-streams (RTSP clients disconnected), POST /test/password (body
{"password"}: the account's password changes).

Binds 127.0.0.1 only; prints "READY <http port> <rtsp port>" when listening;
stops on SIGTERM/SIGINT. --selftest checks the signature chain against the
PROTOCOLS.md test vector and exits.
"""
import argparse
import base64
import hashlib
import json
import os
import secrets
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BENCH = os.path.join(os.environ.get("VIGIL_SHARED") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared"), "bench")
sys.path.insert(0, BENCH)

PREFIX = "/brms/api/v1.0"
RECORD_CHUNK_S = 600
# an "inner" address the client cannot reach: the client must pick the
# alternative on the server's own host
INNER_HOST = "192.0.2.10:9100"


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def signature(user, password, realm, random_key, mode="md5"):
    """PROTOCOLS.md 5.2: the DSS signature chain (lowercase hex MD5)."""
    if mode == "simple":
        return md5(md5(f"{user}:{realm}:{password}") + ":" + random_key)
    t1 = md5(password)
    t2 = md5(user + t1)
    t3 = md5(t2)
    t4 = md5(f"{user}:{realm}:{t3}")
    return md5(f"{t4}:{random_key}")


def selftest():
    chain = [md5("admin123")]
    chain.append(md5("system" + chain[0]))
    chain.append(md5(chain[1]))
    chain.append(md5(f"system:DSS-REALM:{chain[2]}"))
    assert chain == ["0192023a7bbd73250516f069df18b500", "5a0fdbe44b86807b5e5e127918bbc475",
                     "1e27fadce9af09e120ab5142a83a679e", "34745b7117f16cbc832334200412734d"], chain
    assert signature("system", "admin123", "DSS-REALM", "0123456789abcdef") == \
        "78d602f0a67240f88154394e40e76350"
    print("dss_sim selftest ok")


class ApiError(Exception):
    def __init__(self, status, code, desc):
        super().__init__(desc)
        self.status, self.code, self.desc = status, code, desc


class Login:
    def __init__(self, n, token, duration):
        self.n, self.token, self.duration = n, token, duration
        self.expires = time.time() + duration
        self.ended = False  # logged out or replaced

    def alive(self):
        return not self.ended and time.time() < self.expires


class Platform:
    """The DSS server's state: account, logins, tree, archive, media tokens, call log."""

    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.password = a.password
        self.pending = {}  # randomKey -> realm (one use each)
        self.logins = {}  # token -> Login
        self.login_count = 0
        self.media = {}  # media token -> (login, path, issued)
        self.playback = {}  # session id -> dict
        self.calls = []
        self.issued = []
        self.devices = [
            ("1000001", "Depot NVR", [("Gate", False), ("Yard", False)]),
            ("1000002", "Loading Dome", [("Dome PTZ", True)]),
        ]
        now = int(time.time())
        spans = []
        for s in a.span or []:
            x, y = s.split(":")
            spans.append((int(x), int(y)))
        if not spans:
            spans = [(now - 3600, now - 1800), (now - 1500, now - 60)]
        self.spans = sorted(spans)
        self.rtsp = None  # set by main

    def channels(self):
        out = []
        for code, _, chans in self.devices:
            for i, (name, ptz) in enumerate(chans):
                out.append((f"{code}$1$0${i}", name, ptz, len(out) + 1))
        return out

    def channel(self, cid):
        for c in self.channels():
            if c[0] == cid:
                return c
        raise ApiError(200, 10004, f"channel {cid} not found")

    def log(self, op, **kw):
        with self.lock:
            self.calls.append({"op": op, "t": int(time.time() * 1000), **kw})

    def new_secret(self):
        s = secrets.token_hex(16)
        with self.lock:
            self.issued.append(s)
        return s

    def auth(self, headers):
        tok = headers.get("X-Subject-Token", "")
        with self.lock:
            login = self.logins.get(tok)
        if login is None:
            raise ApiError(401, 1103, "unauthorized")
        if not login.alive():
            raise ApiError(401, 7000, "Token is expired")
        return login

    def records(self, start, end):
        out = []
        for a, b in self.spans:
            t = a
            while t < b:
                u = min(b, t + RECORD_CHUNK_S)
                if u > start and t < end:
                    out.append((t, u))
                t = u
        return out

    def span_end(self, t):
        for a, b in self.spans:
            if a <= t < b:
                return b
        return None

    # RTSP side -----------------------------------------------------------
    def media_token_ok(self, path, query):
        params = dict(p.split("=", 1) for p in (query or "").split("&") if "=" in p)
        tok = params.get("token", "")
        with self.lock:
            entry = self.media.get(tok)
        ok = entry is not None and entry[0].alive() and path.startswith(entry[1]) and \
            time.time() - entry[2] < self.a.media_token_lifetime
        return ok, (entry[0].n if entry else None)


def api(platform, method, path, headers, body):
    a = platform.a
    p = platform
    if path == f"{PREFIX}/accounts/authorize" and method == "POST":
        user = body.get("userName", "")
        if not body.get("signature"):
            realm = a.realm
            rk = secrets.token_hex(8)
            with p.lock:
                p.pending[rk] = realm
            p.log("login1", user=user, clientType=body.get("clientType"))
            first = {"realm": realm, "randomKey": rk, "encryptType": "MD5",
                     "publickey": base64.b64encode(b"\x30\x0dsim-public-key").decode()}
            if a.login_mode == "simple":
                first["method"] = "simple"
            raise ApiError(401, 401, json.dumps(first))
        rk = body.get("randomKey", "")
        with p.lock:
            realm = p.pending.pop(rk, None)
        want = signature(a.user, p.password, realm or "", rk, a.login_mode)
        ok = realm is not None and user == a.user and body.get("signature") == want and not a.refuse_login
        if not ok:
            p.log("login", user=user, result="refused",
                  reason="unknown randomKey" if realm is None else "bad signature")
            raise ApiError(401, 7000 if realm is not None else 1103, "user name or password error")
        token = p.new_secret()
        with p.lock:
            p.login_count += 1
            login = Login(p.login_count, token, a.token_lifetime)
            p.logins[token] = login
        p.log("login", user=user, result="ok", session=login.n,
              encryptType=body.get("encryptType"), clientType=body.get("clientType"))
        data = {"token": token, "credential": p.new_secret(), "duration": a.token_lifetime,
                "tokenRate": a.token_lifetime, "userId": "1", "userGroupId": "1",
                "serverIp": "127.0.0.1", "versionInfo": {"lastVersion": "DSS-sim"}}
        return {"code": 1000, "desc": "Success", "data": data} if a.wrap_login else data
    login = p.auth(headers)
    if path == f"{PREFIX}/accounts/keepalive" and method == "PUT":
        login.expires = time.time() + login.duration
        p.log("keepalive", session=login.n, body_token_ok=body.get("token") == login.token)
        return {"code": 1000, "desc": "Success", "data": {}}
    if path == f"{PREFIX}/accounts/updateToken":
        token = p.new_secret()
        with p.lock:
            p.login_count += 1
            new = Login(login.n, token, login.duration)
            p.logins[token] = new
            login.ended = True
        p.log("update_token", session=login.n)
        return {"code": 1000, "data": {"token": token, "credential": p.new_secret(),
                                       "duration": login.duration, "tokenRate": login.duration}}
    if path == f"{PREFIX}/accounts/unauthorize":
        login.ended = True
        p.log("logout", session=login.n)
        return {"code": 1000, "desc": "Success"}
    if path == f"{PREFIX}/tree/devices":
        devices = []
        for code, name, chans in p.devices:
            devices.append({
                "deviceCode": code, "deviceName": name, "deviceCategory": "1", "isOnline": "1",
                "channels": [{"channelId": f"{code}$1$0${i}", "channelName": cn, "channelSeq": str(i),
                              "cameraType": "2" if ptz else "1", "isOnline": "1", "unitType": "1"}
                             for i, (cn, ptz) in enumerate(chans)]})
        p.log("tree", session=login.n, categories=body.get("categories"))
        return {"code": 1000, "desc": "Success", "data": {"devices": devices}}
    d = body.get("data") or {}
    if path == f"{PREFIX}/MTS/Video/StartVideo":
        cid, _, _, n = p.channel(d.get("channelId"))
        stream = "sub" if str(d.get("streamType")) == "2" else "main"
        tok = p.new_secret()
        rpath = f"/live/{n}/{stream}"
        with p.lock:
            p.media[tok] = (login, rpath, time.time())
        p.log("start_video", session=login.n, channelId=cid, streamType=d.get("streamType"))
        url = f"rtsp://{INNER_HOST}{rpath}|rtsp://127.0.0.1:{a.rtsp_port}{rpath}"
        return {"code": 1000, "desc": "Success", "data": {"url": url, "token": tok, "session": str(login.n)}}
    if path == f"{PREFIX}/SS/Record/QueryRecords":
        cid = p.channel(d.get("channelId"))[0]
        start, end = int(d.get("startTime")), int(d.get("endTime"))
        recs = [{"channelId": cid, "startTime": str(x), "endTime": str(y), "streamId": f"{cid}#{x}",
                 "recordSource": str(d.get("recordSource", "3")), "recordType": "6",
                 "streamType": str(d.get("streamType", "1")), "fileLength": str((y - x) * 50000)}
                for x, y in p.records(start, end)]
        p.log("query_records", session=login.n, channelId=cid, startTime=start, endTime=end,
              found=len(recs))
        return {"code": 1000, "desc": "Success", "data": {"records": recs}}
    if path == f"{PREFIX}/SS/Playback/StartPlaybackByTime":
        cid, _, _, n = p.channel(d.get("channelId"))
        start, end = int(d.get("startTime")), int(d.get("endTime"))
        sid_ok = str(d.get("streamId", "")).startswith(cid + "#")
        span_end = p.span_end(start)
        if not sid_ok:
            p.log("start_playback", session=login.n, channelId=cid, result="no streamId")
            raise ApiError(200, 1004, "parameter error: streamId")
        if span_end is None or end <= start:
            p.log("start_playback", session=login.n, channelId=cid, startTime=start, result="no record")
            raise ApiError(200, 10005, "no record at the start time")
        sid = secrets.token_hex(4)
        tok = p.new_secret()
        rpath = f"/playback/{sid}"
        with p.lock:
            p.media[tok] = (login, rpath, time.time())
            p.playback[sid] = {"start": start, "end": min(end, span_end), "n": n}
        p.rtsp.add_playback(sid, start, min(end, span_end))
        p.log("start_playback", session=login.n, channelId=cid, startTime=start, endTime=end,
              streamId=d.get("streamId"), result="ok")
        return {"code": 1000, "desc": "Success",
                "data": {"url": f"rtsp://127.0.0.1:{a.rtsp_port}{rpath}", "token": tok}}
    if path in (f"{PREFIX}/DMS/Ptz/OperateDirect", f"{PREFIX}/DMS/Ptz/OperateCamera"):
        cid, _, ptz, _ = p.channel(d.get("channelId"))
        op = "ptz_direct" if path.endswith("OperateDirect") else "ptz_camera"
        args = {k: d.get(k) for k in ("direct", "stepX", "stepY", "step", "operateType", "command")
                if k in d}
        if not ptz:
            p.log(op, session=login.n, channelId=cid, result="not a PTZ camera", **args)
            raise ApiError(200, 1004, "the channel has no PTZ")
        p.log(op, session=login.n, channelId=cid, result="ok", **args)
        return {"code": 1000, "desc": "Success", "data": {"result": "1"}}
    raise ApiError(404, 404, f"no such API {method} {path}")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_json(self, status, obj):
        raw = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return None

    def handle_any(self, method):
        p = self.server.platform
        path = self.path.split("?", 1)[0]
        body = self.body()
        if path.startswith("/test/"):
            return self.test(method, path, body or {})
        if body is None or not isinstance(body, dict):
            return self.send_json(400, {"code": 1004, "desc": "body is not a JSON object"})
        try:
            out = api(p, method, path, self.headers, body)
            self.send_json(200, out)
        except ApiError as e:
            if e.code == 401:  # the first login step: its JSON is the body
                return self.send_json(401, json.loads(e.desc))
            if e.code in (7000, 1103) and not path.endswith("/authorize"):
                p.log("refused", path=path, code=e.code)
            self.send_json(e.status, {"code": e.code, "desc": e.desc})

    def test(self, method, path, body):
        p = self.server.platform
        if path == "/test/calls":
            with p.lock:
                return self.send_json(200, list(p.calls))
        if path == "/test/archive":
            return self.send_json(200, [{"start": a, "end": b} for a, b in p.spans])
        if path == "/test/secrets":
            with p.lock:
                return self.send_json(200, list(p.issued))
        if path == "/test/expire" and method == "POST":
            with p.lock:
                for login in p.logins.values():
                    login.expires = 0
            p.log("test_expire")
            return self.send_json(200, {"ok": True})
        if path == "/test/drop-streams" and method == "POST":
            n = p.rtsp.drop_clients()
            p.log("test_drop_streams", dropped=n)
            return self.send_json(200, {"dropped": n})
        if path == "/test/password" and method == "POST":
            p.password = body.get("password", "")
            p.log("test_password")
            return self.send_json(200, {"ok": True})
        self.send_json(404, {"code": 404})

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rtsp-port", type=int, default=0, help="0: a free port")
    ap.add_argument("--user", default="system")
    ap.add_argument("--password", default="admin123")
    ap.add_argument("--realm", default="DSS-REALM")
    ap.add_argument("--token-lifetime", type=int, default=30, help="login token duration, s")
    ap.add_argument("--media-token-lifetime", type=float, default=60.0,
                    help="s within which an RTSP token must be used")
    ap.add_argument("--login-mode", choices=["md5", "simple"], default="md5")
    ap.add_argument("--wrap-login", action="store_true", help="login answer inside {code, data}")
    ap.add_argument("--refuse-login", action="store_true", help="every login is refused")
    ap.add_argument("--span", action="append", help="archive span START:END (Unix s), repeatable")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if a.selftest:
        return selftest()
    if a.rtsp_port == 0:
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        a.rtsp_port = s.getsockname()[1]
        s.close()
    from dss_rtsp import RtspSide  # GStreamer only when serving
    platform = Platform(a)
    width, height = (int(v) for v in a.size.split("x"))
    platform.rtsp = RtspSide(platform, a.rtsp_port, width, height, a.fps)
    httpd = HttpServer(("127.0.0.1", a.port), Handler)
    httpd.platform = platform
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    platform.rtsp.run(lambda: print(f"READY {httpd.server_address[1]} {a.rtsp_port}", flush=True))


if __name__ == "__main__":
    main()
