"""RTSP side of the simulated Dahua device (GStreamer's gst-rtsp-server,
Debian's python3-gi): `/cam/realmonitor?channel=N&subtype=0|1` (live, VTC1 of
the wall clock at capture) and `/cam/playback?channel=N&subtype=&starttime=
YYYY_MM_DD_HH_MM_SS&endtime=...` (device local time; frames carry the
archive's VTC1 time and skip the gaps, paced at 1x; EOS at endtime; every frame a keyframe; the
archive resumes after the first frame when the media plays). Digest
auth with the device's credentials. An unknown channel or a malformed query
gets no media (the server answers 503 to DESCRIBE; SIM: devices vary)."""
import datetime as dt
import time
from urllib.parse import parse_qs

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

import frames  # noqa: E402


def _query(url):
    return {k: v[-1] for k, v in parse_qs(url.query or "", keep_blank_values=True).items()}


class DahuaFactory(GstRtspServer.RTSPMediaFactory):
    def __init__(self, dev, playback):
        super().__init__()
        self.dev, self.playback = dev, playback
        self.set_shared(not playback)

    def do_gen_key(self, url):
        return "%s?%s" % (url.abspath, url.query or "")

    def _plan(self, url):
        q = _query(url)
        ch = int(q.get("channel", "1"))
        sub = int(q.get("subtype", "0"))
        if not self.dev.valid_channel(ch) or sub not in (0, 1):
            return None
        a = self.dev.a
        w, h = a.sub_size if sub == 1 else a.main_size
        plan = {"ch": ch, "w": w, "h": h, "fps": a.fps}
        if self.playback:
            fmt = "%Y_%m_%d_%H_%M_%S"
            t0 = self.dev.from_local(q["starttime"], fmt)
            t1 = self.dev.from_local(q["endtime"], fmt)
            plan["times"] = frames.archive_times(self.dev.spans, t0, t1, a.fps)
            if not plan["times"]:
                return None
        return plan

    def do_create_element(self, url):
        try:
            plan = self._plan(url)
        except (KeyError, ValueError):
            plan = None
        self.dev.log(path="rtsp:" + url.abspath, action="DESCRIBE", query=_query(url),
                     auth="ok" if plan else "no-media")
        if plan is None:
            return None
        w, h, fps = plan["w"], plan["h"], plan["fps"]
        times = plan.get("times")
        pipe = Gst.parse_launch(
            "( appsrc name=src is-live=true do-timestamp=true format=time "
            f"caps=video/x-raw,format=I420,width={w},height={h},framerate={fps}/1 "
            f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={1 if times else fps} bitrate=400 "
            "! video/x-h264,profile=main ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )")
        src = pipe.get_by_name("src")
        state = {"i": 0}
        self._last_state = state

        def push():
            if times is not None:
                if state["i"] >= len(times):
                    src.emit("end-of-stream")
                    return False
                ms = times[state["i"]]
                state["i"] += 1
            else:
                ms = int(time.time() * 1000)
            buf = Gst.Buffer.new_wrapped(frames.i420(w, h, ms, plan["ch"]))
            buf.duration = Gst.SECOND // fps
            return src.emit("push-buffer", buf) == Gst.FlowReturn.OK

        def start(*_):
            if not state.get("started"):
                state["started"] = True
                GLib.timeout_add(1000 // fps, push)

        src.connect("need-data", start)
        return pipe

    def do_configure(self, media):
        GstRtspServer.RTSPMediaFactory.do_configure(self, media)
        if not self.playback:
            return
        state = self._last_state

        # frames pushed before the client plays are lost, except the first
        # (it primed the payloader's caps for the SDP and is sent at PLAY):
        # at PLAY the archive resumes right after it (every frame a keyframe)
        def on_state(_media, st):
            if st == Gst.State.PLAYING:
                state["i"] = min(1, state["i"])

        media.connect("new-state", on_state)


def start(dev, port):
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    mounts = server.get_mount_points()
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
    auth.add_digest(dev.a.user, dev.a.password, token)
    auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(auth)
    for path, playback in (("/cam/realmonitor", False), ("/cam/playback", True)):
        fac = DahuaFactory(dev, playback)
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role("user", "media.factory.access", True)
        perms.add_permission_for_role("user", "media.factory.construct", True)
        fac.set_permissions(perms)
        mounts.add_factory(path, fac)
    if server.attach(None) == 0:
        raise SystemExit("RTSP attach failed")
    return server.get_bound_port(), GLib.MainLoop()
