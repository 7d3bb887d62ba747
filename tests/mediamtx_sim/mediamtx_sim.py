#!/usr/bin/env python3
# MediaMTX playback-server simulator for Vigil's tests (stdlib only).
#
# Simulates the playback server of MediaMTX (github.com/bluenviron/mediamtx at 3e09466, see
# /work/shared/PROTOCOLS.md section 7): api/playback.openapi.yaml, internal/playback/{server,on_list,
# on_get,segment_fmp4,muxer_fmp4,muxer_mp4}.go, internal/recordstore/{segment,path}.go, and the box
# layouts of mediacommon (fmp4/part.go, pmp4/presentation.go). Sibling modules: mp4box.py (box
# reader/writer), muxers.py (/get muxing), gotime.py (Go time/float formats), mpegts.py (--list-ts).
#
#   python3 tests/mediamtx_sim/mediamtx_sim.py --root DIR --port PORT [--tz Europe/Berlin]
#       [--user U --password P] [--concat-tolerance SECONDS] [--list-ts]
# Binds 127.0.0.1 only (--port 0 picks a free port), prints "listening 127.0.0.1:PORT" when ready,
# logs each request line to stderr, serves until killed.
#
# Recordings: ROOT/<path>/<YYYY-MM-DD_HH-MM-SS-ffffff>.mp4 (or .ts), names in civil time of --tz
# (MediaMTX's recordPath default "%path/%Y-%m-%d_%H-%M-%S-%f" with time.Local = --tz).
# A path whose directory holds .mp4 segments is fMP4; one holding only .ts segments is MPEG-TS.
#
# Behaviour (as upstream unless marked SIM):
# - Errors are JSON {"status":"error","error":"..."}. Order of checks: path name (400) -> auth (401)
#   -> params (400) -> segments (404 none; 400 when ROOT/<path> does not exist, as Go's WalkDir fails).
# - Auth (--user/--password): no credentials -> 401 + WWW-Authenticate: Basic realm="mediamtx";
#   wrong credentials -> 401 without that header (SIM: upstream also sleeps 0-4 s first).
#   "Authorization: Bearer user:pass" is accepted too.
# - Segment durations: mvhd duration if non-zero, else from the last moof: tfdt + sum(durations).
# - Concatenation: same tracks (id, timescale, codec) and next.start within +-tolerance of prev.end.
#   Tolerance = 1 s (segment_fmp4.go concatenationTolerance); --concat-tolerance changes it.
# - GET /list?path&start&end: merged timespans; start/end clip the first/last entry; entries keep the
#   offset they came from (segment times in --tz's offset, a clipped start in the query's offset),
#   RFC3339Nano; duration is a JSON float in seconds; url = http://<Host>/get?duration=&path=&start=.
#   MPEG-TS path -> 500 "MPEG-TS format is not supported yet" (SIM: --list-ts lists them instead,
#   durations from PES PTS).
# - GET /get?path&start&duration[&format=fmp4|mp4]: duration is seconds (float) or a Go duration
#   ("1m30s"). Starts from the GOP containing `start`; sample dts = file-name time + tfdt - start;
#   stops before the first sample with dts >= duration and at the first non-concatenable segment.
#   format=fmp4 (default): first segment's ftyp+moov (SIM: passed through; upstream re-marshals it),
#   then moof+mdat parts of >= 1 s; pre-roll samples (dts < 0, from the IDR before `start`) get
#   duration 0 and keep their cts, so they share the first part's tfdt = dts of the first visible
#   sample; trun v1 with explicit duration/size/flags/cts (SIM: upstream omits all-default columns).
#   format=mp4: progressive MP4 (ftyp isom, moov with stts/stss/ctts/stsc/stsz/stco, mdat); pre-roll
#   keeps real durations and an edit list hides it. MPEG-TS path -> 400 "MPEG-TS format is not
#   supported yet". Headers Accept-Ranges: none, Content-Type: video/mp4; body chunked; 404 when no
#   sample falls in the span.
# - SIM: missing trun columns are taken from tfhd/trex defaults (FFmpeg fixtures need it; see mp4box.py).
# - Not simulated: mtxi-based concatenation of MediaMTX's own segments, CORS, other routes (404).
import argparse
import base64
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

sys.dont_write_bytecode = True  # keep tests/mediamtx_sim free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gotime import NS, format_rfc3339nano, go_float, go_seconds, parse_duration, parse_rfc3339, segment_time  # noqa: E402
from mp4box import read_duration_from_parts, read_init  # noqa: E402
from muxers import FMP4Muxer, MP4Muxer, NoSegmentsFound, can_concatenate, seek_and_mux  # noqa: E402

SEGMENT_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})-(\d{6})\.(mp4|ts)")
PATH_RE = re.compile(r"[0-9a-zA-Z_\-/.]+")
NOT_SUPPORTED = "MPEG-TS format is not supported yet"
NO_SEGMENTS = "no recording segments found"


