#!/usr/bin/env python3
"""The seed's Milestone live path, reproduced as a benchmark peer for
`vigil bench live --milestone`.

The seed (000_*.txt, MilestoneMediaServices / MilestoneConnection) took the
Mobile Server's JPEG frames, base64-encoded each into {"image": ..., "time":
...} JSON, sent it as a WebSocket text frame to the browser, which parsed the
JSON and base64-decoded the image. Per stream this script does the same:
msclient.py (the simulator's own Mobile client) does Connect/LogIn and
RequestStream Live Push at DestWidth x DestHeight, a thread reads the video
WebSocket, and each JPEG goes through the glue of shared/bench/seed_pipeline.py
(its WebSocket text framing over a socketpair, its receiver's JSON.parse +
base64 decode); "time" is the frame header's TimeStamp, as ISO 8601.

  VIGIL_BENCH_MS_PW=... python3 seed_milestone_pipeline.py --port P --user U \\
      --streams 4 --width 960 --height 540 --seconds 10

The password comes from the environment variable named by --password-env
(never argv). Prints one JSON line: frames, fps per stream, wire bytes per
frame, CPU seconds of the glue (this process: video socket reads, base64,
JSON, framing, receiver), latency p50/p99 from the header TimeStamp and from
the picture's VTC1 (sampled JPEGs decoded after the run, as seed_pipeline.py)
to the receiver. Standard library, msclient.py and shared/bench only.
"""
import argparse
import base64
import datetime
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import frames  # noqa: E402  (puts shared/bench on the path, as the simulator does)
import seed_pipeline  # noqa: E402  shared/bench: the seed's glue
from msclient import Client, WebSocket, jpeg_size, parse_frame  # noqa: E402

FPS = 10  # what the engine asks (vms/milestone/site.rs FPS)
NUDGE_EVERY = 20  # frames between the client's empty text messages


def timecodes(jpegs):
    """VTC1 of JPEGs with one ffmpeg process (after the run), as
    seed_pipeline.timecodes, but cropping whole cells (w // 64 wide: the
    simulator's 480- and 640-wide pictures are not multiples of 64)."""
    if not jpegs:
        return []
    proc = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "mjpeg", "-i", "-", "-vf",
         "crop=trunc(iw/64)*64:trunc(iw/64):0:0,scale=64:1:flags=area", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        input=b"".join(jpegs), capture_output=True, check=False)
    raw = proc.stdout
    return [frames.vtc1.decode(list(raw[i:i + 64])) for i in range(0, len(raw) - 63, 64)]


def camera_ids(client):
    """Camera ids from GetAllViewsAndCameras, in the server's order."""
    ids = []
    for item in client.call("GetAllViewsAndCameras")["cmd"].find("Items"):
        if item.get("Type") == "Folder":
            ids += [cam.get("Id") for cam in item.find("Items")]
    return ids


class Receiver(threading.Thread):
    """The browser side: read text frames, JSON.parse, base64-decode."""

    def __init__(self, sock, sample_every):
        super().__init__(daemon=True)
        self.sock, self.sample_every = sock, sample_every
        self.frames, self.wire_bytes, self.samples, self.late = 0, 0, [], []
        self.measuring = False

    def run(self):
        read = seed_pipeline.read_exact
        while True:
            head = read(self.sock, 2)
            if head is None:
                return
            n, ext = head[1] & 0x7F, 0
            if n == 126:
                ext, n = 2, int.from_bytes(read(self.sock, 2) or b"\0\0", "big")
            elif n == 127:
                ext, n = 8, int.from_bytes(read(self.sock, 8) or b"\0" * 8, "big")
            payload = read(self.sock, n)
            if payload is None:
                return
            arrived = time.time()
            msg = json.loads(payload)
            jpeg = base64.b64decode(msg["image"])
            self.frames += 1
            if not self.measuring:
                continue
            self.wire_bytes += 2 + ext + n
            self.late.append(arrived * 1000 - datetime.datetime.fromisoformat(msg["time"]).timestamp() * 1000)
            if self.frames % self.sample_every == 0:
                self.samples.append((arrived, jpeg))


