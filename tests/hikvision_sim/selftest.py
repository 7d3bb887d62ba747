#!/usr/bin/python3
"""Self-test of hikvision_sim.py: starts it, checks digest auth, channels, time in three modes,
search paging (150 matches, a repeated page), download and RTSP live/playback VTC1 with ffmpeg.
Exits non-zero on the first failed check. Standard library + ffmpeg + curl-free (urllib digest)."""
import json
import os
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hikvision_sim as hs  # noqa: E402


def vtc1_of_gray(frame, w):
    cell = w // 64
    y = cell // 2
    lumas = [frame[y * w + i * cell + cell // 2] for i in range(64)]
    word = 0
    for v in lumas:
        word = (word << 1) | (1 if v >= 128 else 0)
    if word >> 56 != hs.SYNC:
        return None
    ts = ((word >> 8) & ((1 << 48) - 1)).to_bytes(6, "big")
    return int.from_bytes(ts, "big") if hs.crc8(ts) == word & 0xFF else None


def frames_of(url, w, h, n=None):
    cmd = ["ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", url] if url.startswith("rtsp") else \
        ["ffmpeg", "-v", "error", "-i", url]
    cmd += (["-frames:v", str(n)] if n else []) + ["-f", "rawvideo", "-pix_fmt", "gray", "-"]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, check=True, timeout=60).stdout
    return [vtc1_of_gray(out[i:i + w * h], w) for i in range(0, len(out), w * h)]


class Sim:
    def __init__(self, *args):
        self.p = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "hikvision_sim.py"), "--lifetime", "120",
                                   *args], stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline().split()
        assert line[0] == "READY", line
        self.port, self.rtsp = int(line[1]), int(line[2])
        self.base = "http://127.0.0.1:%d" % self.port
        pm = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        pm.add_password(None, self.base, "admin", "12345")
        self.opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(pm))

    def req(self, path, body=None, method=None):
        r = urllib.request.Request(self.base + path, data=body.encode() if isinstance(body, str) else body,
                                   method=method)
        with self.opener.open(r, timeout=30) as resp:
            return resp.read()

    def archive(self):
        return json.loads(urllib.request.urlopen(self.base + "/test/archive").read())

    def stop(self):
        self.p.terminate()
        self.p.wait()


def search(sim, start, end, pos, sid="S1", maxr=100):
    body = ("<CMSearchDescription><searchID>%s</searchID><trackList><trackID>101</trackID></trackList>"
            "<timeSpanList><timeSpan><startTime>%s</startTime><endTime>%s</endTime></timeSpan></timeSpanList>"
            "<maxResults>%d</maxResults><searchResultPostion>%d</searchResultPostion></CMSearchDescription>"
            % (sid, start, end, maxr, pos))
    x = ET.fromstring(sim.req("/ISAPI/ContentMgmt/search", body, "POST"))
    items = [(hs.text(i, "startTime"), hs.text(i, "endTime")) for i in x.iter() if hs.local(i.tag) == "searchMatchItem"]
    return hs.text(x, "responseStatusStrg"), items


def ok(msg):
    print("ok  ", msg, flush=True)


def main():
    sim = Sim("--segments", "150", "--seg-len", "20", "--gap", "10", "--repeat-page", "--time-mode", "local-z")
    try:
        arch = sim.archive()
        segs = arch["segments"]
        assert len(segs) == 150
        clock = hs.Clock(type("A", (), {"time_mode": "local-z", "tz": "Asia/Shanghai", "posix_tz": ""}))
        a, b = clock.fmt(segs[0][0] - 60000), clock.fmt(segs[-1][1] + 60000)
        st1, p1 = search(sim, a, b, 0)
        st2, p2 = search(sim, a, b, 100)
        st3, p3 = search(sim, a, b, 100)
        assert (st1, len(p1)) == ("MORE", 100), (st1, len(p1))
        assert p2 == p1, "the repeat mode repeats the first page"
        assert (st3, len(p3)) == ("OK", 50), (st3, len(p3))
        got = [(clock.parse(s), clock.parse(e)) for s, e in p1 + p3]
        assert got == [tuple(s) for s in segs], "local-z times read back as the archive"
        ok("150 matches over two pages, one repeated page, local time with Z")
        t = json.loads(urllib.request.urlopen(sim.base + "/test/calls").read())
        assert any(c["op"] == "auth" for c in t)
        seg = segs[3]
        uri = "rtsp://127.0.0.1/Streaming/tracks/101/?starttime=%s&amp;endtime=%s" % (
            clock.compact(seg[0] + 5000), clock.compact(seg[0] + 15000))
        data = sim.req("/ISAPI/ContentMgmt/download", "<downloadRequest><playbackURI>%s</playbackURI>"
                       "</downloadRequest>" % uri, "POST")
        open("/tmp/hiksim-selftest.mp4", "wb").write(data)
        codes = frames_of("/tmp/hiksim-selftest.mp4", 320, 180)
        assert codes[0] == seg[0] + 5000 and codes[-1] == seg[0] + 15000, (codes[0], codes[-1])
        ok("download: %d frames, VTC1 %d..%d" % (len(codes), codes[0], codes[-1]))
        url = "rtsp://admin:12345@127.0.0.1:%d/Streaming/tracks/101/?starttime=%s&endtime=%s" % (
            sim.rtsp, clock.compact(seg[0] + 2000), clock.compact(seg[0] + 4000))
        codes = frames_of(url, 320, 180)
        assert codes[0] == seg[0] + 2000 and codes[-1] == seg[0] + 3900, (codes[0], codes[-1])
        ok("rtsp playback: VTC1 %d..%d (local-z starttime)" % (codes[0], codes[-1]))
        url = "rtsp://admin:12345@127.0.0.1:%d/Streaming/Channels/101" % sim.rtsp
        codes = frames_of(url, 640, 360, 10)
        lag = time.time() * 1000 - codes[-1]
        assert all(codes) and 0 <= lag < 3000, (codes, lag)
        ok("rtsp live: VTC1 of the wall clock, %d ms behind" % lag)
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
