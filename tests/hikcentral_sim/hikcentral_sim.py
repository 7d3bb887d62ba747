#!/usr/bin/python3
"""HikCentral Professional OpenAPI (Artemis gateway) simulator for Vigil's tests.

Speaks PROTOCOLS.md section 4: every /artemis call is POST + JSON, signed with AK/SK
(section 4.1) and verified with the simulator's own implementation (artemis_sign.py):
a wrong AppKey, a wrong secret (bad signature), a body changed after signing (its
Content-MD5 no longer matches) or a wrong Content-MD5 are refused with HTTP 401 and the
gateway codes 0x02401000 / 0x02401003 (a body without Content-MD5 is accepted, as the
gateway's header is optional; the call log says `body_signed: false`). Answers use the
envelope {"code": "0", "msg": "Success", "data": ...}.

Endpoints: common/v1/version; resource/v1/cameras (pageNo/pageSize paging, at most
--max-page per page); resource/v1/cameras/indexCode; video/v1/cameras/previewURLs (v1, v2);
video/v1/cameras/playbackURLs (list = the recorded segments of the window in
--segment-seconds pieces, times ISO 8601 with ms and the site zone's offset, uuid);
video/v1/download + video/v1/downloadURL (an MPEG-TS clip of the window, ready after one
poll) or, with --no-download, code "8" (product version not supported) for both;
video/v1/ptzs/controlling and video/v1/presets/searches|addition|deletion (logged).

RTSP (with the gi media side, /usr/bin/python3): URLs are rtsp://127.0.0.1:PORT/openUrl/<token>,
valid --token-ttl seconds (a wrong or expired token: 404 at DESCRIBE); live = wall clock VTC1,
playback = archive-time VTC1 from beginTime to endTime, then end of stream. --no-rtsp runs the
API alone (signing tests under any python3).

Test endpoints (no signature): GET /test/calls (the call log as JSON), GET /test/ptz,
GET /test/tokens (every issued token), GET /test/archive. --tls-cert/--tls-key serve HTTPS
(Python's ssl). Binds 127.0.0.1; prints "READY <port> <scheme> <rtsp_port> <plain_port>", the
last a plain-HTTP port with the same handler (for test clients without TLS).
"""
import argparse
import datetime as dt
import json
import os
import secrets
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import artemis_sign  # noqa: E402

PTZ_COMMANDS = {"LEFT", "RIGHT", "UP", "DOWN", "LEFT_UP", "LEFT_DOWN", "RIGHT_UP", "RIGHT_DOWN", "ZOOM_IN",
                "ZOOM_OUT", "FOCUS_NEAR", "FOCUS_FAR", "IRIS_ENLARGE", "IRIS_REDUCE", "GOTO_PRESET"}


class ApiError(Exception):
    def __init__(self, code, msg, status=200):
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


def iso(ms, tz):
    return dt.datetime.fromtimestamp(ms / 1000, tz).isoformat(timespec="milliseconds")


def parse_iso(raw, field):
    try:
        t = dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError("0x00072003", "%s: bad time format" % field)
    if t.tzinfo is None:
        raise ApiError("0x00072003", "%s: time without offset" % field)
    return int(round(t.timestamp() * 1000))


