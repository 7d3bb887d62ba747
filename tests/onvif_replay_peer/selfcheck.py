#!/usr/bin/python3
"""Self-check of the ONVIF replay peer with a raw-socket RTSP client: plays
from a clock time (1x, reverse) and checks the replay header extension's NTP
times (start point, monotonic direction, frame step). Exit 0 when all hold.

  /usr/bin/python3 selfcheck.py URL START_MS
"""
import re
import socket
import struct
import sys
import time

NTP_UNIX_S = 2208988800


def clock(ms):
    t = time.gmtime(ms / 1000)
    return time.strftime("%Y%m%dT%H%M%S", t) + f".{ms % 1000:03d}Z"


class Client:
    def __init__(self, url):
        m = re.match(r"rtsp://([^:/]+):(\d+)", url)
        self.url, self.sock, self.cseq, self.buf = url, socket.create_connection((m[1], int(m[2])), 5), 0, b""
        self.sock.settimeout(5)

    def read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def request(self, method, url, headers=()):
        self.cseq += 1
        msg = f"{method} {url} RTSP/1.0\r\nCSeq: {self.cseq}\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n"
        self.sock.sendall(msg.encode())
        while True:
            item = self.next_item()
            if isinstance(item, tuple):
                continue
            return item

    def next_item(self):
        head = self.read_exact(1)
        if head == b"$":
            ch, n = struct.unpack(">BH", self.read_exact(3))
            return (ch, self.read_exact(n))
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        text, self.buf = (head + self.buf).split(b"\r\n\r\n", 1)
        text = text.decode()
        length = int((re.search(r"Content-Length:\s*(\d+)", text, re.I) or [0, 0])[1])
        body = self.read_exact(length).decode() if length else ""
        status = int(text.split()[1])
        return [status, text, body]


def ext_ntp_ms(pkt):
    if len(pkt) < 12 or not pkt[0] & 0x10:
        return None
    cc = pkt[0] & 0x0F
    off = 12 + 4 * cc
    prof, words = struct.unpack(">HH", pkt[off:off + 4])
    if prof != 0xABAC or words < 3:
        return None
    sec, frac = struct.unpack(">II", pkt[off + 4:off + 12])
    return (sec - NTP_UNIX_S) * 1000 + (frac * 1000 >> 32)


def play(url, start_ms, scale, n=20):
    c = Client(url)
    st, text, sdp = c.request("DESCRIBE", url, ["Accept: application/sdp", "Require: onvif-replay"])
    assert st == 200, text
    ctrl = re.search(r"a=control:(\S+)", sdp.split("m=video", 1)[1])[1]
    track = ctrl if ctrl.startswith("rtsp://") else url.rstrip("/") + "/" + ctrl
    st, text, _ = c.request("SETUP", track, ["Transport: RTP/AVP/TCP;unicast;interleaved=0-1", "Require: onvif-replay"])
    assert st == 200, text
    session = re.search(r"Session:\s*([^;\r\n]+)", text)[1]
    st, text, _ = c.request("PLAY", url, [f"Session: {session}", "Require: onvif-replay",
                                          f"Range: clock={clock(start_ms)}-", "Rate-Control: no", f"Scale: {scale}"])
    assert st == 200, text
    times = []
    while len(times) < n:
        item = c.next_item()
        if isinstance(item, tuple) and item[0] == 0:
            t = ext_ntp_ms(item[1])
            if t is not None and (not times or times[-1] != t):
                times.append(t)
    c.sock.close()
    return times


def main():
    url, start = sys.argv[1], int(sys.argv[2])
    fwd = play(url, start + 5000, "1.0")
    print("forward from +5 s:", [t - start for t in fwd[:8]])
    assert fwd[0] - start <= 5000 and fwd[0] - start >= 4000, "starts at the keyframe at/before 5 s"
    assert all(b > a for a, b in zip(fwd, fwd[1:])), "forward times increase"
    rev = play(url, start + 10000, "-1.0")
    print("reverse from +10 s:", [t - start for t in rev[:8]])
    assert rev[0] - start <= 10000, "reverse starts at or before 10 s"
    assert min(rev) < rev[0], "reverse times go back"
    print("selfcheck ok")


if __name__ == "__main__":
    main()
