"""Pictures of the simulated Milestone cameras: I420 frames of any size that
carry VTC1 (TIMECODE.md, luma 235/16 cells; the shared bench module draws the
bits), JPEG frames from one long-lived ffmpeg per stream, and MJPEG exports in
MKV or AVI written by the ffmpeg CLI."""
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/bench"))
try:
    import vtc1  # noqa: E402
except ImportError:  # VIGIL_SHARED points elsewhere
    sys.path.insert(0, os.path.join(os.environ.get("VIGIL_SHARED", ""), "bench"))
    import vtc1  # noqa: E402


def i420(w, h, ms, camera=1):
    """One I420 frame (chroma planes rounded up for odd sizes) showing `ms`
    in its VTC1 strip; a bar below moves with time, grey level per camera."""
    cell = w // vtc1.CELLS
    row = bytearray([16]) * w
    for i, bit in enumerate(vtc1.bits(ms)):
        if bit:
            row[i * cell:(i + 1) * cell] = b"\xeb" * cell
    body = bytearray([60 + 25 * (camera % 5)]) * w
    x = (ms // 50) % max(1, w - 16)
    body[x:x + 16] = b"\xc8" * 16
    strip = min(h, cell)
    cw, ch = (w + 1) // 2, (h + 1) // 2
    return bytes(row) * strip + bytes(body) * (h - strip) + b"\x80" * (2 * cw * ch)


def _ffmpeg_in(w, h, fps=10):
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p",
            "-s", "%dx%d" % (w, h), "-r", str(fps), "-i", "-"]


class JpegEncoder:
    """A long-lived `ffmpeg -c:v mjpeg` for one frame size: raw frames in,
    one JPEG (SOI..EOI) out per frame, in order."""

    def __init__(self, w, h, quality=3):
        self.w, self.h = w, h
        self.lock = threading.Lock()
        self.p = subprocess.Popen(
            _ffmpeg_in(w, h) + ["-threads", "1", "-c:v", "mjpeg", "-q:v", str(quality), "-pix_fmt", "yuvj420p",
                                "-flush_packets", "1", "-f", "mjpeg", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.buf = b""

    def encode(self, frame):
        with self.lock:
            self.p.stdin.write(frame)
            self.p.stdin.flush()
            while True:
                end = self.buf.find(b"\xff\xd9")
                if end >= 0:
                    jpg, self.buf = self.buf[:end + 2], self.buf[end + 2:]
                    start = jpg.find(b"\xff\xd8")
                    return jpg[start:]
                chunk = self.p.stdout.read(65536)
                if not chunk:
                    raise RuntimeError("ffmpeg mjpeg encoder ended")
                self.buf += chunk

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def jpeg(w, h, ms, camera=1):
    """A single JPEG (one short ffmpeg run): thumbnails."""
    enc = JpegEncoder(w, h)
    try:
        return enc.encode(i420(w, h, ms, camera))
    finally:
        enc.close()


def export_file(path, kind, w, h, fps, times, camera=1, progress=None):
    """MJPEG in MKV (`kind` "MKV") or AVI ("AVI") of the frames at `times`
    (ms), back to back at a constant `fps` (a gap in the archive is not a gap
    in the file; each frame's VTC1 keeps its archive time). `progress(done,
    total)` is called as frames are written."""
    cmd = _ffmpeg_in(w, h, fps) + ["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p",
                                   "-f", "matroska" if kind == "MKV" else "avi", "-y", path]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    try:
        for n, ms in enumerate(times):
            p.stdin.write(i420(w, h, ms, camera))
            if progress:
                progress(n + 1, len(times))
    finally:
        p.stdin.close()
    if p.wait() != 0:
        raise RuntimeError("ffmpeg export failed")
