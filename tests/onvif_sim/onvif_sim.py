#!/usr/bin/env python3
"""ONVIF device simulator for Vigil's tests (Python stdlib only).

Speaks SOAP 1.2 as PROTOCOLS.md section 1 documents: device (GetSystemDateAndTime,
GetServices, GetCapabilities, GetDeviceInformation), media (GetProfiles,
GetStreamUri, GetSnapshotUri + GET /snapshot.jpg), PTZ (ContinuousMove, Stop,
RelativeMove, GotoHomePosition, GetPresets, GotoPreset, SetPreset), Profile G
search (GetRecordingSummary, FindRecordings, GetRecordingSearchResults,
FindEvents, GetEventSearchResults, EndSearch) and replay (GetReplayUri).

Enforces WS-UsernameToken PasswordDigest with a freshness window against its
own (optionally skewed) clock and rejects reused nonces; or HTTP digest only
(--auth digest). Can name another host in XAddrs, fault on every call, or
answer malformed XML. Every call is appended to --log as a JSON line
(op, time, arguments, auth outcome), so tests can see what the client sent.
Binds 127.0.0.1 only; prints "READY <port> <scheme>" when listening.

--tls-cert FILE --tls-key FILE (PEM) serve HTTPS instead, with Python's own
ssl module (OpenSSL, not the client's TLS stack); XAddrs and snapshot URIs
then say https. The handshake runs in the connection's thread, so a client
that aborts it (a certificate probe, an untrusted certificate) only costs
that thread; each failed handshake is logged as op "TLS" with its error.

--hostile MODE (repeatable) plays a misconfigured, compromised or spoofed
device:
  deep              every answer (even GetSystemDateAndTime) nests
                    --deep-levels elements
  huge              every answer is padded to --huge-mb MiB (a comment inside
                    a valid envelope, sent chunked, no Content-Length)
  foreign-stream    stream and snapshot URIs name --foreign-host
  file-stream       the stream URI is --file-uri (a local file)
  userinfo-stream   the stream URI carries the device's own user:password
  far-future        the device clock is stuck at 9999-12-31T23:59:59Z (and
                    GetServices takes 1.5 s, a slow device)
  local-time        GetSystemDateAndTime gives LocalDateTime + TimeZone only
  local-time-no-tz  LocalDateTime only, no TimeZone
--hostile-after N keeps the stream URIs honest for the first N GetStreamUri
calls (a device that turns after it was added).
"""
import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import re
import ssl
import sys
import threading
import urllib.parse
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NS = {
    "env": "http://www.w3.org/2003/05/soap-envelope",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "tse": "http://www.onvif.org/ver10/search/wsdl",
    "trp": "http://www.onvif.org/ver10/replay/wsdl",
    # the schema prefix differs from the usual "tt" on purpose: clients must
    # match local names and namespaces, not prefixes
    "sch": "http://www.onvif.org/ver10/schema",
    "ter": "http://www.onvif.org/ver10/error",
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "tns1": "http://www.onvif.org/ver10/topics",
}
PRE_AUTH = {"GetSystemDateAndTime", "GetServices", "GetCapabilities", "GetServiceCapabilities"}
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgEBAQEBAUFBQUFBQYGBgYGBgYGBgYGBgYHBwcICAgHBwcGBgcHCAgICAkJ"
    "CQgICAgJCQoKCgwMCwsODg4RERT/xABMAAEBAAAAAAAAAAAAAAAAAAAABwEBAQAAAAAAAAAAAAAAAAAABQcQAQAAAAAAAAAAAAAAAAAAAAARAQAAAAAAAAAAAAAAAAAA"
    "AAD/wAARCAAQABADASIAAhEAAxEA/9oADAMBAAIRAxEAPwCOAL+Lf//Z"
)
DIGEST_REALM = "onvif-sim"
# what a userinfo-stream device puts into its stream URI
DEVICE_USER, DEVICE_PASSWORD = "devuser", "Dev1ce-pw-7731"


def local(tag):
    return tag.rsplit("}", 1)[-1]