def pump(ws, sock, sizes):
    """Video WebSocket -> JPEG -> base64 JSON -> WebSocket text frame."""
    n = 0
    while True:
        try:
            op, data = ws.recv()
        except (EOFError, OSError, ValueError):
            return
        if op == 8:
            return
        if op != 2:
            continue
        f = parse_frame(data)
        if not f["data"]:
            continue  # header-only status message
        if not sizes:
            sizes.append("%dx%d" % jpeg_size(f["data"]))
        msg = json.dumps({
            "image": base64.b64encode(f["data"]).decode("ascii"),
            "time": datetime.datetime.fromtimestamp(f["ts"] / 1000).astimezone().isoformat(),
        }).encode()
        try:
            sock.sendall(seed_pipeline.ws_text_frame(msg))
        except OSError:
            return
        n += 1
        if n % NUDGE_EVERY == 0:
            try:
                ws.send_text("")
            except OSError:
                return


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-env", default="VIGIL_BENCH_MS_PW", metavar="NAME")
    ap.add_argument("--streams", type=int, default=4)
    ap.add_argument("--width", type=int, default=960)
    ap.add_argument("--height", type=int, default=540)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3, help="seconds ignored after every stream is live")
    ap.add_argument("--sample-every", type=int, default=5)
    args = ap.parse_args()
    password = os.environ.get(args.password_env)
    if password is None:
        sys.exit("set the password in $%s" % args.password_env)

    client = Client(args.port)
    client.connect()
    client.login(args.user, password)
    cams = camera_ids(client)
    if len(cams) < args.streams:
        sys.exit("the server lists %d cameras, %d wanted" % (len(cams), args.streams))
    streams, receivers, sizes = [], [], []
    for cam in cams[:args.streams]:
        vid = client.call("RequestStream", [
            ("CameraId", cam), ("DestWidth", args.width), ("DestHeight", args.height), ("MethodType", "Push"),
            ("StreamType", "Transcoded"), ("Fps", FPS), ("ComprLevel", 70), ("KeyFramesOnly", "No"),
            ("RequestSize", "No"), ("ProcessingMessage", "No"), ("SignalType", "Live")])["outputs"]["VideoId"][0]
        ws = WebSocket(args.port, "/XProtectMobile/Video/%s/" % vid)
        if ws.status != 101:
            sys.exit("video WebSocket: HTTP %d" % ws.status)
        send, recv = socket.socketpair()
        rx = Receiver(recv, args.sample_every)
        rx.start()
        threading.Thread(target=pump, args=(ws, send, sizes), daemon=True).start()
        streams.append((vid, ws, send))
        receivers.append(rx)

    up_by = time.time() + 60
    while time.time() < up_by and not all(r.frames for r in receivers):
        time.sleep(0.1)
    time.sleep(args.warmup)
    f0 = [r.frames for r in receivers]
    self0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.time()
    for r in receivers:
        r.measuring = True
    time.sleep(args.seconds)
    for r in receivers:
        r.measuring = False
    elapsed = time.time() - t0
    self1 = resource.getrusage(resource.RUSAGE_SELF)
    per = [r.frames - f for r, f in zip(receivers, f0)]
    frames_n = sum(per)
    wire = sum(r.wire_bytes for r in receivers)
    glue = (self1.ru_utime + self1.ru_stime) - (self0.ru_utime + self0.ru_stime)
    for vid, ws, send in streams:
        ws.close()
        send.close()
    try:
        for vid, _, _ in streams:
            client.call("CloseStream", [("VideoId", vid)])
    except Exception:  # noqa: BLE001  the server may be going away; figures are taken
        pass
    client.close()
    late = sorted(x for r in receivers for x in r.late)
    samples = [s for r in receivers for s in r.samples]
    codes = timecodes([j for _, j in samples])
    pixel = sorted(arr * 1000 - c for (arr, _), c in zip(samples, codes) if c is not None)
    ms = lambda v: None if v is None else round(v, 1)  # noqa: E731
    n = args.streams
    print(json.dumps({
        "pipeline": "seed (milestone)",
        "streams": n,
        "jpeg": ",".join(sizes),
        "seconds": round(elapsed, 2),
        "frames": frames_n,
        "fps_per_stream": round(frames_n / elapsed / n, 2),
        "fps_per_stream_min": round(min(per) / elapsed, 2),
        "wire_bytes_per_frame": round(wire / frames_n) if frames_n else None,
        "glue_cpu_s": round(glue, 2),
        "cpu_per_stream": round(glue / elapsed / n, 3),
        "latency_from_timestamp_ms_p50": ms(seed_pipeline.percentile(late, 50)),
        "latency_from_timestamp_ms_p99": ms(seed_pipeline.percentile(late, 99)),
        "latency_samples": len(late),
        "latency_from_pixel_ms_p50": ms(seed_pipeline.percentile(pixel, 50)),
        "latency_from_pixel_ms_p99": ms(seed_pipeline.percentile(pixel, 99)),
        "pixel_samples": len(pixel),
        "timecode_misses": sum(1 for c in codes if c is None),
    }), flush=True)


if __name__ == "__main__":
    main()
