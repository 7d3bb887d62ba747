# ISO BMFF box reader/writer for the MediaMTX playback simulator (mediamtx_sim.py).
#
# Big-endian boxes with 32-bit sizes, 64-bit "largesize" (size == 1) and size 0 ("to end of file").
# Reads what MediaMTX's playback server reads from a fragmented-MP4 recording segment
# (internal/playback/segment_fmp4.go at mediamtx 3e09466, see /work/shared/PROTOCOLS.md section 7):
#   ftyp, moov(mvhd, trak(tkhd, mdia(mdhd, hdlr, minf(stbl(stsd)))), mvex(trex)), then (moof, mdat)*.
# Difference from MediaMTX, on purpose: per-sample values missing from a trun are taken from tfhd/trex
# defaults (ISO 14496-12 8.8.7/8.8.8). FFmpeg's frag_keyframe output relies on those defaults; MediaMTX's
# own recorder always writes explicit per-sample duration/size/flags, so for its recordings both agree.
import struct

SAMPLE_NON_SYNC = 1 << 16  # sample_is_non_sync_sample bit of sample_flags

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"mvex", b"moof", b"traf", b"edts", b"dinf", b"udta"}


class BoxError(Exception):
    pass


# ---------------------------------------------------------------- writing

def box(typ, *payload):
    """A box of type `typ` (bytes) around the concatenated payload parts."""
    body = b"".join(payload)
    if len(body) + 8 <= 0xFFFFFFFF:
        return struct.pack(">I4s", len(body) + 8, typ) + body
    return struct.pack(">I4sQ", 1, typ, len(body) + 16) + body


def full_box(typ, version, flags, *payload):
    return box(typ, struct.pack(">I", (version << 24) | (flags & 0xFFFFFF)), *payload)


# ---------------------------------------------------------------- reading

def iter_boxes(buf, start=0, end=None):
    """Yield (type, box_offset, header_len, box_size) for the boxes in buf[start:end]."""
    end = len(buf) if end is None else end
    off = start
    while off + 8 <= end:
        size, typ = struct.unpack_from(">I4s", buf, off)
        hdr = 8
        if size == 1:
            if off + 16 > end:
                raise BoxError("truncated largesize header")
            size = struct.unpack_from(">Q", buf, off + 8)[0]
            hdr = 16
        elif size == 0:
            size = end - off
        if size < hdr or off + size > end:
            raise BoxError("bad size %d for box %r at %d" % (size, typ, off))
        yield typ, off, hdr, size
        off += size


def iter_file_boxes(f):
    """Yield (type, offset, header_len, size) for the top-level boxes of an open file.
    Stops at EOF or at a header that cannot be read (like go-mp4's ReadBoxStructure)."""
    f.seek(0, 2)
    file_size = f.tell()
    off = 0
    while off + 8 <= file_size:
        f.seek(off)
        h = f.read(16)
        size, typ = struct.unpack_from(">I4s", h, 0)
        hdr = 8
        if size == 1:
            if len(h) < 16:
                return
            size = struct.unpack_from(">Q", h, 8)[0]
            hdr = 16
        elif size == 0:
            size = file_size - off
        if size < hdr:
            raise BoxError("bad size %d for box %r at %d" % (size, typ, off))
        yield typ, off, hdr, size
        off += size


def children(buf, off, hdr, size):
    """Map type -> list of (offset, header_len, size) for the children of a container box."""
    out = {}
    for typ, o, h, s in iter_boxes(buf, off + hdr, off + size):
        out.setdefault(typ, []).append((o, h, s))
    return out


def child(buf, parent, typ, required=True):
    found = children(buf, *parent).get(typ)
    if not found:
        if required:
            raise BoxError("%s box not found" % typ.decode())
        return None
    return found[0]


def full_header(buf, b):
    """(version, flags, payload_offset) of a full box given as (offset, header_len, size)."""
    v = struct.unpack_from(">I", buf, b[0] + b[1])[0]
    return v >> 24, v & 0xFFFFFF, b[0] + b[1] + 4


# ---------------------------------------------------------------- init segment (ftyp + moov)

