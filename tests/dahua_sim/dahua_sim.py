#!/usr/bin/python3
"""Dahua IPC/NVR/XVR simulator for Vigil's tests (PROTOCOLS.md 5.1 and 5.3).

HTTP CGI with digest auth (realm "DH_<mac>", qop auth, MD5; Basic refused),
key=value answers with CRLF, and an RTSP server (GStreamer's gst-rtsp-server,
so run it with /usr/bin/python3) for live `cam/realmonitor?channel=&subtype=`
and playback `cam/playback?channel=&subtype=&starttime=&endtime=` (device
local time, underscores), digest auth with the same credentials.

  /usr/bin/python3 tests/dahua_sim/dahua_sim.py --port 0 --rtsp-port 0 \
      --user admin --password secret [--kind ipc|nvr] [--channels N] \
      [--wired 1,2,4] [--tz Asia/Tokyo] [--archive START/SECONDS,...] \
      [--file-seconds 30] [--zero-based] [--remote-device-style index|uuid] \
      [--ptz 1,2] [--fail-next-file PAGE] [--no-rtsp] [--dhav-preamble BYTES] \
      [--onvif]

START is an RFC 3339 UTC time (2026-03-01T10:00:00Z) or now-SECONDS. The
archive is the same on every channel; media for any window is rendered on
demand, every frame showing its archive time (VTC1, TIMECODE.md), and gaps
between spans have no frames. The file list (mediaFileFind) cuts the spans
into files of --file-seconds.

Behaviour (as real devices unless marked SIM):
- 401 with a fresh challenge until digest credentials match; after 5 wrong
  attempts the account is locked for 30 s (401, body "Error\\r\\nUser locked").
- configManager getConfig names: ChannelTitle, RemoteDevice (NVR; slot N is
  channel N+1, unwired slots 0.0.0.0), Encode, NTP (TimeZone index into the
  firmware's zone table + TimeZoneDesc), Locales, RTSP, General; unknown
  names answer 400 "Error".
- global.cgi?action=getCurrentTime: the device's local time in --tz.
- mediaFileFind: factory.create -> result=<id>; findFile (local times) -> OK;
  findNextFile&count<=100 pages the files (found=N, items[i].*), found=0 at the
  end; close; destroy. --fail-next-file PAGE answers page PAGE (1-based) with
  HTTP 500 (SIM: error injection). At most 16 finders may exist (SIM limit).
- loadfile.cgi?action=startLoad by time and RPC_Loadfile/<FilePath>: the
  archive in the window as DHAV (H.264 in Dahua's frame container, local
  civil time in each frame header; --dhav-preamble BYTES puts that many
  bytes of binary before the first DHAV, as some NVRs do, PROTOCOLS.md 5.3;
  the bytes themselves are SIM) or, with --download-format mp4, a fast-start
  MP4; 404 "Error" when the window holds no recording (SIM).
- snapshot.cgi?channel=N: a JPEG of now. ptz.cgi start/stop/getPresets/
  getStatus/getCurrentProtocolCaps (PTZ channels from --ptz).
- Locales: DSTEnable and DSTStart/DSTEnd (Month, Week 1..4 or -1 = last,
  Day 0 = Sunday, Hour = wall time before the change) derived from --tz's
  2026 transitions; NTP.TimeZone = the index of the zone's standard offset.
- --onvif: ONVIF on the same port (onvif_ptz.py: device, media profiles per
  channel, GotoHomePosition); without it /onvif/* answers 404.
- RPC2_Login / RPC2: the two-step global.login, global.logout, keepAlive,
  magicBox.getDeviceType.
Test endpoints (no auth): GET /__sim/state -> JSON {open_finders,
finders_created, calls: [...]}; every CGI call is logged with its action,
query and auth outcome (passwords never appear in queries).
Binds 127.0.0.1 only; prints "READY <http_port> <rtsp_port>" when listening.
"""
import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402
import onvif_ptz  # noqa: E402

