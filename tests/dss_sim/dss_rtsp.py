"""The RTSP half of the DSS simulator (dss_sim.py): GStreamer's RTSP server
(python3-gi, run with /usr/bin/python3) with live mounts stamped with the
wall clock and one playback mount per StartPlaybackByTime session stamped
with the archive's time, every request checked against the media tokens the
HTTP side issued (a wrong or expired token gets 401)."""
import signal
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

import vtc1  # noqa: E402  (shared/bench, put on sys.path by dss_sim.py)


def body_pixels(width, height, shade):
    """A plain grey picture below the strip (cheap to encode)."""
    return bytes([shade]) * (width * height)


class StampFactory(GstRtspServer.RTSPMediaFactory):
    """Frames built in Python: a VTC1 strip over a grey body. `clock(n)`
    gives the timestamp (ms) of frame n, or None at the end of the stream."""

    def __init__(self, width, height, fps, clock, shared, shade=96):
        super().__init__()
        self.width, self.height, self.fps, self.clock = width, height, fps, clock
        self.cell = width // vtc1.CELLS
        self.body = body_pixels(width, height - self.cell, shade)
        self.launch = (
            f"( appsrc name=src is-live=true do-timestamp=true format=time "
            f"caps=video/x-raw,format=GRAY8,width={width},height={height},framerate={fps}/1 "
            f"! videoconvert ! video/x-raw,format=I420 "
            f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=600 "
            f"! video/x-h264,profile=main ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )"
        )
        self.set_shared(shared)
        self.set_eos_shutdown(True)

    def do_create_element(self, url):
        return Gst.parse_launch(self.launch)

    def do_configure(self, media):
        GstRtspServer.RTSPMediaFactory.do_configure(self, media)
        src = media.get_element().get_by_name("src")
        state = {"n": 0, "done": False}

        def push():
            if state["done"]:
                return False
            ms = self.clock(state["n"])
            if ms is None:
                state["done"] = True
                src.emit("end-of-stream")
                return False
            state["n"] += 1
            buf = Gst.Buffer.new_wrapped(vtc1.strip_gray(self.width, ms) + self.body)
            buf.duration = Gst.SECOND // self.fps
            if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
                state["done"] = True
                return False
            return True

        push()
        GLib.timeout_add(1000 // self.fps, push)


class ArchiveFactory(GstRtspServer.RTSPMediaFactory):
    """One playback session: a non-live, seekable stream (prerolled like a
    file: its first frame is the requested start, a PLAY Range seeks in it,
    nothing is lost before PLAY), paced at 1x by the server's clock, frames stamped with the
    archive's time from `start_ms` until `end_ms`, then end of stream."""

    def __init__(self, width, height, fps, start_ms, end_ms):
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self.start_ms, self.end_ms = start_ms, end_ms
        self.body = body_pixels(width, height - width // vtc1.CELLS, 150)
        self.launch = (
            f"( appsrc name=src is-live=false format=time stream-type=seekable "
            f"caps=video/x-raw,format=GRAY8,width={width},height={height},framerate={fps}/1 "
            f"! videoconvert ! video/x-raw,format=I420 "
            f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=600 "
            f"! video/x-h264,profile=main ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )"
        )
        self.set_shared(False)

    def do_create_element(self, url):
        return Gst.parse_launch(self.launch)

    def do_configure(self, media):
        GstRtspServer.RTSPMediaFactory.do_configure(self, media)
        src = media.get_element().get_by_name("src")
        state = {"n": 0, "done": False}
        dur = Gst.SECOND // self.fps
        interval = 1000 // self.fps

        def need(appsrc, _length):
            if state["done"]:
                return
            ms = self.start_ms + state["n"] * interval
            if ms >= self.end_ms:
                state["done"] = True
                appsrc.emit("end-of-stream")
                return
            buf = Gst.Buffer.new_wrapped(vtc1.strip_gray(self.width, ms) + self.body)
            buf.pts = state["n"] * dur
            buf.duration = dur
            state["n"] += 1
            appsrc.emit("push-buffer", buf)

        def seek(appsrc, offset_ns):
            # a PLAY's Range (npt from the requested start) flushes and seeks
            # here: the archive's time follows the position
            state["n"] = max(0, offset_ns) // dur
            state["done"] = False
            return True

        src.connect("need-data", need)
        src.connect("seek-data", seek)


class RtspSide:
    def __init__(self, platform, port, width, height, fps):
        Gst.init(None)
        self.platform = platform
        self.width, self.height, self.fps = width, height, fps
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address("127.0.0.1")
        self.server.set_service(str(port))
        self.mounts = self.server.get_mount_points()
        for _, _, _, n in platform.channels():
            for stream, (w, h) in (("main", (width, height)), ("sub", (width // 2, height // 2))):
                fac = StampFactory(w, h, fps, lambda _n: int(time.time() * 1000), True, 60 + 40 * n)
                self.mounts.add_factory(f"/live/{n}/{stream}", fac)
        self.server.connect("client-connected", self.on_client)
        self.clients = []
        self.described = set()  # connections whose DESCRIBE had a good token

    def on_client(self, server, client):
        with self.platform.lock:
            self.clients.append(client)
        for sig in ("pre-describe-request", "pre-setup-request", "pre-play-request"):
            client.connect(sig, self.check, sig.split("-")[1])
        client.connect("closed", self.on_closed)

    def on_closed(self, client):
        with self.platform.lock:
            if client in self.clients:
                self.clients.remove(client)
            self.described.discard(client)

    def check(self, client, ctx, what):
        """DESCRIBE must carry a good token; SETUP and PLAY (whose control
        URLs have no query) are allowed on a connection whose DESCRIBE had
        one, or with a good token of their own."""
        path, query = ctx.uri.abspath, ctx.uri.query
        ok, session = self.platform.media_token_ok(path, query)
        with self.platform.lock:
            if what == "describe":
                if ok:
                    self.described.add(client)
                else:
                    self.described.discard(client)
            elif not ok and not query and client in self.described:
                ok = True
        if what == "describe" or not ok:
            self.platform.log("rtsp", method=what.upper(), path=path, session=session,
                              result="ok" if ok else "refused")
        return GstRtsp.RTSPStatusCode.OK if ok else GstRtsp.RTSPStatusCode.UNAUTHORIZED

    def add_playback(self, sid, start_s, end_s):
        """A mount for one playback session: frames from start_s (archive
        time) to end_s, then end of stream."""
        fac = ArchiveFactory(self.width, self.height, self.fps, start_s * 1000, end_s * 1000)
        done = threading.Event()

        def add():
            self.mounts.add_factory(f"/playback/{sid}", fac)
            done.set()
            return False

        GLib.idle_add(add)
        done.wait(5)

    def drop_clients(self):
        """Disconnects every RTSP client (a network break, a server restart)."""
        with self.platform.lock:
            clients = list(self.clients)
        done = threading.Event()

        def drop():
            for c in clients:
                c.close()
            done.set()
            return False

        GLib.idle_add(drop)
        done.wait(5)
        return len(clients)

    def run(self, ready):
        loop = GLib.MainLoop()
        if self.server.attach(None) == 0:
            raise SystemExit("RTSP attach failed")
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
        ready()
        loop.run()
