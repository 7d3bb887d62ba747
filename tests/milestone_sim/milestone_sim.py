#!/usr/bin/env python3
"""XProtect Mobile Server simulator for Vigil's tests (PROTOCOLS.md 6.1).

Commands as XML over `POST /XProtectMobile/Communication`, Connect with
Diffie-Hellman (1024/2048-bit groups), LogIn with AES-encrypted credentials,
CHAP, the LiveMessage watchdog, cameras and views, live and playback streams
of JPEG frames (Push over a WebSocket or Pull by POST) with the binary frame
header and its extensions, sequences, thumbnails, PTZ, and exports (MJPEG in
MKV/AVI). Every frame shows its own time in VTC1 (TIMECODE.md): live = wall
clock, playback = archive time. README.md beside this file lists every wire
decision the spec left open. Binds 127.0.0.1; prints `READY <port>`.

    python3 milestone_sim.py --port 0 --user admin --password-env MS_PW [options]
"""
import argparse
import base64
import hashlib
import json
import os
import secrets
import signal
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import quoteattr, escape

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import archive as archive_mod  # noqa: E402
import frames  # noqa: E402
import mscrypto  # noqa: E402

ERRORS = {1: "NotImplemented", 10: "BadCommandType", 12: "WrongID", 13: "MissingInputParameter",
          14: "WrongInputParameter", 15: "InvalidCredentials", 16: "IncorrectPublicKey", 17: "SurveillanceServerDown",
          19: "SecurityError", 20: "UnknownCameraID", 21: "UnknownItemID", 22: "NoPresetsAvailable",
          23: "NotAllowedInThisState", 24: "FeatureIsDisabled", 25: "InsufficientUserRights", 26: "TooManySessions",
          29: "PlaybackStreamsLimitReached", 32: "NoRecordingsFound", 33: "NoRecordingsInInterval",
          34: "SecondStepAuthenticationRequired", 36: "SecondStepAuthenticationCodeError",
          51: "ChallengesLimitReached", 60: "ChangePassword", 61: "AccountLockedOut"}
PROCESSING = {"LogIn", "GetAllViewsAndCameras", "RequestStream", "GetSequences", "GetThumbnailByTime",
              "StartInvestigationExport", "CreateExportDownloadLink"}
CHAP_EXEMPT = {"Connect", "LogIn", "RequestSecondStepAuthenticationPin", "VerifySecondStepAuthenticationPin"}
BEFORE_LOGIN = CHAP_EXEMPT | {"LiveMessage", "Disconnect"}
SECRET_PARAMS = {"Username", "Password", "ChalAnswer", "SecondStepAuthenticationPin"}
PTZ_MOVES = {"Up", "Down", "Left", "Right", "UpLeft", "UpRight", "DownLeft", "DownRight", "ZoomIn", "ZoomOut", "Home"}
PRESETS = ["Gate", "Yard", "Door"]
SRC_W, SRC_H = 1280, 720
SERVER_ID = "5f2c8a5e-3b1d-4c8e-9a77-1b2c3d4e5f60"
# live events
LIVE_FEED, MOTION, RECORDING, CAMERA_LOST = 0x01, 0x02, 0x04, 0x10


def live_events_at(ms):
    """A live camera's current events at `ms`: LiveFeed and Recording
    always, Motion in the first 5 s of every 20 s."""
    return LIVE_FEED | RECORDING | (MOTION if (ms // 1000) % 20 < 5 else 0)
# playback events
STOPPED, FORWARD, BACKWARD, DB_START, DB_END, NO_DATA = 0x01, 0x02, 0x04, 0x10, 0x20, 0x100


class CmdError(Exception):
    def __init__(self, code, outputs=()):
        super().__init__(code)
        self.code = code
        self.outputs = list(outputs)


def camera_id(n):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "vigil-milestone-sim/cam%d" % n))


def new_guid():
    return str(uuid.uuid4())