class Track:
    def __init__(self, tid, timescale, codec):
        self.id, self.timescale, self.codec = tid, timescale, codec
        self.trex = (1, 0, 0, 0)  # default sample description index, duration, size, flags
        self.trak = None          # (offset, header_len, size) inside Init.raw


class Init:
    """ftyp + moov of a segment: raw bytes, tracks and the mvhd duration (ns, 0 if unset)."""

    def __init__(self, raw, tracks, duration_ns):
        self.raw, self.tracks, self.duration_ns = raw, tracks, duration_ns

    def track(self, tid):
        for t in self.tracks:
            if t.id == tid:
                return t
        return None


def read_init(f):
    """Read ftyp + moov from the start of an open segment file (segmentFMP4ReadHeader)."""
    f.seek(0)
    h = f.read(8)
    if len(h) < 8 or h[4:8] != b"ftyp":
        raise BoxError("ftyp box not found")
    ftyp_size = struct.unpack(">I", h[:4])[0]
    f.seek(ftyp_size)
    h = f.read(8)
    if len(h) < 8 or h[4:8] != b"moov":
        raise BoxError("moov box not found")
    moov_size = struct.unpack(">I", h[:4])[0]
    f.seek(0)
    raw = f.read(ftyp_size + moov_size)
    if len(raw) != ftyp_size + moov_size:
        raise BoxError("truncated moov")
    moov = (ftyp_size, 8, moov_size)
    kids = children(raw, *moov)
    if b"mvhd" not in kids:
        raise BoxError("mvhd box not found")
    ver, _, p = full_header(raw, kids[b"mvhd"][0])
    if ver == 1:
        timescale, duration = struct.unpack_from(">IQ", raw, p + 16)
    else:
        timescale, duration = struct.unpack_from(">II", raw, p + 8)
    duration_ns = go_mp4_to_ns(duration, timescale) if timescale else 0
    tracks = [parse_trak(raw, t) for t in kids.get(b"trak", [])]
    tracks = [t for t in tracks if t is not None]
    for mvex in kids.get(b"mvex", []):
        for trex in children(raw, *mvex).get(b"trex", []):
            _, _, p = full_header(raw, trex)
            tid, sdi, dur, size, flags = struct.unpack_from(">5I", raw, p)
            for t in tracks:
                if t.id == tid:
                    t.trex = (sdi, dur, size, flags)
    return Init(raw, tracks, duration_ns)


def parse_trak(raw, trak):
    tkhd = child(raw, trak, b"tkhd")
    ver, _, p = full_header(raw, tkhd)
    tid = struct.unpack_from(">I", raw, p + (16 if ver == 1 else 8))[0]
    mdia = child(raw, trak, b"mdia")
    ver, _, p = full_header(raw, child(raw, mdia, b"mdhd"))
    timescale = struct.unpack_from(">I", raw, p + (16 if ver == 1 else 8))[0]
    stbl = child(raw, child(raw, child(raw, mdia, b"minf"), b"stbl"), b"stsd")
    _, _, p = full_header(raw, stbl)
    if struct.unpack_from(">I", raw, p)[0] == 0:
        return None  # like mediacommon: tracks without a codec are dropped
    codec = raw[p + 8:p + 12]
    t = Track(tid, timescale, codec)
    t.trak = trak
    return t


# ---------------------------------------------------------------- fragments (moof)

class Traf:
    """One track fragment with every sample resolved to (duration, size, flags, cts, file_offset)."""

    def __init__(self, track_id, base_time, samples):
        self.track_id, self.base_time, self.samples = track_id, base_time, samples


