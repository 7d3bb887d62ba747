#!/usr/bin/python3
"""Hikvision ISAPI device simulator (camera or NVR) for Vigil's tests.

Written from /work/shared/PROTOCOLS.md section 3 (ISAPI + RTSP) and 3.8, section 2 (RTSP playback).
Standard library plus Debian's python3-gi GStreamer RTSP server (run with /usr/bin/python3) and the
ffmpeg CLI (recordings, clips and snapshots are encoded on request).

HTTP (digest auth, MD5, qop=auth; Basic refused unless --allow-basic):
  GET  /ISAPI/System/deviceInfo                      DeviceInfo
  GET  /ISAPI/System/time                            Time (localTime, timeZone POSIX-like, inverted sign)
  GET  /ISAPI/Streaming/channels                     StreamingChannelList (id = channel*100+stream)
  GET  /ISAPI/Streaming/channels/<ID>/picture        JPEG, VTC1 of now
  GET  /ISAPI/PTZCtrl/channels/<ch>/capabilities     PTZChanelCap (403 notSupport without PTZ)
  PUT  /ISAPI/PTZCtrl/channels/<ch>/continuous|momentary|presets/<id>[/goto]|homeposition[/goto]
  GET  /ISAPI/PTZCtrl/channels/<ch>/presets
  POST|GET /ISAPI/ContentMgmt/search                 CMSearchResult, paging by searchResultPostion
  POST /ISAPI/ContentMgmt/record/tracks/<ID>/dailyDistribution
  GET|POST /ISAPI/ContentMgmt/download               MP4 of the playbackURI's window, VTC1 = archive time
Test endpoints (no auth): GET /test/calls (JSON list), GET /test/archive (JSON), POST /test/reset.
RTSP (digest): live /Streaming/Channels/<ID> (also /ISAPI/Streaming/channels/<ID>): VTC1 of the wall
clock; playback /Streaming/tracks/<ID>/?starttime=&endtime= : the window encoded as it is sent (paced at
1x by the server), VTC1 = archive time, npt 0 = starttime (or the next segment's start); GStreamer states
a=range:npt=0-, not clock=.

Time modes (--time-mode): utc (times in UTC with Z), offset (device local time with +hh:mm), local-z
(firmware that writes and reads device local time with a Z suffix, also in /ISAPI/System/time and the
RTSP starttime/endtime).
Prints "READY <http port> <rtsp port>" when listening on 127.0.0.1.
"""
import argparse
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

NS_ISAPI = "http://www.isapi.org/ver20/XMLSchema"
NS_HIK = "http://www.hikvision.com/ver20/XMLSchema"
REALM = "IP Camera(C2183)"
FPS = 10
REC_SIZE = (320, 180)
LIVE_SIZES = {1: (640, 360), 2: (320, 180)}

# ------------------------------------------------------------------ VTC1 (TIMECODE.md)
SYNC, CELLS = 0b10110010, 64


def crc8(data):
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def vtc1_strip(width, ms):
    """GRAY8 rows of the VTC1 strip (width x cell)."""
    ts = int(ms).to_bytes(6, "big")
    word = (SYNC << 56) | (int.from_bytes(ts, "big") << 8) | crc8(ts)
    cell = width // CELLS
    row = bytearray(width)
    for i in range(CELLS):
        if (word >> (63 - i)) & 1:
            row[i * cell:(i + 1) * cell] = b"\xff" * cell
    return bytes(row) * cell