# ====================================================================== streams
class Stream:
    """One RequestStream: a frame source paced in wall time, read by one
    WebSocket (Push) or by POSTs (Pull)."""

    def __init__(self, sim, conn, cam, p):
        self.sim, self.conn, self.cam = sim, conn, cam
        self.id = new_guid()
        self.w, self.h = p["w"], p["h"]
        self.fps = p["fps"]
        self.request_size = p["request_size"]
        self.playback = p["playback"]
        self.method = p["method"]
        self.cond = threading.Condition()
        self.closed = False
        self.frame_no = 0
        self.enc = None
        self.render_lock = threading.Lock()
        self.next_due = time.monotonic()
        self.prev_events = None
        self.ws_open = False
        # playback clock
        self.speed = 0.0
        self.anchor_pos = 0.0
        self.anchor_wall = time.monotonic()
        self.forced = None
        self.last_ts = None
        self.last_nodata = None
        self.requested = 0
        self.edge = 0
        self.last_lost = None
        # --playback-start-delay: a new playback stream's first picture comes
        # late (a busy recording server)
        delay = sim.a.playback_start_delay if self.playback else 0.0
        self.hold_until = time.monotonic() + delay if delay > 0 else None

    # ---- control (command threads)
    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify_all()
            socket_reader = self.ws_open
        if not socket_reader:  # Pull, or no socket: nobody else will end the encoder
            self.release()

    def position(self, now=None):
        now = time.monotonic() if now is None else now
        return self.anchor_pos + self.speed * (now - self.anchor_wall) * 1000.0

    def set_size(self, w, h):
        with self.cond:
            self.w, self.h = w, h
            self.cond.notify_all()

    def set_fps(self, fps):
        with self.cond:
            self.fps = fps

    def set_speed(self, speed):
        with self.cond:
            now = time.monotonic()
            # The clock goes on from the frame on screen (not from where the
            # old speed would have been by now).
            self.anchor_pos = float(self.last_ts) if self.last_ts is not None else self.position(now)
            self.anchor_wall = now
            self.speed = speed
            self.edge = 0
            self.next_due = now
            self.cond.notify_all()

    def seek(self, target, requested):
        """Jump to `target` (a frame time, or ("nodata", ms)) and send it at once."""
        with self.cond:
            now = time.monotonic()
            pos = target[1] if isinstance(target, tuple) else target
            self.anchor_pos, self.anchor_wall = float(pos), now
            self.forced = target
            self.requested = requested
            self.edge = 0
            self.next_due = now + 1.0 / self.fps
            self.cond.notify_all()

    def current_frame(self):
        """The frame a step starts from: a seek not yet sent, else the frame
        last sent, else the clock's position."""
        with self.cond:
            if self.forced is not None:
                return self.forced[1] if isinstance(self.forced, tuple) else self.forced
            return self.last_ts if self.last_ts is not None else int(self.position())

    # ---- production (consumer thread)
    def next_message(self, timeout):
        """The next frame message, or None after `timeout` s without one, or
        raises EOFError when the stream is closed."""
        end = time.monotonic() + timeout
        while True:
            with self.cond:
                if self.closed:
                    raise EOFError
                job = self._job(time.monotonic())
                if job is None:
                    wait = min(end, self.next_due) - time.monotonic()
                    if time.monotonic() >= end:
                        return None
                    self.cond.wait(max(0.001, wait))
                    continue
                w, h = self.w, self.h
            with self.render_lock:
                return self._render(job, w, h)

    def _job(self, now):
        """What to send now as (ts, events_kind, events, requested, data?) or None."""
        if self.hold_until is not None:
            if now < self.hold_until:
                self.next_due = max(self.next_due, self.hold_until)
                return None
            self.hold_until = None
        if self.forced is not None:
            t = self.forced
            self.forced = None
            if isinstance(t, tuple):
                return self._nodata(t[1], now)
            return self._frame(t, self._pb_state(), now)
        if now < self.next_due:
            return None
        self.next_due = max(self.next_due + 1.0 / self.fps, now + 0.5 / self.fps)
        if not self.playback:
            ms = int(time.time() * 1000)
            if self.cam["lost"]:
                # No pictures while the camera is lost: a header-only message
                # with CameraConnectionLost, once a second.
                if self.last_lost is not None and now - self.last_lost < 1.0:
                    return None
                self.last_lost = now
                return ("live", ms, CAMERA_LOST, 0, False)
            self.last_lost = None
            return ("live", ms, live_events_at(ms), 0, True)
        if self.speed == 0:
            self.next_due = now + 3600
            return None
        arc = self.cam["archive"]
        p = self.position(now)
        first, last = arc.first(), arc.last()
        if last is not None and p > last:
            return self._stop_at(last, DB_END, now)
        if first is not None and p < first:
            return self._stop_at(first, DB_START, now)
        f = arc.in_span_frame(int(p))
        if f is None:
            if self.last_ts is None and self.last_nodata is not None and now - self.last_nodata < 1.0:
                return None
            return self._nodata(int(p), now)
        if f == self.last_ts:
            return None
        self.requested = int(p)
        return self._frame(f, self._pb_state(), now)

    def _pb_state(self):
        if self.speed > 0:
            return FORWARD
        if self.speed < 0:
            return BACKWARD
        return STOPPED

    def _stop_at(self, ts, edge, now):
        self.anchor_pos, self.anchor_wall, self.speed = float(ts), now, 0.0
        self.next_due = now + 3600
        self.edge = edge
        if self.last_ts == ts:
            return ("pb", ts, STOPPED | edge, ts, False)
        return self._frame(ts, STOPPED | edge, now)

    def _frame(self, ts, state, now):
        self.last_ts = ts
        self.last_nodata = None
        arc = self.cam["archive"]
        if ts == arc.first():
            state |= DB_START
        if ts == arc.last():
            state |= DB_END
        return ("pb", ts, state | self.edge, self.requested or ts, True)

    def _nodata(self, ms, now):
        self.last_ts = None
        self.last_nodata = now
        return ("pb", ms, self._pb_state() | NO_DATA, self.requested or ms, False)

    def _render(self, job, w, h):
        kind, ts, ev, requested, has_data = job
        data = b""
        if has_data:
            if self.enc is None or (self.enc.w, self.enc.h) != (w, h):
                if self.enc:
                    self.enc.close()
                self.enc = frames.JpegEncoder(w, h)
                self.enc.encode(frames.i420(w, h, 0))  # warm up: ffmpeg's start is not the frame's time
            if kind == "live":
                # stamped after a (slow) encoder start, and its events are
                # those of the stamp (motion must agree with the time sent)
                ts = int(time.time() * 1000)
                ev = live_events_at(ts)
            data = self.enc.encode(frames.i420(w, h, ts, self.cam["n"]))
        changed = ev if self.prev_events is None else ev ^ self.prev_events
        self.prev_events = ev
        flags = 0
        ext = b""
        if self.request_size:
            flags |= 0x01
            ext += struct.pack("<12I", SRC_W, SRC_H, 0, 0, SRC_W, SRC_H, w, h, 1, 0, 0, 0)
        if kind == "live":
            flags |= 0x02
            ext += struct.pack("<II", ev, changed)
        else:
            flags |= 0x04
            ext += struct.pack("<II", ev, changed)
        flags |= 0x40
        ext += struct.pack("<5I4s4I Q I", 52, 1, 0, 0x7F, int(1000 / self.fps), b"GEPJ", 1, 0, 0, 0, 0, 1)
        if kind == "pb":
            flags |= 0x200
            ext += struct.pack("<QII", requested, 0, 0)
        head = uuid.UUID(self.id).bytes_le + struct.pack("<QIIHH", ts, self.frame_no, len(data), 36 + len(ext), flags)
        self.frame_no += 1
        return head + ext + data

    def idle_message(self):
        """A header-only message (DataSize 0) with the current events: a Pull
        request that found no new frame gets this, never an empty body."""
        with self.cond:
            if self.playback:
                job = ("pb", int(self.position()), self._pb_state() | self.edge, self.requested, False)
            else:
                ms = int(time.time() * 1000)
                ev = CAMERA_LOST if self.cam["lost"] else live_events_at(ms)
                job = ("live", ms, ev, 0, False)
        with self.render_lock:
            return self._render(job, self.w, self.h)

    def release(self):
        """Ends the stream's ffmpeg encoder (a new one starts if frames are read again)."""
        with self.render_lock:
            if self.enc:
                self.enc.close()
                self.enc = None


