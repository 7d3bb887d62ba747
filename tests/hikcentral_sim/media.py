"""The simulator's media side: a real RTSP server (Debian's gst-rtsp-server through
python3-gi; run with /usr/bin/python3) whose mounts exist only for issued tokens
(`/openUrl/<token>`; a wrong or expired token is 404 at DESCRIBE), plus clip files
for the download flow. Every frame carries VTC1 (TIMECODE.md): live = wall clock at
capture, playback and downloads = archive time. H.264 or H.265 (--codec).
"""
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

CELLS = 64
SYNC = 0b10110010


def crc8(data):
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def vtc1_row(width, ms):
    """One luma row of the VTC1 strip (235 for 1, 16 for 0)."""
    ts = ms.to_bytes(6, "big")
    word = (SYNC << 56) | (int.from_bytes(ts, "big") << 8) | crc8(ts)
    cell = width // CELLS
    row = bytearray(b"\x10" * width)
    for i in range(CELLS):
        if (word >> (63 - i)) & 1:
            row[i * cell:(i + 1) * cell] = b"\xeb" * cell
    return bytes(row)


class Picture:
    """I420 frames: the VTC1 strip on top, a grey field with a bar that moves."""

    def __init__(self, width, height, shade):
        self.w, self.h = width, height
        self.cell = width // CELLS
        self.chroma = b"\x80" * ((width // 2) * (height // 2) * 2)
        self.shade = shade

    def frame(self, ms, n):
        w, h, cell = self.w, self.h, self.cell
        x = (n * 8) % w
        row = bytearray([self.shade]) * w
        row[x:x + 16] = b"\xc8" * len(row[x:x + 16])
        return vtc1_row(w, ms) * cell + bytes(row) * (h - cell) + self.chroma


def encoder(codec, fps):
    if codec == "h265":
        return ("x265enc tune=zerolatency speed-preset=ultrafast key-int-max=%d bitrate=600 "
                "! h265parse config-interval=-1" % fps)
    return ("x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%d bitrate=800 "
            "! video/x-h264,profile=main ! h264parse config-interval=-1" % fps)


def frame_times(begin_ms, end_ms, spans, fps):
    """Archive instants of the frames of [begin, end) that are recorded (gaps skipped)."""
    step = 1000.0 / fps
    for s0, s1 in spans:
        lo, hi = max(begin_ms, s0), min(end_ms, s1)
        k = 0
        while lo + k * step < hi:
            yield int(round(lo + k * step))
            k += 1


class LiveFactory(GstRtspServer.RTSPMediaFactory):
    """A camera's live stream, one encoder shared by every token of the camera."""

    def __init__(self, key, width, height, fps, codec, shade):
        super().__init__()
        self.key, self.fps, self.pic = key, fps, Picture(width, height, shade)
        self.launch = (
            "( appsrc name=src is-live=true do-timestamp=true format=time "
            "caps=video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! %s ! %s name=pay0 pt=96 )"
            % (width, height, fps, encoder(codec, fps), "rtph265pay" if codec == "h265" else "rtph264pay"))
        self.set_shared(True)

    def do_gen_key(self, url):
        return self.key

    def do_create_element(self, url):
        return Gst.parse_launch(self.launch)

    def do_configure(self, media):
        GstRtspServer.RTSPMediaFactory.do_configure(self, media)
        src = media.get_element().get_by_name("src")
        n = [0]

        def push():
            buf = Gst.Buffer.new_wrapped(self.pic.frame(int(time.time() * 1000), n[0]))
            buf.duration = Gst.SECOND // self.fps
            n[0] += 1
            return src.emit("push-buffer", buf) == Gst.FlowReturn.OK

        GLib.timeout_add(1000 // self.fps, push)


class PlaybackFactory(GstRtspServer.RTSPMediaFactory):
    """The archive over [begin, end) at 1x (the server paces a non-live source), VTC1 =
    archive time; end of stream at the window's end."""

    def __init__(self, width, height, fps, codec, begin_ms, end_ms, spans, shade):
        super().__init__()
        self.fps, self.pic = fps, Picture(width, height, shade)
        self.window = (begin_ms, end_ms, spans)
        self.launch = (
            "( appsrc name=src is-live=false format=time "
            "caps=video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! %s ! %s name=pay0 pt=96 )"
            % (width, height, fps, encoder(codec, fps), "rtph265pay" if codec == "h265" else "rtph264pay"))
        self.set_shared(False)

    def do_create_element(self, url):
        return Gst.parse_launch(self.launch)

    def do_configure(self, media):
        GstRtspServer.RTSPMediaFactory.do_configure(self, media)
        src = media.get_element().get_by_name("src")
        frames = frame_times(*self.window, self.fps)
        dur = Gst.SECOND // self.fps
        n = [0]

        def need(appsrc, _length):
            ms = next(frames, None)
            if ms is None:
                appsrc.emit("end-of-stream")
                return
            buf = Gst.Buffer.new_wrapped(self.pic.frame(ms, n[0]))
            buf.pts, buf.duration = n[0] * dur, dur
            n[0] += 1
            appsrc.emit("push-buffer", buf)

        src.connect("need-data", need)


class Media:
    """The RTSP server plus clip writer. URLs are rtsp://127.0.0.1:PORT/openUrl/<token>."""

    def __init__(self, port, width, height, fps, codec):
        Gst.init(None)
        self.width, self.height, self.fps, self.codec = width, height, fps, codec
        self.server = GstRtspServer.RTSPServer()
        self.server.set_address("127.0.0.1")
        self.server.set_service(str(port))
        self.mounts = self.server.get_mount_points()
        self.live = {}
        self.factories = {}
        self.lock = threading.Lock()
        if self.server.attach(None) == 0:
            raise RuntimeError("RTSP attach failed")
        self.port = self.server.get_bound_port()
        self.loop = GLib.MainLoop()
        threading.Thread(target=self.loop.run, daemon=True).start()

    def _mount(self, token, factory, ttl):
        path = "/openUrl/" + token
        with self.lock:
            self.factories[path] = factory
        self.mounts.add_factory(path, factory)

        def expire():
            self.mounts.remove_factory(path)
            with self.lock:
                self.factories.pop(path, None)
            return False

        GLib.timeout_add(int(ttl * 1000), expire)
        return "rtsp://127.0.0.1:%d%s" % (self.port, path)

    def live_url(self, token, cam, stream, ttl):
        key = "%d/%d" % (cam, stream)
        with self.lock:
            fac = self.live.get(key)
            if fac is None:
                w, h = (self.width, self.height) if stream == 0 else (self.width // 2, self.height // 2)
                fac = self.live[key] = LiveFactory(key, w, h, self.fps, self.codec, 60 + 20 * (cam % 6))
        return self._mount(token, fac, ttl)

    def playback_url(self, token, cam, begin_ms, end_ms, spans, ttl):
        fac = PlaybackFactory(self.width, self.height, self.fps, self.codec, begin_ms, end_ms, spans,
                              60 + 20 * (cam % 6))
        return self._mount(token, fac, ttl)

    def write_clip(self, path, cam, begin_ms, end_ms, spans):
        """MPEG-TS file of [begin, end] (VTC1 = archive time); returns its size."""
        pic = Picture(self.width, self.height, 60 + 20 * (cam % 6))
        pipe = Gst.parse_launch(
            "appsrc name=src is-live=false format=time block=true max-bytes=4000000 "
            "caps=video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! %s ! mpegtsmux "
            "! filesink location=%s" % (self.width, self.height, self.fps, encoder(self.codec, self.fps), path))
        src = pipe.get_by_name("src")
        pipe.set_state(Gst.State.PLAYING)
        dur = Gst.SECOND // self.fps
        for n, ms in enumerate(frame_times(begin_ms, end_ms + 1, spans, self.fps)):
            buf = Gst.Buffer.new_wrapped(pic.frame(ms, n))
            buf.pts, buf.duration = n * dur, dur
            src.emit("push-buffer", buf)
        src.emit("end-of-stream")
        msg = pipe.get_bus().timed_pop_filtered(120 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        pipe.set_state(Gst.State.NULL)
        if msg is None or msg.type == Gst.MessageType.ERROR:
            raise RuntimeError("clip writer failed: %s" % (msg.parse_error()[0] if msg else "timeout"))