def find(el, name):
    for e in el.iter():
        if local(e.tag) == name:
            return e
    return None


def text(el, name, default=None):
    e = find(el, name)
    return e.text.strip() if e is not None and e.text else default


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (t.microsecond // 1000)


def parse_time(s):
    s = s.strip().replace("Z", "+00:00")
    t = dt.datetime.fromisoformat(s)
    return t.astimezone(dt.timezone.utc) if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


class Fault(Exception):
    def __init__(self, codes, reason, status=400):
        super().__init__(reason)
        self.codes, self.reason, self.status = codes, reason, status


class Device:
    """All simulator state, behind one lock."""

    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.nonces = set()
        self.presets = {"1": "Gate", "2": "Car park"}
        self.next_preset = 3
        self.position = [0.0, 0.0, 0.0]
        self.searches = {}
        self.next_search = 1
        self.digest_nonces = set()
        self.deep = None  # the deep answer, built once
        t0 = self.now().replace(microsecond=0)
        h = dt.timedelta(hours=1)
        # recorded footage: two sections with a 30 min gap; the second goes on
        self.sections = [(t0 - 2 * h, t0 - h), (t0 - h / 2, None)]
        self.rec_start = t0 - 2 * h

    def now(self):
        if self.hostile("far-future"):
            return dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)
        return dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=self.a.skew)

    def hostile(self, mode):
        return mode in self.a.hostile

    def stream_turned(self):
        """Whether this GetStreamUri answer is a hostile one (--hostile-after)."""
        with self.lock:
            self.stream_calls = getattr(self, "stream_calls", 0) + 1
            return self.stream_calls > self.a.hostile_after

    def log(self, **kw):
        if self.a.log:
            kw["t"] = time.time()
            with self.lock, open(self.a.log, "a") as f:
                f.write(json.dumps(kw) + "\n")

    # --- authentication -------------------------------------------------
    def check_token(self, root):
        """None when the UsernameToken is valid, else why not."""
        tok = find(root, "UsernameToken")
        if tok is None:
            return "no UsernameToken"
        user, pw, nonce, created = (text(tok, n) for n in ("Username", "Password", "Nonce", "Created"))
        if not (user and pw and nonce and created):
            return "UsernameToken without nonce or created"
        if user != self.a.user:
            return "unknown user"
        raw = base64.b64decode(nonce)
        want = base64.b64encode(hashlib.sha1(raw + created.encode() + self.a.password.encode()).digest()).decode()
        if pw != want:
            return "wrong password digest"
        try:
            skew = abs((parse_time(created) - self.now()).total_seconds())
        except ValueError:
            return "unreadable Created"
        if skew > self.a.window:
            return "Created is %.0f s away from the device clock" % skew
        with self.lock:
            if nonce in self.nonces:
                return "nonce reused"
            self.nonces.add(nonce)
        return None

    def check_digest(self, header, method, path):
        if not header or not header.lower().startswith("digest "):
            return "no digest"
        f = dict((k, v.strip('"')) for k, v in re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', header[7:]))
        if f.get("username") != self.a.user or f.get("nonce") not in self.digest_nonces:
            return "unknown user or nonce"
        md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
        ha1 = md5("%s:%s:%s" % (self.a.user, DIGEST_REALM, self.a.password))
        ha2 = md5("%s:%s" % (method, f.get("uri", path)))
        want = md5(":".join([ha1, f["nonce"], f.get("nc", ""), f.get("cnonce", ""), f.get("qop", ""), ha2]))
        return None if f.get("response") == want else "wrong digest response"

    def new_digest_nonce(self):
        n = base64.b64encode(os.urandom(12)).decode()
        with self.lock:
            self.digest_nonces.add(n)
        return n


def envelope(body):
    decl = " ".join('xmlns:%s="%s"' % kv for kv in NS.items())
    return ('<?xml version="1.0" encoding="UTF-8"?><env:Envelope %s><env:Body>%s</env:Body></env:Envelope>' % (decl, body)).encode()


def fault_xml(codes, reason):
    inner = ""
    for c in reversed(codes[1:]):
        inner = "<env:Subcode><env:Value>%s</env:Value>%s</env:Subcode>" % (c, inner)
    return ('<env:Fault><env:Code><env:Value>%s</env:Value>%s</env:Code><env:Reason><env:Text xml:lang="en">%s</env:Text>'
            "</env:Reason></env:Fault>" % (codes[0], inner, reason))


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class Ops:
    """One method per ONVIF operation: (device, request element, handler) -> body XML."""

    # --- device ---------------------------------------------------------
    @staticmethod
    def GetSystemDateAndTime(d, req, h):
        n = d.now()

        def stamp(tag, t):
            return ("<sch:%s><sch:Time><sch:Hour>%d</sch:Hour><sch:Minute>%d</sch:Minute><sch:Second>%d</sch:Second></sch:Time>"
                    "<sch:Date><sch:Year>%d</sch:Year><sch:Month>%d</sch:Month><sch:Day>%d</sch:Day></sch:Date></sch:%s>"
                    % (tag, t.hour, t.minute, t.second, t.year, t.month, t.day, tag))

        tz, when = "<sch:TimeZone><sch:TZ>UTC0</sch:TZ></sch:TimeZone>", stamp("UTCDateTime", n)
        if d.hostile("local-time") or d.hostile("local-time-no-tz"):
            local = n + dt.timedelta(minutes=d.a.tz_minutes)
            tz = "" if d.hostile("local-time-no-tz") else "<sch:TimeZone><sch:TZ>%s</sch:TZ></sch:TimeZone>" % esc(d.a.tz_posix)
            when = stamp("LocalDateTime", local)
        return ("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><sch:DateTimeType>Manual</sch:DateTimeType>"
                "<sch:DaylightSavings>false</sch:DaylightSavings>%s%s"
                "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>" % (tz, when))

    @staticmethod
    def GetServices(d, req, h):
        if d.hostile("far-future"):
            time.sleep(1.5)  # a slow device: a later call comes > 1 s after the clock was read
        out = ""
        for ns, path in [("tds", "device_service"), ("trt", "media_service"), ("tptz", "ptz_service"),
                         ("tse", "search_service"), ("trp", "replay_service")]:
            out += ("<tds:Service><tds:Namespace>%s</tds:Namespace><tds:XAddr>%s</tds:XAddr>"
                    "<tds:Version><sch:Major>2</sch:Major><sch:Minor>60</sch:Minor></tds:Version></tds:Service>"
                    % (NS[ns], h.xaddr(path)))
        return "<tds:GetServicesResponse>%s</tds:GetServicesResponse>" % out

    @staticmethod
    def GetCapabilities(d, req, h):
        return ("<tds:GetCapabilitiesResponse><tds:Capabilities>"
                "<sch:Device><sch:XAddr>%s</sch:XAddr></sch:Device>"
                "<sch:Media><sch:XAddr>%s</sch:XAddr><sch:StreamingCapabilities><sch:RTPMulticast>false</sch:RTPMulticast>"
                "<sch:RTP_TCP>true</sch:RTP_TCP><sch:RTP_RTSP_TCP>true</sch:RTP_RTSP_TCP></sch:StreamingCapabilities></sch:Media>"
                "<sch:PTZ><sch:XAddr>%s</sch:XAddr></sch:PTZ>"
                "<sch:Extension><sch:Search><sch:XAddr>%s</sch:XAddr><sch:MetadataSearch>false</sch:MetadataSearch></sch:Search>"
                "<sch:Replay><sch:XAddr>%s</sch:XAddr></sch:Replay></sch:Extension>"
                "</tds:Capabilities></tds:GetCapabilitiesResponse>"
                % tuple(h.xaddr(p) for p in ("device_service", "media_service", "ptz_service", "search_service", "replay_service")))

    @staticmethod
    def GetDeviceInformation(d, req, h):
        return ("<tds:GetDeviceInformationResponse><tds:Manufacturer>Vigil</tds:Manufacturer><tds:Model>ONVIF Simulator</tds:Model>"
                "<tds:FirmwareVersion>1.0</tds:FirmwareVersion><tds:SerialNumber>SIM-0001</tds:SerialNumber>"
                "<tds:HardwareId>sim</tds:HardwareId></tds:GetDeviceInformationResponse>")

    # --- media ----------------------------------------------------------
    @staticmethod
    def GetProfiles(d, req, h):
        out = ""
        for token, name, w, hh, vec in [("main", "MainStream", 1920, 1080, "vec0"), ("sub", "SubStream", 640, 360, "vec1")]:
            ptz = ("<sch:PTZConfiguration token=\"ptzc0\"><sch:Name>PTZ</sch:Name><sch:UseCount>2</sch:UseCount>"
                   "<sch:NodeToken>node0</sch:NodeToken><sch:DefaultPTZTimeout>PT5S</sch:DefaultPTZTimeout></sch:PTZConfiguration>"
                   if not d.a.no_ptz else "")
            out += ('<trt:Profiles token="%s" fixed="true"><sch:Name>%s</sch:Name>'
                    '<sch:VideoSourceConfiguration token="vsc0"><sch:Name>Video</sch:Name><sch:UseCount>2</sch:UseCount>'
                    '<sch:SourceToken>vs0</sch:SourceToken><sch:Bounds x="0" y="0" width="1920" height="1080"/></sch:VideoSourceConfiguration>'
                    '<sch:VideoEncoderConfiguration token="%s"><sch:Name>%s</sch:Name><sch:UseCount>1</sch:UseCount>'
                    "<sch:Encoding>H264</sch:Encoding><sch:Resolution><sch:Width>%d</sch:Width><sch:Height>%d</sch:Height></sch:Resolution>"
                    "<sch:Quality>5</sch:Quality><sch:SessionTimeout>PT60S</sch:SessionTimeout></sch:VideoEncoderConfiguration>"
                    "%s</trt:Profiles>" % (token, name, vec, vec, w, hh, ptz))
        return "<trt:GetProfilesResponse>%s</trt:GetProfilesResponse>" % out

    @staticmethod
    def GetStreamUri(d, req, h):
        prof = text(req, "ProfileToken")
        uri = {"main": d.a.rtsp_main, "sub": d.a.rtsp_sub}.get(prof)
        if uri is None:
            raise Fault(["env:Sender", "ter:InvalidArgVal", "ter:NoProfile"], "no profile %s" % prof)
        if d.stream_turned():
            if d.hostile("foreign-stream"):
                # the same stream, named on another host
                uri = urllib.parse.urlsplit(uri)._replace(netloc=d.a.foreign_host).geturl()
            elif d.hostile("file-stream"):
                uri = d.a.file_uri
            elif d.hostile("userinfo-stream"):
                uri = uri.replace("://", "://%s:%s@" % (DEVICE_USER, DEVICE_PASSWORD), 1)
        h.args = {"uri": uri}
        return ("<trt:GetStreamUriResponse><trt:MediaUri><sch:Uri>%s</sch:Uri><sch:InvalidAfterConnect>false</sch:InvalidAfterConnect>"
                "<sch:InvalidAfterReboot>false</sch:InvalidAfterReboot><sch:Timeout>PT0S</sch:Timeout></trt:MediaUri>"
                "</trt:GetStreamUriResponse>" % esc(uri))

    @staticmethod
    def GetSnapshotUri(d, req, h):
        host = d.a.foreign_host if d.hostile("foreign-stream") else "127.0.0.1:%d" % h.server.server_port
        return ("<trt:GetSnapshotUriResponse><trt:MediaUri><sch:Uri>%s://%s/snapshot.jpg</sch:Uri>"
                "<sch:InvalidAfterConnect>false</sch:InvalidAfterConnect><sch:InvalidAfterReboot>false</sch:InvalidAfterReboot>"
                "<sch:Timeout>PT0S</sch:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>" % (h.scheme(), host))

    # --- PTZ ------------------------------------------------------------
    @staticmethod
    def _vec(req, name):
        v = find(req, name)
        pt = find(v, "PanTilt") if v is not None else None
        z = find(v, "Zoom") if v is not None else None
        return {"pan": float(pt.get("x")) if pt is not None else None,
                "tilt": float(pt.get("y")) if pt is not None else None,
                "zoom": float(z.get("x")) if z is not None else None}

    @staticmethod
    def ContinuousMove(d, req, h):
        timeout = text(req, "Timeout")
        if timeout and d.a.no_timeout:
            raise Fault(["env:Sender", "ter:InvalidArgVal", "ter:TimeoutNotSupported"], "no move timeout here")
        h.args = dict(Ops._vec(req, "Velocity"), timeout=timeout)
        return "<tptz:ContinuousMoveResponse/>"

    @staticmethod
    def Stop(d, req, h):
        h.args = {"pan_tilt": text(req, "PanTilt", "true"), "zoom": text(req, "Zoom", "true")}
        return "<tptz:StopResponse/>"

    @staticmethod
    def RelativeMove(d, req, h):
        if d.a.no_relative:
            raise Fault(["env:Receiver", "ter:ActionNotSupported"], "RelativeMove is not supported", 500)
        h.args = Ops._vec(req, "Translation")
        with d.lock:
            for i, k in enumerate(("pan", "tilt", "zoom")):
                if h.args[k] is not None:
                    d.position[i] = max(-1.0, min(1.0, d.position[i] + h.args[k]))
        return "<tptz:RelativeMoveResponse/>"

    @staticmethod
    def GotoHomePosition(d, req, h):
        with d.lock:
            d.position = [0.0, 0.0, 0.0]
        return "<tptz:GotoHomePositionResponse/>"

    @staticmethod
    def GetPresets(d, req, h):
        with d.lock:
            items = sorted(d.presets.items(), key=lambda kv: int(kv[0]))
        return "<tptz:GetPresetsResponse>%s</tptz:GetPresetsResponse>" % "".join(
            '<tptz:Preset token="%s"><sch:Name>%s</sch:Name></tptz:Preset>' % (t, esc(n)) for t, n in items)

    @staticmethod
    def GotoPreset(d, req, h):
        tok = text(req, "PresetToken")
        h.args = {"token": tok}
        with d.lock:
            if tok not in d.presets:
                raise Fault(["env:Sender", "ter:InvalidArgVal", "ter:NoToken"], "no preset %s" % tok)
        return "<tptz:GotoPresetResponse/>"

    @staticmethod
    def SetPreset(d, req, h):
        name = text(req, "PresetName") or "Preset"
        with d.lock:
            tok = text(req, "PresetToken")
            if tok is None:
                tok = str(d.next_preset)
                d.next_preset += 1
            d.presets[tok] = name
        h.args = {"token": tok, "name": name}
        return "<tptz:SetPresetResponse><tptz:PresetToken>%s</tptz:PresetToken></tptz:SetPresetResponse>" % tok

    # --- Profile G: search and replay -----------------------------------
    @staticmethod
    def GetRecordingSummary(d, req, h):
        return ("<tse:GetRecordingSummaryResponse><tse:Summary><sch:DataFrom>%s</sch:DataFrom><sch:DataUntil>%s</sch:DataUntil>"
                "<sch:NumberRecordings>1</sch:NumberRecordings></tse:Summary></tse:GetRecordingSummaryResponse>"
                % (iso(d.rec_start), iso(d.now())))

    @staticmethod
    def _open_search(d, kind, data):
        with d.lock:
            tok = "search-%d" % d.next_search
            d.next_search += 1
            d.searches[tok] = (kind, data)
        return tok

    @staticmethod
    def FindRecordings(d, req, h):
        tok = Ops._open_search(d, "recordings", [1, 0])
        return "<tse:FindRecordingsResponse><tse:SearchToken>%s</tse:SearchToken></tse:FindRecordingsResponse>" % tok

    @staticmethod
    def _results(d, req, kind):
        tok = text(req, "SearchToken")
        with d.lock:
            s = d.searches.get(tok)
            if s is None or s[0] != kind:
                raise Fault(["env:Sender", "ter:InvalidArgVal", "ter:InvalidToken"], "no search %s" % tok)
            page = s[1].pop(0) if s[1] else []
            done = not s[1]
            if done:
                del d.searches[tok]
        return page, "Completed" if done else "Searching"

    @staticmethod
    def GetRecordingSearchResults(d, req, h):
        page, state = Ops._results(d, req, "recordings")
        info = ""
        if page:  # the recording comes on the first page, "Completed" on the second
            info = ("<sch:RecordingInformation><sch:RecordingToken>rec0</sch:RecordingToken><sch:Source><sch:SourceId>vs0</sch:SourceId>"
                    "<sch:Name>Simulated camera</sch:Name><sch:Location>Yard</sch:Location><sch:Description>sim</sch:Description>"
                    "<sch:Address>http://127.0.0.1</sch:Address></sch:Source><sch:EarliestRecording>%s</sch:EarliestRecording>"
                    "<sch:LatestRecording>%s</sch:LatestRecording><sch:Content>sim</sch:Content><sch:Track><sch:TrackToken>video0</sch:TrackToken>"
                    "<sch:TrackType>Video</sch:TrackType><sch:Description>video</sch:Description><sch:DataFrom>%s</sch:DataFrom>"
                    "<sch:DataTo>%s</sch:DataTo></sch:Track><sch:RecordingStatus>Recording</sch:RecordingStatus></sch:RecordingInformation>"
                    % (iso(d.rec_start), iso(d.now()), iso(d.rec_start), iso(d.now())))
        return ("<tse:GetRecordingSearchResultsResponse><tse:ResultList><sch:SearchState>%s</sch:SearchState>%s"
                "</tse:ResultList></tse:GetRecordingSearchResultsResponse>" % (state, info))

    @staticmethod
    def FindEvents(d, req, h):
        start = parse_time(text(req, "StartPoint"))
        end = parse_time(text(req, "EndPoint")) if text(req, "EndPoint") else d.now()
        edges = []
        for a, b in d.sections:
            edges.append((a, True))
            if b is not None:
                edges.append((b, False))
        state = False
        for t, present in edges:
            if t <= start:
                state = present
        events = [(start, state, True)] + [(t, p, False) for t, p in edges if start < t <= end]
        tok = Ops._open_search(d, "events", [events[:2], events[2:]])
        h.args = {"start": iso(start), "end": iso(end)}
        return "<tse:FindEventsResponse><tse:SearchToken>%s</tse:SearchToken></tse:FindEventsResponse>" % tok

    @staticmethod
    def GetEventSearchResults(d, req, h):
        page, state = Ops._results(d, req, "events")
        out = ""
        for t, present, start_state in page:
            out += ("<sch:Result><sch:RecordingToken>rec0</sch:RecordingToken><sch:TrackToken>video0</sch:TrackToken>"
                    "<sch:Time>%s</sch:Time><sch:Event><wsnt:Topic Dialect=\"http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet\">"
                    "tns1:RecordingHistory/Track/State</wsnt:Topic><wsnt:Message><sch:Message UtcTime=\"%s\" PropertyOperation=\"Changed\">"
                    "<sch:Source><sch:SimpleItem Name=\"RecordingToken\" Value=\"rec0\"/><sch:SimpleItem Name=\"Track\" Value=\"video0\"/></sch:Source>"
                    "<sch:Data><sch:SimpleItem Name=\"IsDataPresent\" Value=\"%s\"/></sch:Data></sch:Message></wsnt:Message></sch:Event>"
                    "<sch:StartStateEvent>%s</sch:StartStateEvent></sch:Result>"
                    % (iso(t), iso(t), "true" if present else "false", "true" if start_state else "false"))
        return ("<tse:GetEventSearchResultsResponse><tse:ResultList><sch:SearchState>%s</sch:SearchState>%s"
                "</tse:ResultList></tse:GetEventSearchResultsResponse>" % (state, out))

    @staticmethod
    def EndSearch(d, req, h):
        with d.lock:
            d.searches.pop(text(req, "SearchToken"), None)
        return "<tse:EndSearchResponse><tse:Endpoint>%s</tse:Endpoint></tse:EndSearchResponse>" % iso(d.now())

    @staticmethod
    def GetReplayUri(d, req, h):
        tok = text(req, "RecordingToken")
        if tok != "rec0":
            raise Fault(["env:Sender", "ter:InvalidArgVal", "ter:NoRecording"], "no recording %s" % tok)
        return ("<trp:GetReplayUriResponse><trp:Uri>rtsp://127.0.0.1:%d/replay/rec0</trp:Uri></trp:GetReplayUriResponse>"
                % d.a.replay_port)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    device = None  # set by main

    def log_message(self, *a):
        pass

    def scheme(self):
        return "https" if self.device.a.tls_cert else "http"

    def xaddr(self, path):
        host = self.device.a.xaddr_host or "127.0.0.1:%d" % self.server.server_port
        return "%s://%s/onvif/%s" % (self.scheme(), host, path)

    def send(self, status, body, ctype="application/soap+xml; charset=utf-8", headers=()):
        if self.device.hostile("huge") and ctype.startswith("application/soap+xml"):
            return self.send_huge(status, body, ctype)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_huge(self, status, body, ctype):
        """The answer with a --huge-mb comment after <env:Body>, chunked."""
        head, sep, tail = body.partition(b"<env:Body>")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        block = b"x" * (1 << 20)
        parts = [head + sep + b"<!--"] + [block] * self.device.a.huge_mb + [b"-->" + tail]
        try:
            for part in parts:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: what a capped client does

    def deep_answer(self):
        if self.device.deep is None:
            n = self.device.a.deep_levels
            self.device.deep = envelope("<a>" * n + "</a>" * n)
        return self.device.deep

    def do_GET(self):
        d = self.device
        if self.path != "/snapshot.jpg":
            return self.send(404, b"not found", "text/plain")
        if d.a.user:
            want = "Basic " + base64.b64encode(("%s:%s" % (d.a.user, d.a.password)).encode()).decode()
            if self.headers.get("Authorization") != want:
                return self.send(401, b"", "text/plain", [("WWW-Authenticate", 'Basic realm="%s"' % DIGEST_REALM)])
        self.send(200, JPEG, "image/jpeg")

    def do_POST(self):
        d, a = self.device, self.device.a
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.args = {}
        try:
            root = ET.fromstring(body)
            b = find(root, "Body")
            req = list(b)[0] if b is not None and len(b) else None
            if req is None:
                raise Fault(["env:Sender", "ter:InvalidArgVal"], "empty Body")
            op = local(req.tag)
        except ET.ParseError as e:
            return self.send(400, envelope(fault_xml(["env:Sender", "ter:WellFormed"], "bad XML: %s" % e)))
        except Fault as f:
            return self.send(f.status, envelope(fault_xml(f.codes, f.reason)))
        if d.hostile("deep"):
            d.log(op=op, auth="deep")
            return self.send(200, self.deep_answer())
        if a.malformed:
            d.log(op=op, auth="malformed")
            return self.send(200, b'<?xml version="1.0"?><env:Envelope xmlns:env="%s"><env:Body><Truncated' % NS["env"].encode())
        if a.fault_all:
            d.log(op=op, auth="fault")
            return self.send(500, envelope(fault_xml(["env:Receiver", "ter:Action", "ter:SimulatedFailure"], "every call fails here")))
        # authentication
        auth = "none"
        if a.user and op != "GetSystemDateAndTime":
            if a.auth == "digest":
                why = self.device.check_digest(self.headers.get("Authorization"), "POST", self.path)
                if why:
                    d.log(op=op, auth="rejected: " + why)
                    chal = 'Digest realm="%s", qop="auth", nonce="%s", algorithm=MD5' % (DIGEST_REALM, d.new_digest_nonce())
                    return self.send(401, b"", "text/plain", [("WWW-Authenticate", chal)])
                auth = "digest"
            elif op not in PRE_AUTH or find(root, "UsernameToken") is not None:
                why = d.check_token(root)
                if why:
                    d.log(op=op, auth="rejected: " + why)
                    return self.send(400, envelope(fault_xml(["env:Sender", "ter:NotAuthorized"], "Sender not authorized: " + why)))
                auth = "token"
        fn = getattr(Ops, op, None) if not op.startswith("_") else None
        try:
            if fn is None:
                raise Fault(["env:Receiver", "ter:ActionNotSupported"], "%s is not supported" % op, 500)
            out = fn(d, req, self)
        except Fault as f:
            d.log(op=op, auth=auth, fault=f.codes[-1], **self.args)
            return self.send(f.status, envelope(fault_xml(f.codes, f.reason)))
        d.log(op=op, auth=auth, **self.args)
        self.send(200, envelope(out))


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A failed TLS handshake is logged as a call, not a traceback."""
        e = sys.exc_info()[1]
        if isinstance(e, (ssl.SSLError, ConnectionError)):
            Handler.device.log(op="TLS", error="%s: %s" % (type(e).__name__, e))
        else:
            super().handle_error(request, client_address)


def tls_wrap(srv, cert, key):
    """Serves HTTPS on srv's socket with Python's ssl module."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    # the handshake happens on the first read, in the connection's thread
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--auth", choices=["token", "digest"], default="token")
    p.add_argument("--skew", type=float, default=0.0, help="device clock minus real UTC, seconds")
    p.add_argument("--window", type=float, default=5.0, help="UsernameToken freshness window, seconds")
    p.add_argument("--xaddr-host", default="", help="host:port to name in XAddrs (another host)")
    p.add_argument("--rtsp-main", default="rtsp://127.0.0.1:8554/main")
    p.add_argument("--rtsp-sub", default="rtsp://127.0.0.1:8554/sub")
    p.add_argument("--replay-port", type=int, default=8554)
    p.add_argument("--no-ptz", action="store_true")
    p.add_argument("--no-timeout", action="store_true", help="ContinuousMove faults on a Timeout")
    p.add_argument("--no-relative", action="store_true", help="RelativeMove faults")
    p.add_argument("--fault-all", action="store_true")
    p.add_argument("--malformed", action="store_true")
    p.add_argument("--hostile", action="append", default=[],
                   choices=["deep", "huge", "foreign-stream", "file-stream", "userinfo-stream",
                            "far-future", "local-time", "local-time-no-tz"],
                   help="misbehave like a hostile device (see the module doc); repeatable")
    p.add_argument("--hostile-after", type=int, default=0,
                   help="honest stream URIs for the first N GetStreamUri calls")
    p.add_argument("--deep-levels", type=int, default=500000, help="nesting of a deep answer")
    p.add_argument("--huge-mb", type=int, default=24, help="MiB of padding in a huge answer")
    p.add_argument("--foreign-host", default="127.0.0.2:554", help="host:port a foreign-stream URI names")
    p.add_argument("--file-uri", default="file:///etc/passwd", help="the URI a file-stream device names")
    p.add_argument("--tz-posix", default="IST-5:30", help="TimeZone/TZ of a local-time device")
    p.add_argument("--tz-minutes", type=int, default=330, help="its offset east of UTC, minutes")
    p.add_argument("--log", default="", help="append every call as a JSON line here")
    p.add_argument("--lifetime", type=float, default=600, help="exit after this many seconds")
    p.add_argument("--tls-cert", default="", help="serve HTTPS with this PEM certificate (chain)")
    p.add_argument("--tls-key", default="", help="the PEM private key of --tls-cert")
    a = p.parse_args()
    if bool(a.tls_cert) != bool(a.tls_key):
        p.error("--tls-cert and --tls-key go together")
    Handler.device = Device(a)
    srv = Server(("127.0.0.1", a.port), Handler)
    if a.tls_cert:
        tls_wrap(srv, a.tls_cert, a.tls_key)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("READY %d %s" % (srv.server_port, "https" if a.tls_cert else "http"), flush=True)
    try:
        time.sleep(a.lifetime)
    except KeyboardInterrupt:
        pass
    srv.shutdown()


if __name__ == "__main__":
    sys.exit(main())