# ====================================================================== state
class Conn:
    def __init__(self, bits, padding, peer):
        self.id = new_guid()
        self.bits, self.padding = bits, padding
        self.priv = mscrypto.new_private()
        self.pub = mscrypto.public_value(bits, self.priv)
        self.shared = mscrypto.shared_hex(bits, self.priv, peer)
        self.last = time.monotonic()
        self.logged_in = False
        self.pending_pin = False
        self.challenges = {}  # value -> expiry (monotonic)
        self.streams = {}
        self.controllers = {}  # PlaybackControllerId -> [Stream]


class Sim:
    def __init__(self, a, password):
        self.a = a
        self.password = password
        self.lock = threading.RLock()
        self.conns = {}
        self.streams = {}
        self.investigations = {}
        self.exports = {}
        self.downloads = {}
        self.failed = 0
        self.locked_until = 0.0
        self.logf = open(a.log, "a", buffering=1) if a.log else None
        self.loglock = threading.Lock()
        self.tmp = tempfile.TemporaryDirectory(prefix="milestone_sim_", dir=a.work_dir)
        now_s = float(int(time.time()))
        spans = archive_mod.parse(a.archive, now_s)
        self.cams = []
        for n in range(1, a.cameras + 1):
            empty = a.empty_last and n == a.cameras
            self.cams.append({"n": n, "id": camera_id(n), "name": "Camera %d" % n, "ptz": n == 1,
                              "archive": archive_mod.Archive([] if empty else spans, a.fps),
                              "ptz_state": {"pan": 0, "tilt": 0, "zoom": 0}, "lost": False})
        self.cam_by_id = {c["id"]: c for c in self.cams}
        self.view_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "vigil-milestone-sim/view1"))
        self.view2_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "vigil-milestone-sim/view2"))
        self.folder_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "vigil-milestone-sim/folder"))

    def log(self, **kw):
        if not self.logf:
            return
        kw["t"] = round(time.time(), 3)
        with self.loglock:
            self.logf.write(json.dumps(kw) + "\n")

    # ---- watchdog
    def expire(self):
        now = time.monotonic()
        with self.lock:
            dead = [c for c in self.conns.values() if now - c.last > self.a.watchdog]
        for c in dead:
            self.drop(c, "watchdog_expired")

    def drop(self, c, why):
        with self.lock:
            if self.conns.pop(c.id, None) is None:
                return
            for s in list(c.streams.values()):
                self.streams.pop(s.id, None)
                s.close()
            c.streams.clear()
        self.log(event=why, conn=c.id)

    def sessions(self):
        return sum(1 for c in self.conns.values() if c.logged_in)


# ====================================================================== XML
def parse_request(body):
    text = body.decode("utf-8").strip()
    root = ET.fromstring(text)
    if root.tag != "Communication":
        raise ValueError("root")
    cid = root.findtext("ConnectionId")
    cmd = root.find("Command")
    if cmd is None:
        raise ValueError("no Command")
    params = {}
    ip = cmd.find("InputParams")
    if ip is not None:
        for p in ip.findall("Param"):
            params.setdefault(p.get("Name", ""), []).append(p.get("Value", ""))
    return (cid or "").strip() or None, cmd.get("SequenceId", "0"), (cmd.findtext("Name") or "").strip(), params


def document(cid, seq, name, typ, outputs=(), extra="", error=None):
    x = ['<?xml version="1.0" encoding="utf-8"?>',
         '<Communication xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
         'xmlns:xsd="http://www.w3.org/2001/XMLSchema">']
    if cid:
        x.append("<ConnectionId>%s</ConnectionId>" % escape(cid))
    x.append('<Command SequenceId=%s><Type>%s</Type><Name>%s</Name>' % (quoteattr(str(seq)), typ, escape(name)))
    if typ == "Response":
        x.append("<OutputParams>" + "".join('<Param Name=%s Value=%s/>' % (quoteattr(k), quoteattr(str(v)))
                                            for k, v in outputs) + "</OutputParams>")
        x.append(extra)
        if error is None:
            x.append("<Result>OK</Result>")
        else:
            x.append("<Result>Error</Result><ErrorCode>%d</ErrorCode><ErrorString>%s</ErrorString>"
                     % (error, ERRORS.get(error, "Error")))
    x.append("</Command></Communication>")
    return "\n".join(x)


def one(params, key, required=True, default=None):
    v = params.get(key)
    if not v or v[0] == "":
        if required:
            raise CmdError(13)
        return default
    return v[0]


def num(params, key, required=True, default=None, kind=int):
    v = one(params, key, required, None)
    if v is None:
        return default
    try:
        return kind(v)
    except ValueError:
        raise CmdError(14)