class HTTPError(Exception):
    def __init__(self, status, msg):
        super().__init__(msg)
        self.status = status


# ---------------------------------------------------------------- recordings on disk

def check_path_name(name):
    """conf.IsValidPathName."""
    err = None
    if name == "":
        err = "cannot be empty"
    elif name[0] == "/":
        err = "can't begin with a slash"
    elif name[-1] == "/":
        err = "can't end with a slash"
    elif not PATH_RE.fullmatch(name):
        err = "can contain only alphanumeric characters, underscore, dot, minus, slash"
    elif any(p in (".", "..") for p in name.split("/")):
        err = "can't contain dot path segments"
    if err:
        raise HTTPError(400, "invalid path name: %s (%s)" % (err, name))


def find_segments(cfg, path, start, end):
    """recordstore.FindSegments. Returns (format, [(file, (ns, off))]) sorted by start."""
    d = os.path.abspath(os.path.join(cfg.root, path))
    try:
        names = os.listdir(d)
    except FileNotFoundError:
        raise HTTPError(400, "lstat %s: no such file or directory" % d)
    except NotADirectoryError:
        names = []
    found = {"mp4": [], "ts": []}
    for n in names:
        m = SEGMENT_RE.fullmatch(n)
        if m and os.path.isfile(os.path.join(d, n)):
            try:
                found[m.group(8)].append((os.path.join(d, n), segment_time(m, cfg.tz)))
            except ValueError:
                continue
    fmt = "mp4" if found["mp4"] or not found["ts"] else "ts"
    segs = sorted((s for s in found[fmt] if end is None or s[1][0] <= end[0]), key=lambda s: s[1][0])
    if not segs:
        raise HTTPError(404, NO_SEGMENTS)
    if start is not None and start[0] >= segs[0][1][0]:
        for i in range(len(segs) - 1):
            if segs[i][1][0] <= start[0] < segs[i + 1][1][0]:
                return fmt, segs[i:]
        if segs[-1][1][0] > start[0]:
            raise HTTPError(404, NO_SEGMENTS)
        segs = segs[-1:]
    return fmt, segs


def parse_segment(fmt, fpath):
    """(init or None, duration ns) of one segment (on_list.go parseSegment)."""
    if fmt == "ts":
        from mpegts import ts_duration_ns
        return None, ts_duration_ns(fpath)
    with open(fpath, "rb") as f:
        init = read_init(f)
        return init, init.duration_ns or read_duration_from_parts(f, init)


def list_entries(cfg, fmt, segs, start, end):
    """parseAndConcatenate + the start/end clipping of onList. Returns [[start, duration_ns]]."""
    if fmt == "ts" and not cfg.list_ts:
        raise HTTPError(500, NOT_SUPPORTED)
    out, prev_init = [], None
    for fpath, seg_start in segs:
        try:
            init, dur = parse_segment(fmt, fpath)
        except Exception as e:  # parse errors -> 500, as upstream
            raise HTTPError(500, str(e))
        concat = False
        if out:
            prev_end = out[-1][0][0] + out[-1][1]
            if init is None:
                concat = abs(seg_start[0] - prev_end) <= cfg.tolerance_ns
            else:
                concat = can_concatenate(prev_init, prev_end, init, seg_start[0], cfg.tolerance_ns)
        if concat:
            out[-1][1] = seg_start[0] + dur - out[-1][0][0]
        else:
            out.append([seg_start, dur])
        prev_init = init
    if start is not None:
        first = out[0]
        if first[0][0] + first[1] < start[0]:
            out = out[1:]
            if not out:
                raise HTTPError(404, NO_SEGMENTS)
        elif first[0][0] < start[0]:
            first[1] -= start[0] - first[0][0]
            first[0] = start
    if end is not None and out[-1][0][0] + out[-1][1] > end[0]:
        out[-1][1] = end[0] - out[-1][0][0]
    return out


# ---------------------------------------------------------------- HTTP

