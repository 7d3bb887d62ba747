#!/usr/bin/python3
"""A real ONVIF replay peer: GStreamer's ONVIF RTSP server (RTSPOnvifServer +
RTSPOnvifMediaFactory, Debian's gir1.2-gst-rtsp-server-1.0) serving one
recorded H.264 file whose frames carry VTC1 timecodes (../../shared/bench/vtc1.py).

  /usr/bin/python3 onvif_replay_peer.py --port 8554 --start-ms 1767225600000 \
      --seconds 20 --fps 15 --dir /tmp/x [--user U --password P] [--session-timeout S]

Startup writes the recording (DIR/rec.mp4, 640x360, 1 s GOP, no B-frames):
frame i shows VTC1 = start + i * 1000 / fps ms. The mount /replay answers
ONVIF replay: `Require: onvif-replay`, `Range: clock=...` (translated into a
seek of the file: recording time = start + file time), `Scale` (negative =
reverse), `Rate-Control: no`; the `rtponviftimestamp` element stamps every
access unit's first RTP packet with the ONVIF header extension, NTP time =
start + file pts, so header and pixels agree by construction of the file, not
of the client. With --session-timeout, sessions expire after S seconds without
a request (expired ones are removed every 0.5 s, as a camera does) and the
peer prints `request METHOD` for PLAY/PAUSE/GET_PARAMETER/OPTIONS and
`session expired` for each session it removes. Binds 127.0.0.1 only; prints
READY; stops on SIGTERM/SIGINT.
"""
import argparse
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

NTP_UNIX_S = 2208988800


def shared_bench():
    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.environ.get("VIGIL_SHARED") or os.path.join(here, "..", "..", "..", "shared")
    return os.path.join(shared, "bench")


sys.path.insert(0, shared_bench())
import vtc1  # noqa: E402