# ====================================================================== commands
class Commands:
    def __init__(self, sim):
        self.sim = sim

    def run(self, cid, name, params):
        """(conn id for the answer, outputs, extra XML); raises CmdError."""
        sim = self.sim
        if name == "Connect":
            return self.connect(params)
        with sim.lock:
            c = sim.conns.get(cid) if cid else None
        if c is not None and time.monotonic() - c.last > sim.a.watchdog:
            sim.drop(c, "watchdog_expired")
            c = None
        if c is None:
            raise CmdError(12)
        c.last = time.monotonic()
        if not c.logged_in and name not in BEFORE_LOGIN:
            raise CmdError(23)
        if sim.a.chap and c.logged_in and name not in CHAP_EXEMPT:
            self.check_chap(c, params)
        fn = getattr(self, "cmd_" + name, None)
        if fn is None:
            raise CmdError(1)
        out = fn(c, params)
        if out is None:
            out = ([], "")
        return (c.id,) + tuple(out)

    # ---- session
    def connect(self, params):
        sim = self.sim
        key = one(params, "PublicKey")
        bits = num(params, "PrimeLength", False, sim.a.dh)
        if bits not in mscrypto.PRIMES:
            raise CmdError(14)
        padding = one(params, "EncryptionPadding", False, "PKCS7")
        if padding not in ("PKCS7", "ISO10126"):
            raise CmdError(14)
        try:
            peer = mscrypto.decode_public(key)
        except ValueError:
            raise CmdError(16)
        if not mscrypto.valid_public(bits, peer):
            raise CmdError(16)
        c = Conn(bits, padding, peer)
        with sim.lock:
            sim.conns[c.id] = c
        out = [("ConnectionId", c.id), ("Timeout", sim.a.watchdog), ("ServerId", SERVER_ID),
               ("PublicKey", mscrypto.encode_public(c.pub)), ("SecurityEnabled", "Yes"),
               ("CHAPSupported", "Yes" if sim.a.chap else "No"), ("WebSocketSupport", "Yes"),
               ("ServerProductCode", "100")]
        return c.id, out, ""

    def check_chap(self, c, params):
        ch = (params.get("Challenge") or [""])[0]
        ans = (params.get("ChalAnswer") or [""])[0]
        exp = c.challenges.pop(ch, None) if ch else None
        if exp is None or exp < time.monotonic():
            raise CmdError(51)
        if ans != mscrypto.chap_answer(ch, c.shared):
            raise CmdError(19)

    def issue_challenges(self, c, n, reset=False):
        if not self.sim.a.chap:
            return []
        if reset:
            c.challenges.clear()
        exp = time.monotonic() + self.sim.a.chap_ttl
        vals = [new_guid() for _ in range(max(0, min(100, n)))]
        for v in vals:
            c.challenges[v] = exp
        while len(c.challenges) > 1000:
            c.challenges.pop(next(iter(c.challenges)))
        return [("Challenge", v) for v in vals]

    def login_outputs(self, c, params):
        return [("ExportToAvi", "Yes"), ("ExportToMkv", "Yes"), ("ExportToDb", "No"),
                ("MultiCameraPlayback", "Yes")] + \
            self.issue_challenges(c, num(params, "NumChallenges", False, 100))

    def cmd_LogIn(self, c, params):
        sim = self.sim
        user_enc, pw_enc = one(params, "Username"), one(params, "Password")
        lt = one(params, "LoginType", False, "Basic")
        if lt == "External":
            raise CmdError(24)
        if lt not in ("Basic", "ActiveDirectory"):
            raise CmdError(14)
        try:
            user = mscrypto.decrypt_text(c.shared, user_enc, c.padding)
            pw = mscrypto.decrypt_text(c.shared, pw_enc, c.padding)
        except (ValueError, UnicodeDecodeError):
            user, pw = None, None
        now = time.monotonic()
        with sim.lock:
            if now < sim.locked_until:
                raise CmdError(61)
            if user != sim.a.user or pw != sim.password:
                sim.failed += 1
                if sim.failed >= 5:
                    sim.failed = 0
                    sim.locked_until = now + sim.a.lockout_seconds
                raise CmdError(15)
            sim.failed = 0
            if sim.a.change_password:
                raise CmdError(60)
            if sim.a.max_sessions and not c.logged_in and sim.sessions() >= sim.a.max_sessions:
                raise CmdError(26)
            c.params = params
            if sim.a.require_second_step:
                c.pending_pin = True
                raise CmdError(34, [("SecondStepAuthenticationProvider", "Email")])
            c.logged_in = True
        return self.login_outputs(c, params), ""

    def cmd_RequestSecondStepAuthenticationPin(self, c, params):
        if not c.pending_pin:
            raise CmdError(23)

    def cmd_VerifySecondStepAuthenticationPin(self, c, params):
        sim = self.sim
        if not c.pending_pin:
            raise CmdError(23)
        if one(params, "SecondStepAuthenticationPin") != sim.a.require_second_step:
            raise CmdError(36)
        with sim.lock:
            if sim.a.max_sessions and sim.sessions() >= sim.a.max_sessions:
                raise CmdError(26)
            c.pending_pin = False
            c.logged_in = True
        return self.login_outputs(c, getattr(c, "params", params)), ""

    def cmd_RequestChallenges(self, c, params):
        return self.issue_challenges(c, num(params, "NumChallenges", False, 100),
                                     one(params, "Reset", False, "No") == "Yes"), ""

    def cmd_LiveMessage(self, c, params):
        pass

    def cmd_Disconnect(self, c, params):
        self.sim.drop(c, "disconnect")

    # ---- items
    def camera(self, params, key="CameraId"):
        cid = one(params, key)
        cam = self.sim.cam_by_id.get(cid.strip("{}").lower())
        if cam is None:
            raise CmdError(20)
        return cam

    def cam_item(self, cam):
        return ('<Item Type="Camera" Id=%s Name=%s><Properties SrcWidth="%d" SrcHeight="%d" PTZ="%s" '
                'Playback="%s" Recording="Yes"/></Item>'
                % (quoteattr(cam["id"]), quoteattr(cam["name"]), SRC_W, SRC_H, "Yes" if cam["ptz"] else "No",
                   "No" if cam["archive"].empty() else "Yes"))

    def cmd_GetAllViewsAndCameras(self, c, params):
        sim = self.sim
        cams = "".join(self.cam_item(cam) for cam in sim.cams)
        view = "".join(self.cam_item(cam) for cam in sim.cams[:4])
        # a second view: the last camera alone, full screen
        single = self.cam_item(sim.cams[-1])
        x = ('<Items><Item Type="Folder" Id=%s Name="All cameras"><Items>%s</Items></Item>'
             '<Item Type="View" Id=%s Name="Overview"><Properties Columns="2" Rows="2"/><Items>%s</Items></Item>'
             '<Item Type="View" Id=%s Name="Entrance"><Properties Columns="1" Rows="1"/><Items>%s</Items></Item>'
             '</Items>' % (quoteattr(sim.folder_id), cams, quoteattr(sim.view_id), view,
                           quoteattr(sim.view2_id), single))
        return [], x

    # ---- streams
    def cmd_RequestStream(self, c, params):
        sim = self.sim
        cam = self.camera(params)
        sig = one(params, "SignalType", False, "Live")
        if sig not in ("Live", "Playback"):
            raise CmdError(14)
        method = one(params, "MethodType", False, "Push")
        if method not in ("Push", "Pull"):
            raise CmdError(14)
        if one(params, "StreamType", False, "Transcoded") != "Transcoded":
            raise CmdError(14)
        w = num(params, "DestWidth", False, 640)
        h = num(params, "DestHeight", False, 360)
        if not (16 <= w <= 4096 and 16 <= h <= 4096):
            raise CmdError(14)
        fps = max(1, min(30, num(params, "Fps", False, sim.a.fps, float)))
        p = {"w": w, "h": h, "fps": fps, "playback": sig == "Playback", "method": method,
             "request_size": one(params, "RequestSize", False, "No") == "Yes"}
        target = None
        if p["playback"]:
            if cam["archive"].empty():
                raise CmdError(32)
            with sim.lock:
                open_pb = sum(1 for s in sim.streams.values() if s.playback)
            if sim.a.max_playback and open_pb >= sim.a.max_playback:
                raise CmdError(29)
            t = num(params, "Time", False, None)
            st = one(params, "SeekType", False, "TimeOrAfter" if t is not None else "DbStart")
            target = self.seek_target(cam, st, t, None)
        pc = one(params, "PlaybackControllerId", False, None)
        if pc is not None:
            pc = pc.strip("{}").lower()
            if not p["playback"] or pc not in c.controllers:
                raise CmdError(14)
        s = Stream(sim, c, cam, p)
        if pc is not None:
            c.controllers[pc].append(s)
        if target is not None:
            s.seek(target, t if t is not None else (target[1] if isinstance(target, tuple) else target))
        with sim.lock:
            sim.streams[s.id] = s
            c.streams[s.id] = s
        return [("VideoId", s.id), ("PTZ", "Yes" if cam["ptz"] else "No")], ""

    def seek_target(self, cam, st, t, cur):
        arc = cam["archive"]
        need_t = st in ("Time", "TimeOrBefore", "TimeOrAfter", "TimeBefore", "TimeAfter")
        if need_t and t is None:
            raise CmdError(13)
        if st == "Time":
            f = arc.in_span_frame(t)
            return f if f is not None else ("nodata", t)
        fn = {"TimeOrBefore": lambda: arc.at_or_before(t) or arc.first(),
              "TimeOrAfter": lambda: arc.at_or_after(t) or arc.last(),
              "TimeBefore": lambda: arc.before(t) or arc.first(),
              "TimeAfter": lambda: arc.after(t) or arc.last(),
              "DbStart": arc.first, "DbEnd": arc.last,
              "NextFrame": lambda: arc.after(cur) or cur,
              "PrevFrame": lambda: arc.before(cur) or cur,
              "NextSeq": lambda: arc.seq_start_after(cur) or cur,
              "PrevSeq": lambda: arc.seq_start_before(cur) or arc.first()}.get(st)
        if fn is None:
            raise CmdError(14)
        return fn()

    def stream(self, c, params):
        vid = one(params, "VideoId").strip("{}").lower()
        s = c.streams.get(vid)
        if s is None:
            raise CmdError(14)
        return s

    def cmd_ChangeStream(self, c, params):
        vid = one(params, "VideoId").strip("{}").lower()
        if vid in c.controllers:
            # A playback controller: speed and seeks go to every stream on it.
            speed = num(params, "Speed", False, None, float)
            if speed is not None and abs(speed) > 32:
                raise CmdError(14)
            for s in list(c.controllers[vid]):
                if not s.closed:
                    self.change_playback(s, params)
            return
        s = self.stream(c, params)
        w = num(params, "DestWidth", False, None)
        h = num(params, "DestHeight", False, None)
        if w is not None or h is not None:
            w, h = w or s.w, h or s.h
            if not (16 <= w <= 4096 and 16 <= h <= 4096):
                raise CmdError(14)
            s.set_size(w, h)
        fps = num(params, "Fps", False, None, float)
        if fps is not None:
            s.set_fps(max(1, min(30, fps)))
        if ("Speed" in params or "SeekType" in params) and not s.playback:
            raise CmdError(23)
        self.change_playback(s, params)

    def change_playback(self, s, params):
        speed = num(params, "Speed", False, None, float)
        st = one(params, "SeekType", False, None)
        if st is not None:
            t = num(params, "Time", False, None)
            target = self.seek_target(s.cam, st, t, s.current_frame())
            s.seek(target, t if t is not None else (target[1] if isinstance(target, tuple) else target))
        if speed is not None:
            if abs(speed) > 32:
                raise CmdError(14)
            s.set_speed(speed)

    def cmd_CloseStream(self, c, params):
        if one(params, "VideoId").strip("{}").lower() in c.controllers:
            c.controllers.pop(one(params, "VideoId").strip("{}").lower())
            return
        s = self.stream(c, params)
        with self.sim.lock:
            c.streams.pop(s.id, None)
            self.sim.streams.pop(s.id, None)
        s.close()

    def cmd_CreatePlaybackController(self, c, params):
        if one(params, "CloseOldControllers", False, "No") == "Yes":
            c.controllers.clear()
        pc = new_guid()
        c.controllers[pc] = []
        return [("PlaybackControllerId", pc)], ""

    # ---- archive
    def cmd_GetSequences(self, c, params):
        cam = self.camera(params, "ItemId" if "ItemId" in params else "CameraId")
        arc = cam["archive"]
        if arc.empty():
            raise CmdError(32)
        t = num(params, "Time")
        bt = num(params, "BeforeTime", False, 0, float)
        at = num(params, "AfterTime", False, 0, float)
        bc = num(params, "BeforeCount", False, None)
        ac = num(params, "AfterCount", False, None)
        lo, hi = t - bt * 1000, t + at * 1000
        spans = [(s, e) for s, e in arc.closed_spans() if e > lo and s <= hi]
        before = [sp for sp in spans if sp[0] < t]
        after = [sp for sp in spans if sp[0] >= t]
        if bc is not None:
            before = before[-bc:] if bc > 0 else []
        if ac is not None:
            after = after[:ac]
        seqs = "".join('<Sequence StartTime="%d" EndTime="%d" TimeStamp="%d"/>' % (s, e, s) for s, e in before + after)
        return [], "<Sequences>%s</Sequences>" % seqs

    def cmd_GetRecordingTime(self, c, params):
        cam = self.camera(params)
        arc = cam["archive"]
        if arc.empty():
            raise CmdError(32)
        st = one(params, "SeekType", False, "DbStart")
        return [("Time", arc.first() if st == "DbStart" else arc.last())], ""

    def cmd_GetThumbnailByTime(self, c, params):
        cam = self.camera(params)
        arc = cam["archive"]
        if arc.empty():
            raise CmdError(32)
        t = num(params, "Time")
        st = one(params, "SeekType", False, "Time")
        f = arc.in_span_frame(t) if st == "Time" else self.seek_target(cam, st, t, t)
        if f is None or isinstance(f, tuple):
            raise CmdError(33)
        w, h = num(params, "DestWidth", False, 640), num(params, "DestHeight", False, 360)
        if not (16 <= w <= 4096 and 16 <= h <= 4096):
            raise CmdError(14)
        jpg = frames.jpeg(w, h, f, cam["n"])
        return [("Timestamp", f)], "<Thumbnail>%s</Thumbnail>" % base64.b64encode(jpg).decode()

    def cmd_GetThumbnail(self, c, params):
        cam = self.camera(params)
        ms = int(time.time() * 1000)
        jpg = frames.jpeg(num(params, "DestWidth", False, 640), num(params, "DestHeight", False, 360), ms, cam["n"])
        return [("Timestamp", ms)], "<Thumbnail>%s</Thumbnail>" % base64.b64encode(jpg).decode()

    # ---- PTZ
    def cmd_ControlPTZ(self, c, params):
        cam = self.camera(params)
        if not cam["ptz"]:
            raise CmdError(24)
        move = one(params, "PtzMove", False, None)
        preset = one(params, "PtzPreset", False, None)
        st = cam["ptz_state"]
        if move is not None:
            if move not in PTZ_MOVES:
                raise CmdError(14)
            if move == "Home":
                st.update(pan=0, tilt=0, zoom=0)
            else:
                st["pan"] += ("Right" in move) - ("Left" in move)
                st["tilt"] += move.startswith("Up") - move.startswith("Down")
                st["zoom"] += (move == "ZoomIn") - (move == "ZoomOut")
        elif preset is not None:
            if preset not in PRESETS:
                raise CmdError(14)
            i = PRESETS.index(preset) + 1
            st.update(pan=10 * i, tilt=-i, zoom=i)
        elif "Type" in params:
            pass  # gestures: accepted, logged
        else:
            raise CmdError(13)
        return [("PtzPan", st["pan"]), ("PtzTilt", st["tilt"]), ("PtzZoom", st["zoom"])], ""

    def cmd_GetPtzPresets(self, c, params):
        cam = self.camera(params)
        if not cam["ptz"]:
            raise CmdError(22)
        return [("Preset", p) for p in PRESETS], ""

    # ---- exports
    def cmd_CreateInvestigation(self, c, params):
        sim = self.sim
        t0, t1 = num(params, "StartTime"), num(params, "EndTime")
        if t1 <= t0:
            raise CmdError(14)
        cams = [self.camera({"CameraId": [v]}) for v in params.get("CameraId", [])]
        if not cams:
            raise CmdError(13)
        arc = cams[0]["archive"]
        if arc.empty():
            raise CmdError(32)
        if not arc.frames_in(t0, t1):
            raise CmdError(33)
        inv = {"id": new_guid(), "name": one(params, "Name", False, "Investigation"), "t0": t0, "t1": t1,
               "cam": cams[0]}
        with sim.lock:
            sim.investigations[inv["id"]] = inv
        return [("InvestigationId", inv["id"])], ""

    def cmd_StartInvestigationExport(self, c, params):
        sim = self.sim
        inv = sim.investigations.get(one(params, "InvestigationId").strip("{}").lower())
        if inv is None:
            raise CmdError(21)
        typ = one(params, "ExportType", False, "MKV").upper()
        if typ == "DB":
            raise CmdError(24)
        if typ not in ("MKV", "AVI"):
            raise CmdError(14)
        ex = {"id": new_guid(), "inv": inv, "type": typ, "state": 0, "size": 0, "queued": int(time.time() * 1000),
              "completed": 0, "path": os.path.join(sim.tmp.name, new_guid() + "." + typ.lower())}
        with sim.lock:
            sim.exports[ex["id"]] = ex
        threading.Thread(target=self.run_export, args=(ex,), daemon=True).start()
        return [("ExportId", ex["id"])], ""

    def run_export(self, ex):
        inv = ex["inv"]
        times = inv["cam"]["archive"].frames_in(inv["t0"], inv["t1"])

        def progress(done, total):
            ex["state"] = min(99, done * 100 // max(1, total))
        try:
            w, h = self.sim.a.export_size
            frames.export_file(ex["path"], ex["type"], w, h, self.sim.a.fps, times, inv["cam"]["n"], progress)
            ex["size"] = os.path.getsize(ex["path"])
            ex["completed"] = int(time.time() * 1000)
            ex["state"] = 100
        except Exception as e:  # noqa: BLE001 - reported as a failed export
            ex["state"] = -1
            self.sim.log(event="export_failed", error=str(e))
        self.sim.log(event="export_done", export=ex["id"], state=ex["state"], frames=len(times))

    def cmd_GetExport(self, c, params):
        sim = self.sim
        eid = one(params, "ExportId").strip("{}").lower()
        with sim.lock:
            if eid in ("00000000-0000-0000-0000-000000000000", "a3b9c5fb-faad-42c8-ab73-b79d6fffdbc1"):
                exs = list(sim.exports.values())
            elif eid in sim.exports:
                exs = [sim.exports[eid]]
            else:
                raise CmdError(21)
        x = "".join('<Export Id=%s InvestigationId=%s Name=%s Type="%s" State="%d" Size="%d" StartTime="%d" '
                    'EndTime="%d" QueuedTime="%d" CompletedTime="%d"/>'
                    % (quoteattr(e["id"]), quoteattr(e["inv"]["id"]), quoteattr(e["inv"]["name"]), e["type"],
                       e["state"], e["size"], e["inv"]["t0"], e["inv"]["t1"], e["queued"], e["completed"])
                    for e in exs)
        return [], "<Exports>%s</Exports>" % x

    def cmd_CreateExportDownloadLink(self, c, params):
        sim = self.sim
        ex = sim.exports.get(one(params, "ExportId").strip("{}").lower())
        if ex is None:
            raise CmdError(21)
        if ex["state"] != 100:
            raise CmdError(23)
        token = secrets.token_hex(16)
        name = "%s.%s" % ("".join(ch if ch.isalnum() else "_" for ch in ex["inv"]["name"]), ex["type"].lower())
        with sim.lock:
            sim.downloads[token] = (ex, time.monotonic() + 3600)
        return [("ExportLink", "/XProtectMobile/Download/%s/%s" % (token, name))], ""


# ====================================================================== HTTP
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "VigilMilestoneSim"

    def log_message(self, *a):
        pass

    @property
    def sim(self):
        return self.server.sim

    def send(self, status, body=b"", ctype="text/plain; charset=utf-8"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 1 << 20:
            raise ValueError("too big")
        return self.rfile.read(n)

    def video_id(self):
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if len(parts) == 3 and parts[0] == "XProtectMobile" and parts[1] == "Video":
            return parts[2].strip("{}").lower()
        return None

    def do_POST(self):
        path = self.path.split("?")[0]
        try:
            body = self.body()
        except ValueError:
            return self.send(413, "too big")
        if path == "/XProtectMobile/Communication":
            return self.communication(body)
        if path == "/__sim/lost":
            return self.lost()
        vid = self.video_id()
        if vid is not None:
            return self.pull(vid)
        self.send(404, "not found")

    def communication(self, body):
        sim = self.sim
        try:
            cid, seq, name, params = parse_request(body)
        except (ValueError, ET.ParseError, UnicodeDecodeError):
            return self.send(400, "bad request")
        logged = {k: (["***"] if k in SECRET_PARAMS else v) for k, v in params.items()}
        if name == "Connect":
            logged["PublicKey"] = ["..."]
        try:
            out_cid, outputs, extra = Commands(sim).run(cid, name, params)
            doc = document(out_cid, seq, name, "Response", outputs, extra)
            result = "OK"
        except CmdError as e:
            doc = document(cid, seq, name, "Response", e.outputs, "", e.code)
            result = e.code
            out_cid = cid
        sim.log(event="command", name=name, conn=out_cid, params=logged, result=result)
        docs = []
        if name in PROCESSING and (params.get("ProcessingMessage") or [""])[0] != "No":
            docs.append(document(out_cid, seq, name, "Processing"))
        docs.append(doc)
        self.send(200, "".join(d + "\r\n\r\n" for d in docs), "text/xml; charset=utf-8")

    def pull(self, vid):
        s = self.sim.streams.get(vid)
        if s is None:
            return self.send(404, "unknown video id")
        try:
            msg = s.next_message(2.0)
        except EOFError:
            return self.send(404, "stream closed")
        if msg is None:
            msg = s.idle_message()
        self.send(200, msg, "application/octet-stream")

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = self.path.split("?")[0]
        parts = [p for p in path.split("/") if p]
        if len(parts) == 4 and parts[:2] == ["XProtectMobile", "Download"]:
            return self.download(parts[2])
        vid = self.video_id()
        if vid is not None and self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket(vid)
        if path == "/__sim/state":
            return self.state()
        self.send(404, "not found")

    # ---- test endpoints (SIM only, no auth)
    def state(self):
        sim = self.sim
        with sim.lock:
            st = {"connections": len(sim.conns), "sessions": sim.sessions(),
                  "streams": [{"video": s.id, "camera": s.cam["id"], "playback": s.playback, "size": [s.w, s.h],
                               "speed": s.speed, "socket": s.ws_open} for s in sim.streams.values()],
                  "cameras": [{"id": c["id"], "ptz": c["ptz_state"], "lost": c["lost"]} for c in sim.cams]}
        self.send(200, json.dumps(st), "application/json")

    def lost(self):
        from urllib.parse import parse_qs, urlsplit
        q = parse_qs(urlsplit(self.path).query)
        try:
            cam = self.sim.cams[int(q["camera"][0]) - 1]
        except (KeyError, ValueError, IndexError):
            return self.send(400, "camera=N&on=1|0")
        cam["lost"] = q.get("on", ["1"])[0] == "1"
        self.sim.log(event="camera_lost", camera=cam["id"], on=cam["lost"])
        self.send(200, "ok")

    def download(self, token):
        sim = self.sim
        with sim.lock:
            item = sim.downloads.get(token)
        if item is None or item[1] < time.monotonic():
            return self.send(404, "unknown link")
        ex = item[0]
        with open(ex["path"], "rb") as f:
            data = f.read()
        sim.log(event="download", export=ex["id"], size=len(data))
        self.send(200, data, "video/x-matroska" if ex["type"] == "MKV" else "video/x-msvideo")

    # ---- RFC 6455
    def websocket(self, vid):
        sim = self.sim
        s = sim.streams.get(vid)
        key = self.headers.get("Sec-WebSocket-Key")
        if s is None or not key:
            return self.send(404, "unknown video id")
        with s.cond:
            if s.ws_open:
                busy = True
            else:
                busy, s.ws_open = False, True
        if busy:
            return self.send(409, "video id already has a socket")
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        sim.log(event="ws_open", video=vid)
        wlock = threading.Lock()
        gone = threading.Event()

        def send_frame(op, payload):
            n = len(payload)
            if n < 126:
                h = struct.pack("!BB", 0x80 | op, n)
            elif n < 65536:
                h = struct.pack("!BBH", 0x80 | op, 126, n)
            else:
                h = struct.pack("!BBQ", 0x80 | op, 127, n)
            with wlock:
                self.wfile.write(h + payload)
                self.wfile.flush()

        def reader():
            try:
                while not gone.is_set():
                    b = self.rfile.read(2)
                    if len(b) < 2:
                        break
                    op, n = b[0] & 0x0F, b[1] & 0x7F
                    if n == 126:
                        n = struct.unpack("!H", self.rfile.read(2))[0]
                    elif n == 127:
                        n = struct.unpack("!Q", self.rfile.read(8))[0]
                    if n > 1 << 20:
                        break
                    mask = self.rfile.read(4) if b[1] & 0x80 else b"\0\0\0\0"
                    data = bytes(x ^ mask[i % 4] for i, x in enumerate(self.rfile.read(n)))
                    if op == 0x8:
                        try:
                            send_frame(0x8, data[:2])
                        except OSError:
                            pass
                        break
                    if op == 0x9:
                        send_frame(0xA, data)
            except (OSError, struct.error):
                pass
            gone.set()

        threading.Thread(target=reader, daemon=True).start()
        try:
            while not gone.is_set():
                try:
                    msg = s.next_message(0.5)
                except EOFError:
                    try:
                        send_frame(0x8, struct.pack("!H", 1000))
                    except OSError:
                        pass
                    break
                if msg is not None:
                    send_frame(0x2, msg)
        except OSError:
            pass
        finally:
            gone.set()
            with s.cond:
                s.ws_open = False
            s.release()
            sim.log(event="ws_close", video=vid)
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    ctx = None

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's own thread, so a client
        # that stalls or rejects the certificate (pin mismatch) blocks nobody.
        if self.ctx is not None:
            request.settimeout(10)
            request = self.ctx.wrap_socket(request, server_side=True)
            request.settimeout(None)
        self.RequestHandlerClass(request, client_address, self)

    def handle_error(self, request, client_address):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", help="for hand runs; tests use --password-env or --password-stdin")
    ap.add_argument("--password-env", metavar="NAME")
    ap.add_argument("--password-stdin", action="store_true")
    ap.add_argument("--watchdog", type=int, default=30, help="Timeout (s) announced by Connect")
    ap.add_argument("--chap", action="store_true")
    ap.add_argument("--chap-ttl", type=float, default=59 * 60)
    ap.add_argument("--dh", type=int, choices=(1024, 2048), default=2048, help="group when Connect omits PrimeLength")
    ap.add_argument("--fps", type=float, default=10)
    ap.add_argument("--cameras", type=int, default=3)
    ap.add_argument("--archive", default=archive_mod.DEFAULT)
    ap.add_argument("--empty-last", action="store_true", help="the last camera has no recordings")
    ap.add_argument("--require-second-step", metavar="PIN")
    ap.add_argument("--max-sessions", type=int, default=0)
    ap.add_argument("--max-playback", type=int, default=0)
    ap.add_argument("--playback-start-delay", type=float, default=0.0,
                    help="seconds before a new playback stream's first frame")
    ap.add_argument("--change-password", action="store_true")
    ap.add_argument("--lockout-seconds", type=float, default=30)
    ap.add_argument("--export-size", type=lambda s: tuple(int(x) for x in s.split("x")), default=(640, 360))
    ap.add_argument("--log")
    ap.add_argument("--work-dir", help="where exports are written (a temporary folder inside it; default: the system's)")
    a = ap.parse_args()
    if a.password_env:
        password = os.environ.get(a.password_env)
        if password is None:
            ap.error("environment variable %s is not set" % a.password_env)
    elif a.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif a.password is not None:
        password = a.password
    else:
        ap.error("give --password-env NAME, --password-stdin or --password")
    sim = Sim(a, password)
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.sim = sim
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.ctx = ctx

    def watchdog():
        while True:
            time.sleep(0.2)
            sim.expire()
    threading.Thread(target=watchdog, daemon=True).start()
    # SIGTERM ends like Ctrl-C, so the export folder is removed.
    def on_term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    print("READY %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.tmp.cleanup()


if __name__ == "__main__":
    main()