# Dahua firmware's zone table: index -> standard offset in minutes.
ZONE_TABLE = [0, 60, 120, 180, 210, 240, 270, 300, 330, 345, 360, 390, 420, 480, 540, 570, 600, 660, 720,
              780, -60, -120, -180, -210, -240, -300, -360, -420, -480, -540, -600, -660, -720]
ZONE_DESC = {"Asia/Tokyo": "Osaka, Sapporo, Tokyo", "Europe/Berlin": "Amsterdam, Berlin, Rome, Stockholm",
             "UTC": "Greenwich Mean Time", "America/Sao_Paulo": "Brasilia", "Asia/Shanghai": "Beijing, Chongqing"}
MAX_FINDERS = 16


def parse_start(s):
    if s.startswith("now-"):
        return time.time() - float(s[4:])
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class Device:
    def __init__(self, a):
        self.a = a
        self.tz = ZoneInfo(a.tz)
        self.lock = threading.Lock()
        self.calls = []
        self.nonces = {}
        self.failed = 0
        self.locked_until = 0.0
        self.finders = {}  # id -> {"files": [...] | None, "pos": int, "pages": int, "closed": bool}
        self.finders_created = 0
        self.next_finder = 30843456
        self.sessions = {}
        self.presets = {ch: [(1, "Gate"), (2, "Yard")] for ch in a.ptz}
        spans = []
        for item in filter(None, a.archive.split(",")):
            start, secs = item.split("/")
            t0 = parse_start(start)
            spans.append((t0, t0 + float(secs)))
        self.spans = sorted(spans)
        self.mac = a.mac.replace(":", "").upper()
        self.realm = "DH_" + self.mac

    # ---- time
    def local(self, t):
        return dt.datetime.fromtimestamp(t, self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def from_local(self, s, fmt="%Y-%m-%d %H:%M:%S"):
        naive = dt.datetime.strptime(s, fmt)
        return naive.replace(tzinfo=self.tz).timestamp()

    def zone_index(self):
        std = dt.datetime(2026, 1, 15, tzinfo=self.tz).utcoffset()
        jul = dt.datetime(2026, 7, 15, tzinfo=self.tz).utcoffset()
        minutes = int(min(std, jul).total_seconds() // 60)
        return ZONE_TABLE.index(minutes) if minutes in ZONE_TABLE else 0, std != jul

    def dst_rules(self, year=2026):
        """The zone's DST start and end in 'year' as Dahua's Locales rules
        (Month, Week 1..4 or -1 = last, Day 0 = Sunday, Hour: local time
        before the change), or None when the zone has no DST."""
        out, t = [], dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc).timestamp()
        prev = dt.datetime.fromtimestamp(t, self.tz).utcoffset()
        while t < dt.datetime(year + 1, 1, 1, tzinfo=dt.timezone.utc).timestamp():
            t += 3600
            off = dt.datetime.fromtimestamp(t, self.tz).utcoffset()
            if off != prev:
                local = dt.datetime.fromtimestamp(t, dt.timezone(prev))  # wall time before the change
                nxt = local + dt.timedelta(days=7)
                week = -1 if nxt.month != local.month else (local.day - 1) // 7 + 1
                out.append((off > prev, (local.month, week, (local.weekday() + 1) % 7, local.hour)))
                prev = off
        starts = [r for on, r in out if on]
        ends = [r for on, r in out if not on]
        return (starts[0], ends[0]) if starts and ends else None

    # ---- channels
    def channels(self):
        return list(range(1, self.a.channels + 1))

    def wired(self, ch):
        return self.a.kind != "nvr" or not self.a.wired or ch in self.a.wired

    def valid_channel(self, ch):
        return 1 <= ch <= self.a.channels and self.wired(ch)

    def files(self, ch, t0, t1):
        out = []
        step = self.a.file_seconds
        for s0, s1 in self.spans:
            t = s0
            while t < s1:
                e = min(t + step, s1)
                if e > t0 and t < t1:
                    out.append((t, e))
                t = e
        return out

    def file_path(self, ch, t0, t1, ext="mp4"):
        d = dt.datetime.fromtimestamp(t0, self.tz)
        e = dt.datetime.fromtimestamp(t1, self.tz)
        return "/mnt/dvr/mmc0-1/%s/%03d/dav/%02d/%s-%s[R][0@0][0].%s" % (
            d.strftime("%Y-%m-%d"), ch, d.hour, d.strftime("%H.%M.%S"), e.strftime("%H.%M.%S"), ext)

    def log(self, **kw):
        kw["t"] = time.time()
        with self.lock:
            self.calls.append(kw)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Webs"

    def log_message(self, *a):
        pass

    @property
    def dev(self):
        return self.server.dev

    def send(self, status, body, ctype="text/plain;charset=utf-8", headers=()):
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

    def challenge(self, body="Error\r\nInvalid Authority!\r\n", stale=False):
        nonce = secrets.token_hex(16)
        self.dev.nonces[nonce] = time.time()
        h = 'Digest realm="%s", qop="auth", nonce="%s", opaque="%s"%s' % (
            self.dev.realm, nonce, hashlib.md5(nonce.encode()).hexdigest()[:16], ", stale=TRUE" if stale else "")
        self.send(401, body, headers=[("WWW-Authenticate", h)])

    def authorized(self):
        """True when the digest matches; otherwise answers 401 and returns False."""
        d, a = self.dev, self.dev.a
        h = self.headers.get("Authorization", "")
        now = time.time()
        if now < d.locked_until:
            self.challenge("Error\r\nUser locked\r\n")
            return "locked"
        if not h.startswith("Digest "):
            self.challenge()
            return "none"
        f = {k: v1 or v2 for k, v1, v2 in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', h[7:])}
        nonce = f.get("nonce", "")
        if nonce not in d.nonces:
            self.challenge(stale=True)
            return "stale"
        ha1 = hashlib.md5(("%s:%s:%s" % (a.user, d.realm, a.password)).encode()).hexdigest()
        ha2 = hashlib.md5(("%s:%s" % (self.command, f.get("uri", ""))).encode()).hexdigest()
        if f.get("qop"):
            want = hashlib.md5(("%s:%s:%s:%s:%s:%s" % (ha1, nonce, f.get("nc", ""), f.get("cnonce", ""),
                                                       f.get("qop"), ha2)).encode()).hexdigest()
        else:
            want = hashlib.md5(("%s:%s:%s" % (ha1, nonce, ha2)).encode()).hexdigest()
        if f.get("username") != a.user or f.get("response") != want or f.get("realm") != d.realm:
            d.failed += 1
            if d.failed >= 5:
                d.locked_until = now + 30
                d.failed = 0
            self.challenge()
            return "bad"
        d.failed = 0
        return "ok"

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        if u.path == "/__sim/state":
            d = self.dev
            with d.lock:
                body = json.dumps({"open_finders": len(d.finders), "finders_created": d.finders_created,
                                   "calls": d.calls})
            return self.send(200, body, "application/json")
        auth = self.authorized()
        self.dev.log(path=u.path, action=q.get("action"), query=q, auth=auth)
        if auth != "ok":
            return
        try:
            self.route(u.path, q)
        except BrokenPipeError:
            pass
        except (ValueError, KeyError) as e:
            self.dev.log(path=u.path, error=str(e))
            self.send(400, "Error\r\nBad Request!\r\n")

    def do_POST(self):
        u = urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        if u.path in ("/RPC2_Login", "/RPC2"):
            return self.rpc2(u.path, body)
        if u.path.startswith("/onvif/"):
            return onvif_ptz.handle(self, u.path, body)
        self.send(404, "Error\r\n")

    # ---- CGI routes
    def route(self, path, q):
        d, a = self.dev, self.dev.a
        ok = "OK\r\n"
        action = q.get("action", "")
        if path == "/cgi-bin/magicBox.cgi":
            answers = {
                "getDeviceType": "type=%s" % ("DHI-NVR4208-8P-4KS2" if a.kind == "nvr" else "IPC-HDW2431T-AS-S2"),
                "getDeviceClass": "type=%s" % ("NVR" if a.kind == "nvr" else "IPC"),
                "getSerialNo": "sn=%s" % a.serial,
                "getMachineName": "name=%s" % a.name,
                "getVendor": "vendor=Dahua",
                "getHardwareVersion": "version=1.00",
                "getSoftwareVersion": "version=4.001.0000000.3.R,build:2022-08-26",
                "getSystemInfo": "appAutoStart=true\r\ndeviceType=%s\r\nhardwareVersion=1.00\r\n"
                                 "processor=ST7108\r\nserialNumber=%s\r\nupdateSerial=IPC" % (
                                     "NVR4208" if a.kind == "nvr" else "IPC-HDW2431T", a.serial),
                "getProductDefinition": "table.%s=%s" % (q.get("name", "MaxExtraStream"),
                                                         a.channels if q.get("name") == "MaxRemoteInputChannels"
                                                         else 1),
            }
            if action not in answers:
                raise ValueError("magicBox action")
            return self.send(200, answers[action] + "\r\n")
        if path == "/cgi-bin/global.cgi" and action == "getCurrentTime":
            return self.send(200, "result=%s\r\n" % d.local(time.time()))
        if path == "/cgi-bin/devVideoInput.cgi" and action == "getCollect":
            return self.send(200, "result=%d\r\n" % a.channels)
        if path == "/cgi-bin/configManager.cgi" and action == "getConfig":
            return self.send(200, self.config(q.get("name", "")))
        if path == "/cgi-bin/mediaFileFind.cgi":
            return self.media_file_find(action, q)
        if path == "/cgi-bin/loadfile.cgi" and action == "startLoad":
            ch = self.channel(q)
            t0 = d.from_local(q["startTime"])
            t1 = d.from_local(q["endTime"])
            return self.send_clip(ch, int(q.get("subtype", "0")), t0, t1)
        if path.startswith("/cgi-bin/RPC_Loadfile/"):
            fp = unquote(path[len("/cgi-bin/RPC_Loadfile"):])
            m = re.search(r"/(\d{4}-\d{2}-\d{2})/(\d{3})/dav/\d{2}/(\d{2}\.\d{2}\.\d{2})-(\d{2}\.\d{2}\.\d{2})", fp)
            if not m:
                return self.send(404, "Error\r\n")
            t0 = d.from_local(m.group(1) + " " + m.group(3), "%Y-%m-%d %H.%M.%S")
            t1 = d.from_local(m.group(1) + " " + m.group(4), "%Y-%m-%d %H.%M.%S")
            if t1 < t0:
                t1 += 86400
            return self.send_clip(int(m.group(2)), 0, t0, t1)
        if path == "/cgi-bin/snapshot.cgi":
            ch = self.channel(q)
            jpeg = frames.jpeg(a.sub_size[0], a.sub_size[1], int(time.time() * 1000), ch)
            return self.send(200, jpeg, "image/jpeg")
        if path == "/cgi-bin/ptz.cgi":
            return self.ptz(action, q)
        self.send(404, "Error\r\n")

    def channel(self, q, key="channel"):
        ch = int(q.get(key, "1"))
        if not self.dev.valid_channel(ch):
            raise ValueError("channel %d" % ch)
        return ch

    def config(self, name):
        d, a = self.dev, self.dev.a
        lines = []
        if name == "ChannelTitle":
            for i, ch in enumerate(d.channels()):
                title = a.titles[i] if i < len(a.titles) else ""
                lines.append("table.ChannelTitle[%d].Name=%s" % (i, title or "Channel %d" % ch))
        elif name == "RemoteDevice" and a.kind == "nvr":
            for i, ch in enumerate(d.channels()):
                key = ("table.RemoteDevice.uuid:System_CONFIG_NETCAMERA_INFO_%d" % i
                       if a.remote_device_style == "uuid" else "table.RemoteDevice[%d]" % i)
                addr = "192.168.1.%d" % (100 + ch) if d.wired(ch) else "0.0.0.0"
                lines += ["%s.Address=%s" % (key, addr), "%s.Enable=%s" % (key, str(d.wired(ch)).lower()),
                          "%s.Name=%s" % (key, "IPC%d" % ch if d.wired(ch) else ""), "%s.Port=37777" % key,
                          "%s.VideoInputs[0].Name=%s" % (key, a.titles[i] if i < len(a.titles) else "")]
        elif name == "Encode":
            for i, _ in enumerate(d.channels()):
                for fmt, (w, h) in (("MainFormat", a.main_size), ("ExtraFormat", a.sub_size)):
                    p = "table.Encode[%d].%s[0].Video" % (i, fmt)
                    lines += ["%s.Compression=H.264" % p, "%s.FPS=%d" % (p, a.fps), "%s.Width=%d" % (p, w),
                              "%s.Height=%d" % (p, h), "%s.resolution=%dx%d" % (p, w, h)]
        elif name == "NTP":
            idx, _ = d.zone_index()
            lines += ["table.NTP.Address=pool.ntp.org", "table.NTP.Enable=false", "table.NTP.Port=123",
                      "table.NTP.TimeZone=%d" % idx,
                      "table.NTP.TimeZoneDesc=%s" % ZONE_DESC.get(a.tz, "GMT%+03d:00" % (ZONE_TABLE[idx] // 60)),
                      "table.NTP.UpdatePeriod=10"]
        elif name == "Locales":
            rules = d.dst_rules()
            lines.append("table.Locales.DSTEnable=%s" % str(rules is not None).lower())
            for key, r in zip(("DSTStart", "DSTEnd"), rules or ((3, -1, 0, 2), (10, -1, 0, 3))):
                month, week, day, hour = r
                lines += ["table.Locales.%s.Day=%d" % (key, day), "table.Locales.%s.Hour=%d" % (key, hour),
                          "table.Locales.%s.Minute=0" % key, "table.Locales.%s.Month=%d" % (key, month),
                          "table.Locales.%s.Week=%d" % (key, week), "table.Locales.%s.Year=2026" % key]
            lines.append("table.Locales.TimeFormat=yyyy-MM-dd HH:mm:ss")
        elif name == "RTSP":
            lines += ["table.RTSP.Enable=true", "table.RTSP.Port=%d" % self.server.rtsp_port,
                      "table.RTSP.RTP.EndPort=40000", "table.RTSP.RTP.StartPort=20000"]
        elif name == "General":
            lines += ["table.General.LocalNo=8", "table.General.MachineName=%s" % a.name]
        else:
            raise ValueError("config name")
        return "\r\n".join(lines) + "\r\n"

    def media_file_find(self, action, q):
        d = self.dev
        if action == "factory.create":
            with d.lock:
                if len(d.finders) >= MAX_FINDERS:
                    return self.send(500, "Error\r\nInternal Error\r\n")
                oid = d.next_finder
                d.next_finder += 1
                d.finders[oid] = {"files": None, "pos": 0, "pages": 0}
                d.finders_created += 1
            return self.send(200, "result=%d\r\n" % oid)
        oid = int(q.get("object", "-1"))
        f = d.finders.get(oid)
        if f is None:
            return self.send(400, "Error\r\nBad Request!\r\n")
        if action == "findFile":
            ch = self.channel(q, "condition.Channel")
            t0 = d.from_local(q["condition.StartTime"])
            t1 = d.from_local(q["condition.EndTime"])
            f["ch"] = ch
            f["files"] = d.files(ch, t0, t1)
            f["pos"] = 0
            return self.send(200, "OK\r\n")
        if action == "findNextFile":
            if f["files"] is None:
                return self.send(400, "Error\r\nBad Request!\r\n")
            f["pages"] += 1
            if d.a.fail_next_file and f["pages"] == d.a.fail_next_file:
                return self.send(500, "Error\r\nInternal Error\r\n")
            count = min(int(q.get("count", "100")), 100)
            page = f["files"][f["pos"]:f["pos"] + count]
            f["pos"] += len(page)
            ch = f["ch"] - 1 if d.a.zero_based else f["ch"]
            lines = ["found=%d" % len(page)]
            for i, (t0, t1) in enumerate(page):
                p = "items[%d]." % i
                lines += [p + "Channel=%d" % ch, p + "Cluster=0", p + "Disk=0", p + "Duration=%d" % int(t1 - t0),
                          p + "EndTime=%s" % d.local(t1), p + "FilePath=%s" % d.file_path(f["ch"], t0, t1, "dav" if d.a.download_format == "dhav" else "mp4"),
                          p + "Flags[0]=Timing", p + "Length=%d" % int((t1 - t0) * 62500), p + "Partition=0",
                          p + "StartTime=%s" % d.local(t0), p + "Type=dav", p + "VideoStream=Main"]
            return self.send(200, "\r\n".join(lines) + "\r\n")
        if action in ("close", "factory.close"):
            f["files"] = None
            return self.send(200, "OK\r\n")
        if action in ("destroy", "factory.destroy"):
            with d.lock:
                d.finders.pop(oid, None)
            return self.send(200, "OK\r\n")
        raise ValueError("mediaFileFind action")

    def send_clip(self, ch, subtype, t0, t1):
        d, a = self.dev, self.dev.a
        if not d.valid_channel(ch):
            raise ValueError("channel")
        w, h = a.sub_size if subtype == 1 else a.main_size
        times = frames.archive_times(d.spans, t0, t1, a.fps)
        if not times:
            return self.send(404, "Error\r\nNo record found\r\n")
        if a.download_format == "dhav":
            data = frames.dhav_clip(w, h, a.fps, times, ch, lambda ms: dt.datetime.fromtimestamp(ms / 1000, d.tz))
            data = frames.dhav_preamble(a.dhav_preamble) + data
        else:
            data = frames.mp4_clip(w, h, a.fps, times, ch)
        self.send(200, data, "Application/octet-stream")

    def ptz(self, action, q):
        d = self.dev
        ch = self.channel(q)
        if ch not in d.a.ptz:
            return self.send(400, "Error\r\nBad Request!\r\n")
        if action == "getCurrentProtocolCaps":
            return self.send(200, "caps.Pan=true\r\ncaps.Tile=true\r\ncaps.Zoom=true\r\ncaps.Preset=true\r\n"
                                  "caps.PresetMin=1\r\ncaps.PresetMax=255\r\ncaps.PanSpeedMax=8\r\n")
        if action == "getPresets":
            lines = []
            for i, (idx, name) in enumerate(d.presets[ch]):
                lines += ["presets[%d].Index=%d" % (i, idx), "presets[%d].Name=%s" % (i, name),
                          "presets[%d].Type=0" % i]
            return self.send(200, "\r\n".join(lines) + "\r\n")
        if action == "getStatus":
            return self.send(200, "status.MoveStatus=Idle\r\nstatus.Postion[0]=0\r\nstatus.Postion[1]=0\r\n"
                                  "status.Postion[2]=1\r\n")
        if action in ("start", "stop"):
            code = q["code"]
            if code == "SetPreset" and action == "start":
                idx = int(q.get("arg2", "0"))
                d.presets[ch] = [p for p in d.presets[ch] if p[0] != idx] + [(idx, "Preset %d" % idx)]
            if code == "ClearPreset" and action == "start":
                idx = int(q.get("arg2", "0"))
                d.presets[ch] = [p for p in d.presets[ch] if p[0] != idx]
            return self.send(200, "OK\r\n")
        raise ValueError("ptz action")

    # ---- RPC2
    def rpc2(self, path, body):
        d, a = self.dev, self.dev.a
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self.send(400, "Error\r\n")
        method, params, rid = req.get("method"), req.get("params") or {}, req.get("id")
        sess = req.get("session")
        self.dev.log(path=path, action=method, query={"session": bool(sess)}, auth="rpc2")
        out = {"id": rid, "session": sess}
        if path == "/RPC2_Login" and method == "global.login":
            if sess not in d.sessions:  # step 1 (clients may send the password in clear here: ignored)
                sess = secrets.token_hex(16)
                rnd = str(secrets.randbelow(10 ** 9))
                d.sessions[sess] = {"random": rnd, "ok": False}
                out.update(session=sess, result=False, error={"code": 268632079, "message": "Component error: login challenge!"},
                           params={"authorization": secrets.token_hex(20), "encryption": "Default",
                                   "random": rnd, "realm": "Login to %s" % a.serial})
            else:
                s = d.sessions.get(sess)
                pwd = hashlib.md5(("%s:Login to %s:%s" % (a.user, a.serial, a.password)).encode()).hexdigest().upper()
                want = s and hashlib.md5(("%s:%s:%s" % (a.user, s["random"], pwd)).encode()).hexdigest().upper()
                if s and params.get("userName") == a.user and params.get("password") == want:
                    s["ok"] = True
                    out.update(result=True, params={"keepAliveInterval": 60})
                else:
                    out.update(result=False, error={"code": 268632085, "message": "Component error: User or password not valid!"})
            return self.send(200, json.dumps(out), "application/json")
        s = d.sessions.get(sess)
        if not s or not s["ok"]:
            out.update(result=False, error={"code": 287637505, "message": "Invalid session in request data!"})
        elif method == "global.logout":
            d.sessions.pop(sess, None)
            out.update(result=True)
        elif method == "global.keepAlive":
            out.update(result=True, params={"timeout": 300})
        elif method == "magicBox.getDeviceType":
            out.update(result=True, params={"type": "NVR4208" if a.kind == "nvr" else "IPC-HDW2431T"})
        elif method == "magicBox.getSerialNo":
            out.update(result=True, params={"sn": a.serial})
        else:
            out.update(result=False, error={"code": 268894210, "message": "Method not found"})
        self.send(200, json.dumps(out), "application/json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rtsp-port", type=int, default=0)
    ap.add_argument("--no-rtsp", action="store_true")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default="admin123")
    ap.add_argument("--kind", choices=["ipc", "nvr"], default="ipc")
    ap.add_argument("--channels", type=int, default=1)
    ap.add_argument("--wired", default="")
    ap.add_argument("--titles", default="")
    ap.add_argument("--tz", default="UTC")
    ap.add_argument("--archive", default="")
    ap.add_argument("--file-seconds", type=float, default=30)
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--size", default="320x180")
    ap.add_argument("--sub-size", default="320x180")
    ap.add_argument("--zero-based", action="store_true")
    ap.add_argument("--remote-device-style", choices=["index", "uuid"], default="index")
    ap.add_argument("--ptz", default="")
    ap.add_argument("--fail-next-file", type=int, default=0)
    ap.add_argument("--mac", default="3c:ef:8c:12:34:56")
    ap.add_argument("--serial", default="6G0123PAZ00042")
    ap.add_argument("--name", default="SimDahua")
    ap.add_argument("--lifetime", type=float, default=0)
    ap.add_argument("--download-format", choices=["dhav", "mp4"], default="dhav")
    ap.add_argument("--dhav-preamble", type=int, default=0)
    ap.add_argument("--onvif", action="store_true")
    a = ap.parse_args()
    a.wired = [int(x) for x in a.wired.split(",") if x]
    a.ptz = [int(x) for x in a.ptz.split(",") if x]
    a.titles = a.titles.split(",") if a.titles else []
    a.main_size = tuple(int(v) for v in a.size.split("x"))
    a.sub_size = tuple(int(v) for v in a.sub_size.split("x"))
    dev = Device(a)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.dev = dev
    srv.rtsp_port = 0
    loop = None
    if not a.no_rtsp:
        import rtsp  # GStreamer, only when RTSP is served
        srv.rtsp_port, loop = rtsp.start(dev, a.rtsp_port)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("READY %d %d" % (srv.server_address[1], srv.rtsp_port), flush=True)
    if a.lifetime:
        threading.Timer(a.lifetime, lambda: os._exit(0)).start()
    if loop is not None:
        loop.run()
    else:
        threading.Event().wait()


if __name__ == "__main__":
    main()