def gray_frame(width, height, ms, shade=64):
    strip = vtc1_strip(width, ms)
    rest = height - len(strip) // width
    # a moving bar below the strip, for people
    x = (ms // 100 * 4) % width
    row = bytearray([shade]) * width
    row[x:x + 16] = b"\xc8" * len(row[x:x + 16])
    return strip + bytes(row) * rest


# ------------------------------------------------------------------ time handling
class Clock:
    def __init__(self, a):
        self.mode = a.time_mode
        self.zone = ZoneInfo(a.tz)
        self.posix = a.posix_tz

    def local(self, ms):
        return dt.datetime.fromtimestamp(ms / 1000, self.zone)

    def fmt(self, ms):
        """A time as this device writes it in XML."""
        if self.mode == "utc":
            return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        t = self.local(ms)
        if self.mode == "local-z":
            return t.strftime("%Y-%m-%dT%H:%M:%SZ")
        off = t.utcoffset()
        sign = "-" if off < dt.timedelta(0) else "+"
        mins = abs(int(off.total_seconds())) // 60
        return t.strftime("%Y-%m-%dT%H:%M:%S") + "%s%02d:%02d" % (sign, mins // 60, mins % 60)

    def compact(self, ms):
        """A time in a playbackURI (YYYYMMDDThhmmssZ; local with Z in local-z mode)."""
        if self.mode == "local-z":
            return self.local(ms).strftime("%Y%m%dT%H%M%SZ")
        return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    def parse(self, s):
        """A time from a request: Z = UTC (local in local-z mode), or with an offset."""
        s = s.strip()
        m = re.fullmatch(r"(\d{4})-?(\d\d)-?(\d\d)T(\d\d):?(\d\d):?(\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?", s)
        if not m:
            raise ValueError("bad time %r" % s)
        y, mo, d, h, mi, se = (int(m.group(i)) for i in range(1, 7))
        frac = float(m.group(7) or 0)
        tz = m.group(8)
        naive = dt.datetime(y, mo, d, h, mi, se)
        if tz is None or (tz == "Z" and self.mode == "local-z"):
            t = naive.replace(tzinfo=self.zone)
        elif tz == "Z":
            t = naive.replace(tzinfo=dt.timezone.utc)
        else:
            sign = -1 if tz[0] == "-" else 1
            hh, mm = int(tz[1:3]), int(tz[-2:])
            t = naive.replace(tzinfo=dt.timezone(sign * dt.timedelta(hours=hh, minutes=mm)))
        return int(round((t.timestamp() + frac) * 1000))


# ------------------------------------------------------------------ the device
class Device:
    def __init__(self, a):
        self.a = a
        self.clock = Clock(a)
        self.lock = threading.Lock()
        self.calls = []
        self.nonces = {}
        self.searches = {}  # searchID -> set of positions already repeated
        self.presets = {ch: {1: "Gate", 2: "Yard"} for ch in a.ptz_channels}
        self.tmp = tempfile.mkdtemp(prefix="hiksim-")
        self.segments = self.make_archive()
        self.rtsp_port = a.rtsp_port

    def make_archive(self):
        a = self.a
        if a.archive_start:
            start = int(a.archive_start) if a.archive_start.isdigit() else int(
                dt.datetime.fromisoformat(a.archive_start.replace("Z", "+00:00")).timestamp() * 1000)
        else:
            now = int(time.time() * 1000)
            span = a.segments * (a.seg_len + a.gap) * 1000
            start = (now - span - 600_000) // 60_000 * 60_000
        segs, t = [], start
        for _ in range(a.segments):
            segs.append((t, t + a.seg_len * 1000))
            t += (a.seg_len + a.gap) * 1000
        return segs

    def log(self, **kw):
        kw["t"] = round(time.time(), 3)
        with self.lock:
            self.calls.append(kw)

    def ns(self):
        return NS_HIK if self.a.xmlns == "hik" else NS_ISAPI

    def channels(self):
        return list(range(1, self.a.channels + 1))

    # ---- digest
    def challenge(self, stale=False):
        nonce = secrets.token_hex(16)
        with self.lock:
            self.nonces[nonce] = 0
        return 'Digest qop="auth", realm="%s", nonce="%s", stale="%s"' % (REALM, nonce, "TRUE" if stale else "FALSE")

    def check_auth(self, header, method):
        """None if authorised, else (reason, stale)."""
        if not header:
            return ("no credentials", False)
        if header.startswith("Basic "):
            import base64
            if not self.a.allow_basic:
                return ("basic refused", False)
            user, _, pw = base64.b64decode(header[6:]).decode().partition(":")
            return None if (user, pw) == (self.a.user, self.a.password) else ("wrong basic credentials", False)
        if not header.startswith("Digest "):
            return ("unknown scheme", False)
        f = {k: v1 or v2 for k, v1, v2 in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', header[7:])}
        with self.lock:
            known = f.get("nonce") in self.nonces
        if not known:
            return ("unknown nonce", True)
        if f.get("username") != self.a.user or f.get("realm") != REALM:
            return ("wrong user", False)
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731
        ha1 = md5("%s:%s:%s" % (self.a.user, REALM, self.a.password))
        ha2 = md5("%s:%s" % (method, f.get("uri", "")))
        if f.get("qop"):
            want = md5(":".join([ha1, f["nonce"], f.get("nc", ""), f.get("cnonce", ""), f["qop"], ha2]))
        else:
            want = md5(":".join([ha1, f["nonce"], ha2]))
        if want != f.get("response"):
            return ("wrong password", False)
        return None

    # ---- archive
    def in_archive(self, a, b):
        return [(s, e) for s, e in self.segments if s < b and e > a]

    def window_segment(self, t):
        """The segment holding t, or the next one."""
        for s, e in self.segments:
            if t < e:
                return (max(s, t), e)
        return None

    def encode(self, start_ms, end_ms, size, path, inclusive=False):
        """An MP4 of archive time [start, end) (or [start, end]) at FPS, VTC1 = archive time."""
        w, h = size
        n = max(1, (end_ms - start_ms) * FPS // 1000 + (1 if inclusive else 0))
        cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt",
               "gray", "-s", "%dx%d" % (w, h), "-r", str(FPS), "-i", "-", "-c:v", "libx264", "-preset",
               "ultrafast", "-g", str(FPS), "-bf", "0", "-pix_fmt", "yuv420p", "-movflags", "+faststart", path]
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE)
        try:
            for i in range(n):
                p.stdin.write(gray_frame(w, h, start_ms + i * 1000 // FPS))
            p.stdin.close()
        except BrokenPipeError:
            pass
        if p.wait() != 0:
            raise RuntimeError("ffmpeg failed")
        return n

    def jpeg(self, ms, size):
        w, h = size
        cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "gray",
               "-s", "%dx%d" % (w, h), "-i", "-", "-frames:v", "1", "-q:v", "2", "-f", "mjpeg", "-"]
        return subprocess.run(cmd, input=gray_frame(w, h, ms), stdout=subprocess.PIPE, check=True).stdout

    def playback_window(self, query):
        """[start, end) in UTC ms of a playbackURI's / RTSP URL's query."""
        q = urllib.parse.parse_qs(query)
        if "starttime" not in q or "endtime" not in q:
            raise ValueError("starttime and endtime are required")
        return self.clock.parse(q["starttime"][0]), self.clock.parse(q["endtime"][0])


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def local(tag):
    return tag.rsplit("}", 1)[-1]


def find(el, *names):
    """The first descendant named one of names (any namespace)."""
    for e in el.iter():
        if local(e.tag) in names:
            return e
    return None


def text(el, *names, default=None):
    e = find(el, *names)
    return e.text.strip() if e is not None and e.text is not None else default


# ------------------------------------------------------------------ HTTP
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    dev = None  # set in main

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="application/xml; charset=\"UTF-8\"", headers=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def status(self, http, code, string, sub, error_code=None):
        ns = self.dev.ns()
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<ResponseStatus version="2.0" xmlns="%s">'
                "<requestURL>%s</requestURL><statusCode>%d</statusCode><statusString>%s</statusString>"
                "<subStatusCode>%s</subStatusCode>%s</ResponseStatus>"
                % (ns, esc(self.path), code, string, sub,
                   "<errorCode>%d</errorCode>" % error_code if error_code else ""))
        self.send(http, body)

    def ok(self):
        self.status(200, 1, "OK", "ok")

    def not_support(self):
        self.status(403, 4, "Invalid Operation", "notSupport", 1073741825)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def xml(self, inner_tag, inner, attrs=""):
        return '<?xml version="1.0" encoding="UTF-8"?>\n<%s version="2.0" xmlns="%s"%s>%s</%s>' % (
            inner_tag, self.dev.ns(), attrs, inner, inner_tag)

    def handle_any(self):
        d = self.dev
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        raw = self.body()
        if path.startswith("/test/"):
            return self.test_endpoint(path)
        denied = d.check_auth(self.headers.get("Authorization"), self.command)
        if denied:
            d.log(op="auth", method=self.command, path=path, result=denied[0])
            return self.send(401, self.xml("userCheck", "<statusValue>401</statusValue><statusString>Unauthorized"
                                           "</statusString>"),
                             headers=[("WWW-Authenticate", d.challenge(stale=denied[1]))])
        entry = {"op": path, "method": self.command, "path": path, "query": url.query}
        if raw:
            entry["body"] = raw.decode("utf-8", "replace")[:4000]
        d.log(**entry)
        if any(path.startswith(p) for p in d.a.not_support):
            return self.not_support()
        try:
            return self.route(path, url.query, raw)
        except ET.ParseError as e:
            d.log(op="error", path=path, error="xml: %s" % e)
            return self.status(400, 5, "Invalid XML Format", "badXmlFormat")
        except ValueError as e:
            d.log(op="error", path=path, error=str(e))
            return self.status(400, 6, "Invalid XML Content", "badXmlContent")

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def test_endpoint(self, path):
        d = self.dev
        if path == "/test/calls":
            with d.lock:
                return self.send(200, json.dumps(d.calls), "application/json")
        if path == "/test/archive":
            return self.send(200, json.dumps({
                "segments": d.segments, "tz": d.a.tz, "posix_tz": d.a.posix_tz, "time_mode": d.a.time_mode,
                "rtsp_port": d.rtsp_port, "channels": d.channels(), "fps": FPS}), "application/json")
        if path == "/test/reset":
            with d.lock:
                d.calls.clear()
            return self.send(200, "{}", "application/json")
        return self.send(404, "no such test endpoint", "text/plain")

    def route(self, path, query, raw):
        d, m = self.dev, self.command
        p = path.rstrip("/")
        if p == "/ISAPI/System/deviceInfo" and m == "GET":
            return self.send(200, self.xml("DeviceInfo", (
                "<deviceName>%s</deviceName><deviceID>sim-0001</deviceID><model>%s</model>"
                "<serialNumber>DS-SIM0001</serialNumber><macAddress>00:00:5e:00:53:01</macAddress>"
                "<firmwareVersion>V4.30.000</firmwareVersion><firmwareReleasedDate>build 200101</firmwareReleasedDate>"
                "<deviceType>%s</deviceType>") % (esc(d.a.name), esc(d.a.model), "NVR" if d.a.channels > 1 else "IPCamera")))
        if p == "/ISAPI/System/time" and m == "GET":
            now = int(time.time() * 1000)
            return self.send(200, self.xml("Time", "<timeMode>NTP</timeMode><localTime>%s</localTime>"
                                                   "<timeZone>%s</timeZone>" % (d.clock.fmt_local_time(now), esc(d.a.posix_tz))))
        if p in ("/ISAPI/Streaming/channels", "/ISAPI/Streaming/Channels") and m == "GET":
            return self.send(200, self.xml("StreamingChannelList", "".join(self.channel_xml(ch, st)
                                                                            for ch in d.channels() for st in (1, 2))))
        mm = re.fullmatch(r"/ISAPI/Streaming/channels/(\d+)/picture", p, re.I) or \
            re.fullmatch(r"/Streaming/channels/(\d+)/picture", p, re.I)
        if mm and m == "GET":
            sid = int(mm.group(1))
            if sid // 100 not in d.channels():
                return self.status(404, 4, "Invalid Operation", "invalidID")
            return self.send(200, d.jpeg(int(time.time() * 1000), LIVE_SIZES.get(sid % 100, (320, 180))), "image/jpeg")
        mm = re.fullmatch(r"/ISAPI/PTZCtrl/channels/(\d+)/(.+)", p)
        if mm:
            return self.ptz(int(mm.group(1)), mm.group(2), raw)
        if p == "/ISAPI/ContentMgmt/search" and m in ("POST", "GET"):
            return self.search(raw)
        mm = re.fullmatch(r"/ISAPI/ContentMgmt/record/tracks/(\d+)/dailyDistribution", p)
        if mm and m in ("POST", "GET"):
            return self.daily(int(mm.group(1)), raw)
        if p == "/ISAPI/ContentMgmt/download" and m in ("POST", "GET"):
            return self.download(raw)
        return self.status(404, 4, "Invalid Operation", "notSupport")

    def channel_xml(self, ch, st):
        w, h = LIVE_SIZES[st]
        sid = ch * 100 + st
        return ("<StreamingChannel><id>%d</id><channelName>%s</channelName><enabled>true</enabled>"
                "<Transport><maxPacketSize>1000</maxPacketSize><ControlProtocolList><ControlProtocol>"
                "<streamingTransport>RTSP</streamingTransport></ControlProtocol></ControlProtocolList>"
                "<rtspPortNo>%d</rtspPortNo></Transport>"
                "<Video><enabled>true</enabled><videoInputChannelID>%d</videoInputChannelID>"
                "<videoCodecType>%s</videoCodecType><videoScanType>progressive</videoScanType>"
                "<videoResolutionWidth>%d</videoResolutionWidth><videoResolutionHeight>%d</videoResolutionHeight>"
                "<maxFrameRate>%d</maxFrameRate></Video></StreamingChannel>"
                % (sid, esc("%s %02d" % (self.dev.a.channel_name, ch)), self.dev.rtsp_port, ch, "H.264", w, h,
                   FPS * 100))

    # ---- PTZ
    def ptz(self, ch, rest, raw):
        d, m = self.dev, self.command
        if ch not in d.a.ptz_channels or ch not in d.channels():
            return self.not_support()
        if rest == "capabilities" and m == "GET":
            rng = "<XRange><Min>-100</Min><Max>100</Max></XRange><YRange><Min>-100</Min><Max>100</Max></YRange>"
            return self.send(200, self.xml("PTZChanelCap", (
                "<ContinuousPanTiltSpace><URI>ContinuousPanTiltSpace</URI>%s</ContinuousPanTiltSpace>"
                "<ContinuousZoomSpace><URI>ContinuousZoomSpace</URI><ZRange><Min>-100</Min><Max>100</Max></ZRange>"
                "</ContinuousZoomSpace><maxPresetNum>256</maxPresetNum><isSupportPosition3D>false</isSupportPosition3D>"
                "<isSupportHomePosition>true</isSupportHomePosition>"
                "<MomentaryPanTiltSpace><URI>MomentaryPanTiltSpace</URI>%s</MomentaryPanTiltSpace>") % (rng, rng)))
        if rest in ("continuous", "momentary") and m == "PUT":
            x = ET.fromstring(raw)
            vals = {k: int(text(x, k, default="0") or 0) for k in ("pan", "tilt", "zoom")}
            if any(abs(v) > 100 for v in vals.values()):
                return self.status(400, 6, "Invalid XML Content", "badParameters")
            entry = dict(op="ptz." + rest, channel=ch, **vals)
            if rest == "momentary":
                entry["duration"] = int(text(x, "duration", default="0") or 0)
            d.log(**entry)
            return self.ok()
        if rest == "presets" and m == "GET":
            items = "".join("<PTZPreset><enabled>true</enabled><id>%d</id><presetName>%s</presetName></PTZPreset>"
                            % (i, esc(n)) for i, n in sorted(d.presets[ch].items()))
            return self.send(200, self.xml("PTZPresetList", items))
        mm = re.fullmatch(r"presets/(\d+)(/goto)?", rest)
        if mm and m == "PUT":
            pid = int(mm.group(1))
            if mm.group(2):
                if pid not in d.presets[ch]:
                    return self.status(400, 6, "Invalid XML Content", "badParameters")
                d.log(op="ptz.goto", channel=ch, preset=pid)
                return self.ok()
            x = ET.fromstring(raw)
            d.presets[ch][pid] = text(x, "presetName", default="Preset %d" % pid)
            d.log(op="ptz.set_preset", channel=ch, preset=pid, name=d.presets[ch][pid])
            return self.ok()
        if rest.lower() in ("homeposition/goto",) and m == "PUT":
            d.log(op="ptz.home", channel=ch)
            return self.ok()
        if rest.lower() == "homeposition" and m == "PUT":
            d.log(op="ptz.set_home", channel=ch)
            return self.ok()
        return self.not_support()

    # ---- recordings
    def search(self, raw):
        d = self.dev
        x = ET.fromstring(raw)
        sid = text(x, "searchID", default="")
        if find(x, "searchResultPosition") is not None:
            raise ValueError("searchResultPosition is spelt searchResultPostion on this firmware")
        pos = int(text(x, "searchResultPostion", default="0"))
        maxr = max(1, min(int(text(x, "maxResults", default="40")), d.a.page_cap))
        track = int(text(x, "trackID", default="101"))
        if track // 100 not in d.channels():
            return self.status(400, 6, "Invalid XML Content", "badParameters")
        start = d.clock.parse(text(x, "startTime"))
        end = d.clock.parse(text(x, "endTime"))
        found = d.in_archive(start, end)
        shown = pos
        if d.a.repeat_page and pos > 0:
            with d.lock:
                done = d.searches.setdefault(sid, set())
                if pos not in done:
                    done.add(pos)
                    shown = max(0, pos - maxr)  # the device answers the previous page again
        page = found[shown:shown + maxr]
        more = shown + len(page) < len(found)
        d.log(op="search.page", searchID=sid, position=pos, served_from=shown, count=len(page), total=len(found))
        status = "MORE" if more else ("OK" if page else "NO MATCHES")
        items = []
        for s, e in page:
            name = "%017d" % (s // 1000)
            uri = "rtsp://127.0.0.1:%d/Streaming/tracks/%d/?starttime=%s&endtime=%s&name=%s&size=%d" % (
                d.rtsp_port, track, d.clock.compact(s), d.clock.compact(e), name, (e - s) * 50)
            items.append(
                "<searchMatchItem><sourceID>{%08d-0000-0000-0000-000000000000}</sourceID><trackID>%d</trackID>"
                "<timeSpan><startTime>%s</startTime><endTime>%s</endTime></timeSpan>"
                "<mediaSegmentDescriptor><contentType>video</contentType><codecType>H.264-BP</codecType>"
                "<playbackURI>%s</playbackURI><lockStatus>unlock</lockStatus><name>%s</name></mediaSegmentDescriptor>"
                "<metadataMatches><metadataDescriptor>recordType.meta.hikvision.com/timing</metadataDescriptor>"
                "</metadataMatches></searchMatchItem>"
                % (track // 100, track, d.clock.fmt(s), d.clock.fmt(e), esc(uri), name))
        body = ("<searchID>%s</searchID><responseStatus>true</responseStatus><responseStatusStrg>%s"
                "</responseStatusStrg><numOfMatches>%d</numOfMatches><matchList>%s</matchList>"
                % (esc(sid), status, len(page), "".join(items)))
        return self.send(200, self.xml("CMSearchResult", body))

    def daily(self, track, raw):
        d = self.dev
        x = ET.fromstring(raw)
        year = int(text(x, "year"))
        month = int(text(x, "monthOfYear"))
        if track // 100 not in d.channels():
            return self.status(400, 6, "Invalid XML Content", "badParameters")
        days = []
        for day in range(1, 32):
            try:
                a = dt.datetime(year, month, day, tzinfo=d.clock.zone)
            except ValueError:
                break
            b = a + dt.timedelta(days=1)
            has = bool(d.in_archive(int(a.timestamp() * 1000), int(b.timestamp() * 1000)))
            days.append("<day><id>%d</id><dayOfMonth>%d</dayOfMonth><record>%s</record>%s</day>"
                        % (day, day, "true" if has else "false", "<recordType>time</recordType>" if has else ""))
        return self.send(200, self.xml("trackDailyDistribution", "<dayList>%s</dayList>" % "".join(days)))

    def download(self, raw):
        d = self.dev
        if not raw:
            raise ValueError("a download request needs a body")
        x = ET.fromstring(raw)
        uri = text(x, "playbackURI")
        if not uri:
            raise ValueError("no playbackURI")
        if "&amp;" in uri:
            raise ValueError("playbackURI escaped twice")
        u = urllib.parse.urlsplit(uri)
        mm = re.fullmatch(r"/Streaming/tracks/(\d+)/?", u.path)
        if not mm or int(mm.group(1)) // 100 not in d.channels():
            raise ValueError("playbackURI names no track")
        start, end = d.playback_window(u.query)
        if end <= start:
            raise ValueError("endtime before starttime")
        if not d.in_archive(start, end):
            return self.status(404, 4, "Invalid Operation", "noRecord")
        if end - start > d.a.download_cap * 1000:
            raise ValueError("window too long for the simulator")
        path = os.path.join(d.tmp, "dl-%s.mp4" % secrets.token_hex(6))
        n = d.encode(start, end, REC_SIZE, path, inclusive=True)
        with open(path, "rb") as f:
            data = f.read()
        os.unlink(path)
        d.log(op="download.served", track=int(mm.group(1)), start=start, end=end, frames=n, bytes=len(data))
        return self.send(200, data, "video/mp4")


def fmt_local_time(self, ms):
    """localTime of /ISAPI/System/time: with an offset, or local with Z on local-z firmware."""
    if self.mode == "local-z":
        return self.local(ms).strftime("%Y-%m-%dT%H:%M:%SZ")
    t = self.local(ms)
    off = int(t.utcoffset().total_seconds()) // 60
    sign = "-" if off < 0 else "+"
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "%s%02d:%02d" % (sign, abs(off) // 60, abs(off) % 60)


Clock.fmt_local_time = fmt_local_time


# ------------------------------------------------------------------ RTSP (GStreamer)
def start_rtsp(dev, port):
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstRtsp", "1.0")
    gi.require_version("GstRtspServer", "1.0")
    from gi.repository import GLib, Gst, GstRtsp, GstRtspServer

    Gst.init(None)

    class LiveFactory(GstRtspServer.RTSPMediaFactory):
        """Wall-clock VTC1 frames pushed from Python, H.264."""

        def __init__(self, size):
            super().__init__()
            self.w, self.h = size
            self.set_shared(True)

        def do_create_element(self, url):
            return Gst.parse_launch(
                "( appsrc name=src is-live=true do-timestamp=true format=time "
                "caps=video/x-raw,format=GRAY8,width=%d,height=%d,framerate=%d/1 ! videoconvert ! "
                "video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%d "
                "! video/x-h264,profile=main ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )"
                % (self.w, self.h, FPS, FPS))

        def do_configure(self, media):
            GstRtspServer.RTSPMediaFactory.do_configure(self, media)
            src = media.get_element().get_by_name("src")
            w, h = self.w, self.h
            state = {"on": True}

            def push():
                if not state["on"]:
                    return False
                buf = Gst.Buffer.new_wrapped(gray_frame(w, h, int(time.time() * 1000)))
                buf.duration = Gst.SECOND // FPS
                return src.emit("push-buffer", buf) == Gst.FlowReturn.OK

            media.connect("unprepared", lambda *_: state.update(on=False))
            GLib.timeout_add(1000 // FPS, push)

    class PlaybackFactory(GstRtspServer.RTSPMediaFactory):
        """The archive window of the URL's starttime/endtime, encoded as it is sent (a non-live
        source the server paces at 1x); VTC1 = archive time; end of stream at the window's end
        (or --overrun seconds past endtime with --ignore-endtime)."""

        def __init__(self, track):
            super().__init__()
            self.track = track
            self.set_shared(False)

        def do_create_element(self, url):
            w, h = REC_SIZE
            return Gst.parse_launch(
                "( appsrc name=src is-live=false format=time "
                "caps=video/x-raw,format=GRAY8,width=%d,height=%d,framerate=%d/1 ! videoconvert ! "
                "video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%d "
                "! video/x-h264,profile=main ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )"
                % (w, h, FPS, FPS))

        def do_configure(self, media):
            GstRtspServer.RTSPMediaFactory.do_configure(self, media)
            src = media.get_element().get_by_name("src")
            query = self.pending_query
            try:
                start, end = dev.playback_window(query)
            except ValueError as e:
                dev.log(op="rtsp.playback", track=self.track, error=str(e))
                start, end = 0, 0
            win = dev.window_segment(start) if end > start else None
            if win is None:
                s = e = 0
            else:
                s = win[0]
                e = end + dev.a.overrun * 1000 if dev.a.ignore_endtime else min(end, win[1])
                e = min(e, s + dev.a.playback_cap * 1000)
            dev.log(op="rtsp.playback", track=self.track, query=query, start=s, end=e)
            dur = Gst.SECOND // FPS
            n = [0]
            w, h = REC_SIZE

            def need(appsrc, _length):
                ms = s + n[0] * 1000 // FPS
                if ms >= e:
                    appsrc.emit("end-of-stream")
                    return
                buf = Gst.Buffer.new_wrapped(gray_frame(w, h, ms))
                buf.pts, buf.duration = n[0] * dur, dur
                n[0] += 1
                appsrc.emit("push-buffer", buf)

            src.connect("need-data", need)

        def do_gen_key(self, url):
            # the query names the window: remember it for do_configure
            self.pending_query = url.query or ""
            return url.abspath + "?" + self.pending_query

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    mounts = server.get_mount_points()
    paths = []
    for ch in dev.channels():
        for st in (1, 2):
            f = LiveFactory(LIVE_SIZES[st])
            for pre in ("/Streaming/Channels/", "/Streaming/channels/", "/ISAPI/Streaming/channels/"):
                mounts.add_factory("%s%d" % (pre, ch * 100 + st), f)
                paths.append("%s%d" % (pre, ch * 100 + st))
            pf = PlaybackFactory(ch * 100 + st)
            mounts.add_factory("/Streaming/tracks/%d" % (ch * 100 + st), pf)
            paths.append("/Streaming/tracks/%d" % (ch * 100 + st))
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
    auth.add_digest(dev.a.user, dev.a.password, token)
    auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(auth)
    for p in paths:
        fac, _ = mounts.match(p)
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role("user", "media.factory.access", True)
        perms.add_permission_for_role("user", "media.factory.construct", True)
        fac.set_permissions(perms)
    if server.attach(None) == 0:
        sys.exit("RTSP attach failed")
    return GLib, server


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0, help="HTTP port (0 = any)")
    p.add_argument("--rtsp-port", type=int, default=0, help="RTSP port (0 = pick a free one)")
    p.add_argument("--user", default="admin")
    p.add_argument("--password", default="12345")
    p.add_argument("--allow-basic", action="store_true")
    p.add_argument("--name", default="Simulated NVR")
    p.add_argument("--model", default="DS-7608NI-SIM")
    p.add_argument("--channel-name", default="Camera")
    p.add_argument("--channels", type=int, default=2)
    p.add_argument("--ptz-channels", type=int, nargs="*", default=[1])
    p.add_argument("--tz", default="Asia/Shanghai", help="the device's IANA zone")
    p.add_argument("--posix-tz", default="CST-8:00:00", help="timeZone of /ISAPI/System/time (inverted sign)")
    p.add_argument("--time-mode", choices=["utc", "offset", "local-z"], default="utc")
    p.add_argument("--xmlns", choices=["isapi", "hik"], default="isapi")
    p.add_argument("--archive-start", default="", help="first segment start (ISO 8601 with Z, or ms); default "
                                                        "so the archive ends 10 minutes ago")
    p.add_argument("--segments", type=int, default=3)
    p.add_argument("--seg-len", type=int, default=600, help="seconds per recorded segment")
    p.add_argument("--gap", type=int, default=60, help="seconds between segments")
    p.add_argument("--page-cap", type=int, default=100, help="largest page the device answers")
    p.add_argument("--repeat-page", action="store_true", help="answer each later page position once with "
                                                              "the previous page (a device that repeats a page)")
    p.add_argument("--ignore-endtime", action="store_true", help="RTSP playback runs past endtime")
    p.add_argument("--overrun", type=int, default=20, help="seconds past endtime with --ignore-endtime")
    p.add_argument("--playback-cap", type=int, default=3600, help="longest RTSP playback served, seconds")
    p.add_argument("--download-cap", type=int, default=600, help="longest download served, seconds")
    p.add_argument("--not-support", action="append", default=[], help="path prefix answered 403 notSupport")
    p.add_argument("--lifetime", type=float, default=0, help="exit after this many seconds (0 = never)")
    a = p.parse_args()

    if a.rtsp_port == 0:
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        a.rtsp_port = s.getsockname()[1]
        s.close()
    dev = Device(a)
    Handler.dev = dev
    httpd = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    GLib, _server = start_rtsp(dev, a.rtsp_port)
    loop = GLib.MainLoop()

    def quit_(*_):
        loop.quit()
        return False

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, quit_)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, quit_)
    if a.lifetime:
        GLib.timeout_add(int(a.lifetime * 1000), quit_)
    print("READY %d %d" % (httpd.server_address[1], a.rtsp_port), flush=True)
    try:
        loop.run()
    finally:
        httpd.shutdown()
        shutil.rmtree(dev.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
