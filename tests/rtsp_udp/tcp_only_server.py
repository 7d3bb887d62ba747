#!/usr/bin/python3
"""The shared VTC1 RTSP server (shared/bench/vtc1_rtsp_server.py, GStreamer's
gst-rtsp-server) with every mount restricted to RTP over TCP
(GstRTSPMediaFactory protocols = TCP): a UDP SETUP is answered
461 Unsupported Transport, as by a camera or firewall that allows only TCP.
Same arguments as the shared script; the shared directory is the first
argument (then the server's own arguments).

  /usr/bin/python3 tcp_only_server.py /work/shared --port 8554 --fps 15
"""
import os
import sys

shared = sys.argv.pop(1)
sys.path.insert(0, os.path.join(shared, "bench"))

import gi  # noqa: E402

gi.require_version("GstRtsp", "1.0")
from gi.repository import GstRtsp  # noqa: E402

import vtc1_rtsp_server as server  # noqa: E402

_init = server.StampedFactory.__init__


def _tcp_only_init(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self.set_protocols(GstRtsp.RTSPLowerTrans.TCP)


server.StampedFactory.__init__ = _tcp_only_init

if __name__ == "__main__":
    server.main()