def go_json(obj_text):
    """encoding/json escapes <, > and & inside strings."""
    return obj_text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "mediamtx"

    def send_body(self, status, body, ctype, extra=()):
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_error_json(self, status, msg, extra=()):
        body = go_json(json.dumps({"status": "error", "error": msg}, separators=(",", ":"), ensure_ascii=False))
        self.log_message("error %d: %s", status, msg)
        self.send_body(status, body.encode(), "application/json; charset=utf-8", extra)

    def not_found(self):
        self.send_body(404, b"404 page not found", "text/plain")

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = not_found

    def do_GET(self):
        u = urlsplit(self.path)
        route = {"/list": self.on_list, "/get": self.on_get}.get(u.path)
        if route is None:
            return self.not_found()
        q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        try:
            check_path_name(q.get("path", ""))
            self.check_auth()
            route(q)
        except HTTPError as e:
            extra = [("WWW-Authenticate", 'Basic realm="mediamtx"')] if e.status == 401 and e.args[0] == "ask" else ()
            self.send_error_json(e.status, "authentication error" if e.status == 401 else str(e), extra)

    def check_auth(self):
        cfg = self.server.cfg
        if cfg.user is None:
            return
        user = pw = token = ""
        for h in self.headers.get_all("Authorization") or []:
            if h.startswith("Bearer "):
                parts = h[7:].split(":")
                if len(parts) == 2:
                    user, pw = parts
                else:
                    token = h[7:]
                break
        else:
            h = self.headers.get("Authorization", "")
            if h[:6].lower() == "basic ":
                try:
                    user, _, pw = base64.b64decode(h[6:], validate=True).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    user = pw = ""
        if (user, pw) == (cfg.user, cfg.password) and not token:
            return
        raise HTTPError(401, "ask" if not (user or pw or token) else "wrong")

    def query_time(self, q, key, required):
        raw = q.get(key, "")
        if raw == "" and not required:
            return None
        try:
            return parse_rfc3339(raw)
        except ValueError as e:
            raise HTTPError(400, "invalid %s: %s" % (key, e))

    def on_list(self, q):
        cfg, path = self.server.cfg, q["path"]
        start, end = self.query_time(q, "start", False), self.query_time(q, "end", False)
        fmt, segs = find_segments(cfg, path, start, end)
        entries = list_entries(cfg, fmt, segs, start, end)
        items = []
        for st, dur in entries:
            url = "http://%s/get?%s" % (self.headers.get("Host", ""), urlencode(
                [("duration", go_float(go_seconds(dur), False)), ("path", path), ("start", format_rfc3339nano(st))]))
            items.append('{"start":%s,"duration":%s,"url":%s}' % (
                json.dumps(format_rfc3339nano(st)), go_float(go_seconds(dur), True), json.dumps(url)))
        body = go_json("[" + ",".join(items) + "]").encode()
        self.send_body(200, body, "application/json; charset=utf-8")

    def on_get(self, q):
        cfg, path = self.server.cfg, q["path"]
        start = self.query_time(q, "start", True)
        try:
            duration = parse_duration(q.get("duration", ""))
        except ValueError as e:
            raise HTTPError(400, "invalid duration: %s" % e)
        fmt = q.get("format", "")
        if fmt not in ("", "fmp4", "mp4"):
            raise HTTPError(400, "invalid format: %s" % fmt)
        ftype, segs = find_segments(cfg, path, start, (start[0] + duration, 0))
        if ftype == "ts":
            raise HTTPError(400, NOT_SUPPORTED)
        out = BodyWriter(self)
        mux = MP4Muxer(out) if fmt == "mp4" else FMP4Muxer(out)
        try:
            seek_and_mux([(f, s[0]) for f, s in segs], start[0], duration, mux, cfg.tolerance_ns)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        except Exception as e:
            if not out.started:
                raise HTTPError(404 if isinstance(e, NoSegmentsFound) else 400,
                                NO_SEGMENTS if isinstance(e, NoSegmentsFound) else str(e))
            self.log_message("error after headers, aborting: %s", e)
            self.close_connection = True
            return
        out.finish()


class BodyWriter:
    """Sends 200 + headers on the first write, then the body chunked (HTTP/1.1) or raw (HTTP/1.0)."""

    def __init__(self, h):
        self.h, self.started = h, False
        self.chunked = h.request_version == "HTTP/1.1"

    def __call__(self, data):
        h = self.h
        if not self.started:
            self.started = True
            h.send_response(200)
            h.send_header("Accept-Ranges", "none")
            h.send_header("Content-Type", "video/mp4")
            if self.chunked:
                h.send_header("Transfer-Encoding", "chunked")
            else:
                h.close_connection = True
            h.end_headers()
        if data:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data)

    def finish(self):
        if self.chunked:
            self.h.wfile.write(b"0\r\n\r\n")


def main():
    ap = argparse.ArgumentParser(description="MediaMTX playback server simulator")
    ap.add_argument("--root", required=True, help="recordings directory: ROOT/<path>/<segment>")
    ap.add_argument("--port", type=int, required=True, help="TCP port on 127.0.0.1 (0 = any free port)")
    ap.add_argument("--tz", default="UTC", help="IANA zone of the segment names (default UTC)")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--concat-tolerance", type=float, default=1.0,
                    help="seconds; segments whose start is within this of the previous end are merged (default 1)")
    ap.add_argument("--list-ts", action="store_true", help="list MPEG-TS segments instead of answering 500")
    a = ap.parse_args()
    if (a.user is None) != (a.password is None):
        ap.error("--user and --password go together")
    a.tz = ZoneInfo(a.tz)
    a.tolerance_ns = int(a.concat_tolerance * NS)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.cfg = a
    print("listening 127.0.0.1:%d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