def parse_moof(buf, moof_offset, init):
    """Parse a moof given as bytes (buf starts at the moof). Returns a list of Traf."""
    out = []
    top = (0, 8, len(buf))
    kids = children(buf, *top)
    if b"mfhd" not in kids:
        raise BoxError("mfhd box not found")
    for traf in kids.get(b"traf", []):
        tk = children(buf, *traf)
        if b"tfhd" not in tk:
            raise BoxError("tfhd box not found")
        _, fl, p = full_header(buf, tk[b"tfhd"][0])
        tid = struct.unpack_from(">I", buf, p)[0]
        p += 4
        track = init.track(tid)
        if track is None:
            raise BoxError("invalid track ID: %d" % tid)
        _, d_dur, d_size, d_flags = track.trex
        base = moof_offset
        if fl & 0x1:
            base = struct.unpack_from(">Q", buf, p)[0]
            p += 8
        if fl & 0x2:
            p += 4
        if fl & 0x8:
            d_dur = struct.unpack_from(">I", buf, p)[0]
            p += 4
        if fl & 0x10:
            d_size = struct.unpack_from(">I", buf, p)[0]
            p += 4
        if fl & 0x20:
            d_flags = struct.unpack_from(">I", buf, p)[0]
        if b"tfdt" not in tk:
            raise BoxError("tfdt box not found")
        ver, _, p = full_header(buf, tk[b"tfdt"][0])
        base_time = struct.unpack_from(">Q" if ver == 1 else ">I", buf, p)[0]
        samples = []
        pos = base
        for trun in tk.get(b"trun", []):
            pos = parse_trun(buf, trun, base, pos, (d_dur, d_size, d_flags), samples)
        out.append(Traf(tid, base_time, samples))
    return out


def parse_trun(buf, trun, base, pos, defaults, samples):
    ver, fl, p = full_header(buf, trun)
    count = struct.unpack_from(">I", buf, p)[0]
    p += 4
    if fl & 0x1:
        pos = base + struct.unpack_from(">i", buf, p)[0]
        p += 4
    first_flags = None
    if fl & 0x4:
        first_flags = struct.unpack_from(">I", buf, p)[0]
        p += 4
    d_dur, d_size, d_flags = defaults
    for i in range(count):
        dur, size, flags, cts = d_dur, d_size, d_flags, 0
        if i == 0 and first_flags is not None:
            flags = first_flags
        if fl & 0x100:
            dur = struct.unpack_from(">I", buf, p)[0]
            p += 4
        if fl & 0x200:
            size = struct.unpack_from(">I", buf, p)[0]
            p += 4
        if fl & 0x400:
            flags = struct.unpack_from(">I", buf, p)[0]
            p += 4
        if fl & 0x800:
            cts = struct.unpack_from(">i" if ver == 1 else ">I", buf, p)[0]
            p += 4
        samples.append((dur, size, flags, cts, pos))
        pos += size
    return pos


def read_duration_from_parts(f, init):
    """Segment duration (ns) from the last complete moof+mdat pair: max over its trafs of
    tfdt + sum(sample durations), in the track's timescale (segmentFMP4ReadDurationFromParts)."""
    last = pending = None
    for typ, off, hdr, size in iter_file_boxes(f):
        if typ in (b"ftyp", b"moov"):
            continue
        if typ == b"moof":
            pending = (off, size)
            continue
        if typ == b"mdat" and pending is not None:  # a truncated mdat still counts, as upstream
            last, pending = pending, None
            continue
        break
    if last is None:
        raise BoxError("no moof boxes found")
    f.seek(last[0])
    trafs = parse_moof(f.read(last[1]), last[0], init)
    best = 0
    for traf in trafs:
        elapsed = traf.base_time + sum(s[0] for s in traf.samples)
        best = max(best, go_mp4_to_ns(elapsed, init.track(traf.track_id).timescale))
    return best


# ---------------------------------------------------------------- Go integer time conversions

def go_quo(a, b):
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def go_rem(a, b):
    return a - b * go_quo(a, b)


def go_ns_to_mp4(v, timescale):
    """durationGoToMp4: nanoseconds -> timescale units."""
    secs, dec = go_quo(v, 10**9), go_rem(v, 10**9)
    return secs * timescale + go_quo(dec * timescale, 10**9)


def go_mp4_to_ns(v, timescale):
    """durationMp4ToGo: timescale units -> nanoseconds."""
    secs, dec = go_quo(v, timescale), go_rem(v, timescale)
    return secs * 10**9 + go_quo(dec * 10**9, timescale)