class Sim:
    def __init__(self, a):
        self.a = a
        self.tz = ZoneInfo(a.tz)
        self.lock = threading.Lock()
        self.calls, self.ptz, self.tokens = [], [], {}
        self.downloads = {}
        self.cameras = []
        ptz = {int(x) for x in a.ptz_cameras.split(",") if x}
        for i in range(1, a.cameras + 1):
            self.cameras.append({
                "cameraIndexCode": "%032x" % (0xC0FFEE00 + i),
                "cameraName": "Camera %d" % i,
                "capabilitySet": "io,record,vss" + (",ptz" if i in ptz else ""),
                "devResourceType": "encodeDevice", "devIndexCode": "dev%02d" % ((i + 1) // 2),
                "recordType": "0", "recordLocation": "0", "regionIndexCode": "root000000",
                "siteIndexCode": "0", "status": 1, "_n": i,
            })
        self.presets = {c["cameraIndexCode"]: [{"presetIndex": 1, "presetName": "Gate"},
                                                {"presetIndex": 2, "presetName": "Yard"}]
                        for c in self.cameras if "ptz" in c["capabilitySet"]}
        if a.archive:
            self.spans = sorted(tuple(int(v) for v in s.split(":")) for s in a.archive.split(","))
        else:
            now = int(time.time() * 1000) // 1000 * 1000
            self.spans = [(now - 3 * 3600_000, now - 2 * 3600_000), (now - 5400_000, now - 60_000)]
        self.media = None
        if not a.no_rtsp:
            import media
            w, h = (int(v) for v in a.size.split("x"))
            self.media = media.Media(a.rtsp_port, w, h, a.fps, a.codec)

    def log(self, **entry):
        entry["t"] = int(time.time() * 1000)
        with self.lock:
            self.calls.append(entry)

    def camera(self, body):
        code = body.get("cameraIndexCode")
        for c in self.cameras:
            if c["cameraIndexCode"] == code:
                return c
        raise ApiError("0x00072203", "resource not found")

    def public(self, c):
        return {k: v for k, v in c.items() if not k.startswith("_")}

    def issue(self, kind, cam, url_fn):
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens[token] = {"kind": kind, "camera": cam["cameraIndexCode"],
                                  "expires": time.time() + self.a.token_ttl}
        if self.media is None:
            return token, "rtsp://127.0.0.1:%d/openUrl/%s" % (self.a.rtsp_port, token)
        return token, url_fn(token)

    def valid_token(self, token):
        with self.lock:
            t = self.tokens.get(token)
        return t is not None and t["expires"] > time.time()

    def segments(self, begin, end):
        out, step = [], self.a.segment_seconds * 1000
        for s0, s1 in self.spans:
            t = s0
            while t < s1:
                e = min(s1, t + step)
                if e > begin and t < end:
                    out.append((t, e))
                t = e
        return out

    # ---------------------------------------------------------------- API
    def op_version(self, body):
        # "produceName" (sic) is what clients of the real server read
        return {"produceName": "HikCentral Professional", "softVersion": "V2.5.1 build20231201"}

    def op_cameras(self, body):
        page_no, page_size = body.get("pageNo"), body.get("pageSize")
        if not isinstance(page_no, int) or not isinstance(page_size, int):
            raise ApiError("0x00072001", "pageNo and pageSize are required")
        if page_no < 1 or not 1 <= page_size <= 500:
            raise ApiError("0x00072002", "pageNo or pageSize out of range")
        size = min(page_size, self.a.max_page)
        part = self.cameras[(page_no - 1) * size:page_no * size]
        return {"total": len(self.cameras), "pageNo": page_no, "pageSize": size,
                "list": [self.public(c) for c in part]}

    def op_camera(self, body):
        return self.public(self.camera(body))

    def op_preview(self, body):
        cam = self.camera(body)
        stream = body.get("streamType", 0)
        if stream not in (0, 1):
            raise ApiError("0x00072002", "streamType out of range")
        if body.get("protocol", "rtsp") != "rtsp":
            raise ApiError("2", "only protocol rtsp is simulated")
        _, url = self.issue("live", cam, lambda tok: self.media.live_url(tok, cam["_n"], stream, self.a.token_ttl))
        return {"url": url}

    def op_playback(self, body):
        cam = self.camera(body)
        if body.get("protocol", "rtsp") != "rtsp":
            raise ApiError("2", "only protocol rtsp is simulated")
        begin = parse_iso(body.get("beginTime"), "beginTime")
        end = parse_iso(body.get("endTime"), "endTime")
        if end <= begin:
            raise ApiError("0x00072002", "endTime before beginTime")
        segs = self.segments(begin, end)
        lst = [{"beginTime": iso(s, self.tz), "endTime": iso(e, self.tz), "size": (e - s) * 50,
                "lockType": 0} for s, e in segs]
        if not segs:
            return {"list": [], "uuid": str(uuid.uuid4()), "url": ""}
        spans = [(s, e) for s, e in self.spans]
        _, url = self.issue("playback", cam,
                            lambda tok: self.media.playback_url(tok, cam["_n"], begin, end, spans, self.a.token_ttl))
        return {"url": url, "list": lst, "uuid": str(uuid.uuid4())}

    def op_download(self, body):
        if self.a.no_download:
            raise ApiError("8", "product version not supported")
        url = body.get("url") or ""
        token = urlsplit(url).path.rsplit("/", 1)[-1]
        if not self.valid_token(token) or self.tokens[token]["kind"] != "playback":
            raise ApiError("9", "invalid token")
        if body.get("videoType") != 1:
            raise ApiError("0x00072002", "videoType must be 1")
        begin = parse_iso(body.get("beginTime"), "beginTime")
        end = parse_iso(body.get("endTime"), "endTime")
        cam = self.camera({"cameraIndexCode": self.tokens[token]["camera"]})
        did = uuid.uuid4().hex
        job = {"state": "running", "polls": 0, "file_token": secrets.token_hex(16), "path": None}
        with self.lock:
            self.downloads[did] = job

        def work():
            path = os.path.join(self.a.work_dir, did + ".ts")
            try:
                if self.media is None:
                    open(path, "wb").close()
                else:
                    self.media.write_clip(path, cam["_n"], begin, end, self.spans)
                job["path"], job["state"] = path, "done"
            except Exception as e:  # noqa: BLE001
                job["state"] = "failed: %s" % e

        threading.Thread(target=work, daemon=True).start()
        return {"downloadID": did}

    def op_download_url(self, body):
        if self.a.no_download:
            raise ApiError("8", "product version not supported")
        job = self.downloads.get(body.get("downloadID"))
        if job is None:
            raise ApiError("0x00072203", "download not found")
        job["polls"] += 1
        if job["state"].startswith("failed"):
            raise ApiError("192", "operation failed")
        if job["state"] != "done" or job["polls"] < 2:
            return {"downloadID": body["downloadID"], "progress": 50}
        scheme = "https" if self.a.tls_cert else "http"
        return {"downloadID": body["downloadID"], "progress": 100,
                "url": "%s://127.0.0.1:%d/download/%s.ts?token=%s" % (scheme, self.port, body["downloadID"],
                                                                      job["file_token"])}

    def op_ptz(self, body):
        cam = self.camera(body)
        if "ptz" not in cam["capabilitySet"]:
            raise ApiError("195", "device doesn't support")
        action, command = body.get("action"), body.get("command")
        if action not in (0, 1) or command not in PTZ_COMMANDS:
            raise ApiError("0x00072002", "action or command out of range")
        if command == "GOTO_PRESET" and not isinstance(body.get("presetIndex"), int):
            raise ApiError("0x00072001", "presetIndex is required")
        with self.lock:
            self.ptz.append({"t": int(time.time() * 1000), "camera": cam["cameraIndexCode"], "action": action,
                             "command": command, "speed": body.get("speed"), "presetIndex": body.get("presetIndex")})
        return None

    def op_presets(self, body):
        cam = self.camera(body)
        lst = self.presets.get(cam["cameraIndexCode"])
        if lst is None:
            raise ApiError("195", "device doesn't support")
        return {"total": len(lst), "list": lst}

    def op_preset_add(self, body):
        lst = self.op_presets(body)["list"]
        idx, name = body.get("presetIndex"), body.get("presetName", "")
        if not isinstance(idx, int) or not 1 <= idx <= 300:
            raise ApiError("0x00072002", "presetIndex out of range")
        lst[:] = [p for p in lst if p["presetIndex"] != idx] + [{"presetIndex": idx, "presetName": name}]
        lst.sort(key=lambda p: p["presetIndex"])
        return None

    def op_preset_del(self, body):
        lst = self.op_presets(body)["list"]
        lst[:] = [p for p in lst if p["presetIndex"] != body.get("presetIndex")]
        return None

    OPS = {
        "/artemis/api/common/v1/version": op_version,
        "/artemis/api/resource/v1/cameras": op_cameras,
        "/artemis/api/resource/v1/cameras/indexCode": op_camera,
        "/artemis/api/video/v1/cameras/previewURLs": op_preview,
        "/artemis/api/video/v2/cameras/previewURLs": op_preview,
        "/artemis/api/video/v1/cameras/playbackURLs": op_playback,
        "/artemis/api/video/v2/cameras/playbackURLs": op_playback,
        "/artemis/api/video/v1/download": op_download,
        "/artemis/api/video/v1/downloadURL": op_download_url,
        "/artemis/api/video/v1/ptzs/controlling": op_ptz,
        "/artemis/api/video/v1/presets/searches": op_presets,
        "/artemis/api/video/v1/presets/addition": op_preset_add,
        "/artemis/api/video/v1/presets/deletion": op_preset_del,
    }

    # ---------------------------------------------------------------- signature
    def verify(self, method, path, query, headers, body):
        """Returns (signed header names, body_signed); raises ApiError(401) on refusal."""
        key = headers.get("x-ca-key")
        if not key:
            raise ApiError("0x02401000", "no AppKey", 401)
        sig = headers.get("x-ca-signature")
        if not sig:
            raise ApiError("0x02401002", "no signature", 401)
        if key != self.a.app_key:
            raise ApiError("0x02401000", "unknown AppKey", 401)
        if "content-md5" in headers and headers["content-md5"] != artemis_sign.content_md5(body):
            raise ApiError("0x02401003", "Content-MD5 does not match the body", 401)
        signed = [n.strip().lower() for n in headers.get("x-ca-signature-headers", "").split(",") if n.strip()]
        params = artemis_sign.params_of(query, headers.get("content-type", ""), body)
        text = artemis_sign.string_to_sign(method, path, params, headers, signed)
        if artemis_sign.signature(self.a.app_secret, text) != sig:
            raise ApiError("0x02401003", "invalid signature", 401)
        if "x-ca-timestamp" in headers:
            try:
                skew = abs(int(headers["x-ca-timestamp"]) - time.time() * 1000)
            except ValueError:
                raise ApiError("0x02401003", "bad X-Ca-Timestamp", 401)
            if skew > 15 * 60_000:
                raise ApiError("0x02401003", "X-Ca-Timestamp too far from the server clock", 401)
        return signed, "content-md5" in headers or not body


class Handler(BaseHTTPRequestHandler):
    sim = None
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
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
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        sim, u = self.sim, urlsplit(self.path)
        if u.path == "/test/calls":
            return self.send_json(200, sim.calls)
        if u.path == "/test/ptz":
            return self.send_json(200, sim.ptz)
        if u.path == "/test/tokens":
            return self.send_json(200, sorted(sim.tokens) + [j["file_token"] for j in sim.downloads.values()])
        if u.path == "/test/archive":
            return self.send_json(200, {"spans": sim.spans, "tz": sim.a.tz})
        if u.path.startswith("/download/"):
            did = u.path[len("/download/"):].rsplit(".", 1)[0]
            job = sim.downloads.get(did)
            tok = dict(p.split("=", 1) for p in u.query.split("&") if "=" in p).get("token")
            if job is None or job["path"] is None or tok != job["file_token"]:
                sim.log(method="GET", path="/download/", ok=False)
                return self.send_json(404, {"code": "0x00072203", "msg": "not found"})
            raw = open(job["path"], "rb").read()
            sim.log(method="GET", path="/download/", ok=True, bytes=len(raw))
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
            return None
        self.send_json(404, {"code": "0x00072203", "msg": "not found"})

    def do_POST(self):
        sim, u = self.sim, urlsplit(self.path)
        body = self.body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = {"method": "POST", "path": u.path, "query": u.query, "sent": sorted(headers)}
        try:
            signed, body_signed = sim.verify("POST", u.path, u.query, headers, body)
            entry.update(signed=signed, body_signed=body_signed)
            op = Sim.OPS.get(u.path)
            if op is None:
                raise ApiError("0x02401004", "API not found", 404)
            try:
                req = json.loads(body or b"{}")
            except ValueError:
                raise ApiError("0x00072003", "body is not JSON")
            if not isinstance(req, dict):
                raise ApiError("0x00072003", "body is not a JSON object")
            entry["body"] = req
            data = op(sim, req)
        except ApiError as e:
            entry.update(ok=False, code=e.code, msg=e.msg)
            sim.log(**entry)
            return self.send_json(e.status, {"code": e.code, "msg": e.msg})
        entry.update(ok=True, code="0")
        sim.log(**entry)
        out = {"code": "0", "msg": "Success"}
        if data is not None:
            out["data"] = data
        self.send_json(200, out)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (ssl.SSLError, ConnectionError)):
            Handler.sim.log(method="TLS", error="%s: %s" % (type(e).__name__, e))
        else:
            super().handle_error(request, client_address)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rtsp-port", type=int, default=0)
    p.add_argument("--app-key", default="12345678")
    p.add_argument("--app-secret", default="abcdefghijklmnopqrst")
    p.add_argument("--cameras", type=int, default=3)
    p.add_argument("--ptz-cameras", default="1", help="comma list of camera numbers with PTZ")
    p.add_argument("--max-page", type=int, default=500, help="largest page the server answers")
    p.add_argument("--archive", default="", help="START_MS:END_MS[,...] recorded spans (every camera)")
    p.add_argument("--segment-seconds", type=int, default=600)
    p.add_argument("--tz", default="Asia/Shanghai", help="the server's zone (offsets in its times)")
    p.add_argument("--size", default="640x360")
    p.add_argument("--fps", type=int, default=10)
    p.add_argument("--codec", choices=["h264", "h265"], default="h264")
    p.add_argument("--token-ttl", type=float, default=300.0)
    p.add_argument("--no-download", action="store_true")
    p.add_argument("--no-rtsp", action="store_true")
    p.add_argument("--work-dir", default="")
    p.add_argument("--lifetime", type=float, default=900)
    p.add_argument("--tls-cert", default="")
    p.add_argument("--tls-key", default="")
    a = p.parse_args()
    if bool(a.tls_cert) != bool(a.tls_key):
        p.error("--tls-cert and --tls-key go together")
    if not a.work_dir:
        import tempfile
        a.work_dir = tempfile.mkdtemp(prefix="hikcentral-sim-")
    sim = Sim(a)
    if sim.media is not None:
        a.rtsp_port = sim.media.port
    Handler.sim = sim
    srv = Server(("127.0.0.1", a.port), Handler)
    sim.port = srv.server_port
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    # the same handler over plain HTTP on another port: test endpoints for
    # clients without TLS (the tests' own reqwest has none)
    plain = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    print("READY %d %s %d %d" % (srv.server_port, "https" if a.tls_cert else "http", a.rtsp_port,
                                 plain.server_port), flush=True)
    try:
        time.sleep(a.lifetime)
    except KeyboardInterrupt:
        pass
    srv.shutdown()


if __name__ == "__main__":
    sys.exit(main())
