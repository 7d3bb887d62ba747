"""Pictures of the simulated Dahua device: I420 frames stamped with VTC1
(TIMECODE.md, luma 235/16 cells), JPEG snapshots and MP4 clips made with the
ffmpeg CLI (libx264, a keyframe every second, no B-frames)."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/bench"))
try:
    import vtc1  # noqa: E402
except ImportError:  # VIGIL_SHARED points elsewhere
    sys.path.insert(0, os.path.join(os.environ.get("VIGIL_SHARED", ""), "bench"))
    import vtc1  # noqa: E402


def i420(w, h, ms, channel=1):
    """One I420 frame of w x h showing `ms` in its VTC1 strip; a bar moves."""
    cell = w // vtc1.CELLS
    row = bytearray([16]) * w
    for i, bit in enumerate(vtc1.bits(ms)):
        if bit:
            row[i * cell:(i + 1) * cell] = bytes([235]) * cell
    base = 60 + 20 * (channel % 5)
    body = bytearray([base]) * w
    x = (ms // 100) % max(1, w - 16)
    body[x:x + 16] = bytes([200]) * 16
    y = bytes(row) * cell + bytes(body) * (h - cell)
    return y + bytes([128]) * (w * h // 2)


def archive_times(spans, t0, t1, fps):
    """Frame times (ms) of the archive in [t0, t1): on the 1/fps grid of each span."""
    out = []
    step = 1000 / fps
    for s0, s1 in spans:
        a, b = max(s0, t0) * 1000, min(s1, t1) * 1000
        if a >= b:
            continue
        k = max(0, int((a - s0 * 1000) // step))
        while s0 * 1000 + k * step < a:
            k += 1
        while s0 * 1000 + k * step < b:
            out.append(int(round(s0 * 1000 + k * step)))
            k += 1
    return out


def _ffmpeg(w, h, fps, out_args, frames_iter):
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p",
           "-s", "%dx%d" % (w, h), "-r", str(fps), "-i", "-"] + out_args
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out = []

    import threading
    t = threading.Thread(target=lambda: out.append(p.stdout.read()))
    t.start()
    for f in frames_iter:
        p.stdin.write(f)
    p.stdin.close()
    t.join()
    p.wait()
    if p.returncode != 0:
        raise RuntimeError("ffmpeg failed")
    return out[0]


def jpeg(w, h, ms, channel=1):
    return _ffmpeg(w, h, 1, ["-frames:v", "1", "-q:v", "3", "-f", "mjpeg", "-"], [i420(w, h, ms, channel)])


def mp4_clip(w, h, fps, times, channel=1):
    """A progressive MP4 (moov first) of the frames at `times` (ms)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "clip.mp4")
        _ffmpeg(w, h, fps, ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0",
                            "-g", str(fps), "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-y", path],
                (i420(w, h, ms, channel) for ms in times))
        with open(path, "rb") as f:
            return f.read()


def _nal_units(data):
    """(start, type) of each Annex B NAL unit."""
    out, i = [], 0
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j < 0:
            return out
        out.append((j - 1 if j > 0 and data[j - 1] == 0 else j, data[j + 3] & 0x1F))
        i = j + 3


def dhav_clip(w, h, fps, times, channel=1, local=None):
    """Dahua's DHAV container (as FFmpeg's dhav demuxer reads it) of H.264
    frames at `times` (ms UTC); `local(ms)` gives the device's civil time
    (a datetime) written into each frame header. One DHAV frame per access
    unit: 0xFD for IDR (with 0x80 size and 0x81 codec extensions), 0xFC for
    others; trailer "dhav" + frame length."""
    import struct
    es = _ffmpeg(w, h, fps, ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-bf", "0",
                             "-g", str(fps), "-pix_fmt", "yuv420p", "-x264-params", "aud=1", "-f", "h264", "-"],
                 (i420(w, h, ms, channel) for ms in times))
    aud = [s for s, t in _nal_units(es) if t == 9]
    aus = [es[a:b] for a, b in zip(aud, aud[1:] + [len(es)])]
    out = bytearray()
    for n, (ms, au) in enumerate(zip(times, aus)):
        key = any(t == 5 for _, t in _nal_units(au))
        d = local(ms)
        date = (d.second | d.minute << 6 | d.hour << 12 | d.day << 17 | d.month << 22 | (d.year - 2000) << 26)
        ext = bytes([0x80, 0, w // 8, h // 8, 0x81, 0, 0x2, fps]) if key else b""
        length = 24 + len(ext) + len(au) + 8
        head = bytearray(b"DHAV" + bytes([0xFD if key else 0xFC, 0, channel & 0xFF, 0]) +
                         struct.pack("<III", n, length, date) + struct.pack("<H", ms % 65536) + bytes([len(ext)]))
        head.append(sum(head) & 0xFF)
        out += head + ext + au + b"dhav" + struct.pack("<I", length)
    return bytes(out)


def dhav_preamble(n):
    """`n` bytes of binary before the first DHAV frame, as some NVR firmware
    sends ahead of a download (PROTOCOLS.md 5.3). SIM: the real bytes are
    undocumented; these never contain "DHAV" (nor "dhav")."""
    head = b"\x00\x00\x01\xf0IMKH" if n >= 8 else b""
    body = bytes((i * 7 + 3) % 251 for i in range(max(0, n - len(head))))
    return (head + body)[:n]