def write_recording(path, start_ms, seconds, fps, width, height):
    """Encodes the VTC1-stamped recording with x264 into an MP4 file."""
    pipe = Gst.parse_launch(
        f"appsrc name=src format=time caps=video/x-raw,format=I420,width={width},height={height},"
        f"framerate={fps}/1 ! x264enc speed-preset=ultrafast key-int-max={fps} bframes=0 bitrate=800 "
        f"! video/x-h264,profile=main ! h264parse ! mp4mux ! filesink location={path}"
    )
    src = pipe.get_by_name("src")
    pipe.set_state(Gst.State.PLAYING)
    cell = width // vtc1.CELLS
    y_rest = bytes([90]) * (width * (height - cell))
    chroma = bytes([128]) * (2 * (width // 2) * (height // 2))
    for i in range(seconds * fps):
        ms = start_ms + i * 1000 // fps
        data = vtc1.strip_gray(width, ms) + y_rest + chroma
        buf = Gst.Buffer.new_wrapped(data)
        buf.pts = i * Gst.SECOND // fps
        buf.duration = Gst.SECOND // fps
        if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
            sys.exit("encoder refused a frame")
    src.emit("end-of-stream")
    msg = pipe.get_bus().timed_pop_filtered(60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    if msg is None or msg.type != Gst.MessageType.EOS:
        sys.exit(f"writing the recording failed: {msg.parse_error() if msg else 'timeout'}")


class ReplayFactory(GstRtspServer.RTSPOnvifMediaFactory):
    """One pipeline per client: filesrc ! qtdemux behind a ghost pad that turns
    seeks in recording time (ns since 1900, as gst-rtsp-server gives clock
    ranges) into seeks in file time."""

    def __init__(self, path, start_ntp_ns, duration_ns):
        super().__init__()
        self.path, self.start_ntp_ns, self.duration_ns = path, start_ntp_ns, duration_ns
        self.set_shared(False)
        self.set_replay_support(True)
        # the ONVIF factory builds only ONVIF media (else DESCRIBE finds none)
        self.set_media_gtype(GstRtspServer.RTSPOnvifMedia)

    def do_create_element(self, url):
        top = Gst.Bin.new(None)
        replay = Gst.Bin.new("replay")
        src = Gst.ElementFactory.make("filesrc")
        src.set_property("location", self.path)
        demux = Gst.ElementFactory.make("qtdemux")
        replay.add(src)
        replay.add(demux)
        src.link(demux)
        ghost = Gst.GhostPad.new_no_target("src", Gst.PadDirection.SRC)
        replay.add_pad(ghost)
        demux.connect("pad-added", lambda _d, pad: ghost.set_target(pad)
                      if pad.get_name().startswith("video") else None)
        ghost.set_event_function_full(self.on_event)
        ghost.set_query_function_full(self.on_query)
        pay = Gst.parse_bin_from_description(
            "queue ! h264parse ! rtph264pay pt=96 config-interval=-1 "
            f"! rtponviftimestamp ntp-offset={self.start_ntp_ns} set-e-bit=false set-t-bit=false "
            "drop-out-of-segment=false ! queue", True)
        pay.set_name("pay0")
        top.add(replay)
        top.add(pay)
        replay.link(pay)
        return top

    def on_event(self, pad, parent, event):
        if event.type == Gst.EventType.SEEK:
            rate, fmt, flags, st, start, sp, stop = event.parse_seek()
            if fmt == Gst.Format.TIME:
                event = self.translate(rate, flags, start, stop, event.get_seqnum())
        return Gst.Pad.event_default(pad, parent, event)

    def translate(self, rate, flags, start, stop, seqnum):
        def to_file(t, default):
            if t is None or t < 0 or t == Gst.CLOCK_TIME_NONE:
                return default
            if t >= self.start_ntp_ns:  # a clock range
                t -= self.start_ntp_ns
            return max(0, min(t, self.duration_ns))
        ostart = to_file(start, 0)
        ostop = to_file(stop, self.duration_ns)
        print(f"seek rate={rate} file {ostart / 1e9:.3f}-{ostop / 1e9:.3f}", flush=True)
        out = Gst.Event.new_seek(rate, Gst.Format.TIME, flags, Gst.SeekType.SET, ostart,
                                 Gst.SeekType.SET, ostop)
        out.set_seqnum(seqnum)
        return out

    def on_query(self, pad, parent, query):
        if query.type == Gst.QueryType.SEEKING:
            query.set_seeking(Gst.Format.TIME, True, 0, -1)
            return True
        return Gst.Pad.query_default(pad, parent, query)


def watch_sessions(server, timeout):
    """Short session timeouts, expiry as a camera does it, requests logged."""
    def on_client(_server, client):
        client.connect("new-session", lambda _c, session: session.set_timeout(timeout))
        for method in ("play", "pause", "get-parameter", "options"):
            name = method.upper().replace("-", "_")
            client.connect(f"{method}-request",
                           lambda _c, _ctx, name=name: print(f"request {name}", flush=True))
    server.connect("client-connected", on_client)
    pool = server.get_session_pool()

    def cleanup():
        for _ in range(pool.cleanup()):
            print("session expired", flush=True)
        return True
    GLib.timeout_add(500, cleanup)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", default="8554")
    ap.add_argument("--start-ms", type=int, required=True)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--fps", type=int, default=15)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--session-timeout", type=int)
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    Gst.init(None)
    path = os.path.join(args.dir, "rec.mp4")
    write_recording(path, args.start_ms, args.seconds, args.fps, width, height)

    server = GstRtspServer.RTSPOnvifServer.new()
    server.set_address("127.0.0.1")
    server.set_service(args.port)
    start_ntp_ns = (args.start_ms + NTP_UNIX_S * 1000) * 1_000_000
    factory = ReplayFactory(path, start_ntp_ns, args.seconds * Gst.SECOND)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_digest(args.user, args.password or "", token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        server.set_auth(auth)
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role("user", "media.factory.access", True)
        perms.add_permission_for_role("user", "media.factory.construct", True)
        factory.set_permissions(perms)
    # /replay/rec0 is what tests/onvif_sim answers GetReplayUri with
    for mount in ("/replay", "/replay/rec0"):
        server.get_mount_points().add_factory(mount, factory)
    if args.session_timeout:
        watch_sessions(server, args.session_timeout)
    if server.attach(None) == 0:
        sys.exit("attach failed")
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print(f"rtsp://127.0.0.1:{args.port}/replay", flush=True)
    print("READY", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
