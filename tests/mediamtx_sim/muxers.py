# Muxing half of the MediaMTX playback simulator (mediamtx_sim.py): ports of mediamtx 3e09466
# internal/playback/on_get.go (seekAndMux), segment_fmp4.go (segmentFMP4MuxParts,
# segmentFMP4CanBeConcatenated), muxer_fmp4.go and muxer_mp4.go, with the box layouts of mediacommon
# 1feb6b3 fmp4/part.go and pmp4/presentation.go. Source list: /work/shared/PROTOCOLS.md section 7.
#
# Timestamps (all integers in the track timescale):
#   dts(sample) = tfdt + sum(previous durations in the trun) + (segment_start - request_start) converted
#   with durationGoToMp4; the first segment uses its file-name time, every later segment its own
#   file-name time (MediaMTX's "legacy" method, used when segments carry no mtxi box - FFmpeg files never do).
#   Samples with dts >= duration end the stream.
# Only the legacy (no mtxi) concatenation rule is implemented.
import struct

from mp4box import (SAMPLE_NON_SYNC, BoxError, box, children, full_box, go_mp4_to_ns, go_ns_to_mp4,
                    go_quo, iter_file_boxes, parse_moof, read_init)

PART_DURATION_NS = 10**9  # muxer_fmp4.go partDuration
SAME_CODEC = {b"avc3": b"avc1", b"hev1": b"hvc1", b"dvh1": b"hvc1"}


class NoSegmentsFound(Exception):
    """recordstore.ErrNoSegmentsFound: nothing to write (HTTP 404 if nothing was sent yet)."""


class Sample:
    __slots__ = ("duration", "cts", "non_sync", "payload")

    def __init__(self, cts, non_sync, payload):
        self.duration, self.cts, self.non_sync, self.payload = 0, cts, non_sync, payload


class MuxTrack:
    def __init__(self, track):
        self.src = track
        self.id, self.timescale = track.id, track.timescale
        self.first_dts, self.last_dts, self.time_offset = -1, 0, 0
        self.samples = []


# ---------------------------------------------------------------- fMP4 output (muxer_fmp4.go)

class FMP4Muxer:
    def __init__(self, write):
        self.write, self.init, self.seq, self.tracks, self.cur = write, None, 0, [], None

    def write_init(self, init):
        # MediaMTX re-marshals the init with mediacommon; we pass the first segment's ftyp+moov through.
        self.init = init.raw
        self.tracks = [MuxTrack(t) for t in init.tracks]

    def set_track(self, tid):
        self.cur = next(t for t in self.tracks if t.id == tid)

    def write_sample(self, dts, cts, non_sync, payload):
        t = self.cur
        if dts >= 0:
            if t.first_dts < 0:  # first visible sample; an IDR here drops the pre-roll GOP
                t.first_dts = dts
                if not non_sync:
                    t.samples.clear()
            else:
                t.samples[-1].duration = max(dts - t.last_dts, 0)
            t.samples.append(Sample(cts, non_sync, payload))
            t.last_dts = dts
            if t.last_dts - t.first_dts >= go_ns_to_mp4(PART_DURATION_NS, t.timescale):
                self.inner_flush(False)
        else:  # pre-roll: an IDR starts a new GOP; duration stays 0, cts kept
            if not non_sync:
                t.samples.clear()
            t.samples.append(Sample(cts, non_sync, payload))

    def write_final_dts(self, dts):
        t = self.cur
        if t.samples and t.first_dts >= 0:
            t.samples[-1].duration = max(dts - t.last_dts, 0)

    def inner_flush(self, final):
        part = []
        for t in self.tracks:
            if t.first_dts >= 0 and (len(t.samples) > 1 or (final and t.samples)):
                # keep the last sample back: its duration is only known with the next one
                samples = t.samples if final else t.samples[:-1]
                part.append((t.id, t.first_dts, samples))
                if not final:
                    t.samples = t.samples[-1:]
                    t.first_dts = t.last_dts
        if not part:
            if self.init is not None:
                raise NoSegmentsFound()
            return
        seq = self.seq
        self.seq += 1
        if self.init is not None:
            self.write(self.init)
            self.init = None
        self.write(marshal_part(seq, part))

    def flush(self):
        self.inner_flush(True)


def marshal_part(seq, tracks):
    """moof(mfhd, traf(tfhd, tfdt v1, trun v1)*) + mdat. tfhd: default-base-is-moof only.
    trun always carries data offset, duration, size, flags and a signed cts per sample."""
    def trafs(offsets):
        out = []
        for (tid, base, samples), off in zip(tracks, offsets):
            entries = b"".join(struct.pack(">IIIi", s.duration, len(s.payload),
                                           SAMPLE_NON_SYNC if s.non_sync else 0, s.cts) for s in samples)
            out.append(box(b"traf",
                           full_box(b"tfhd", 0, 0x020000, struct.pack(">I", tid)),
                           full_box(b"tfdt", 1, 0, struct.pack(">Q", base & 0xFFFFFFFFFFFFFFFF)),
                           full_box(b"trun", 1, 0x000F01, struct.pack(">Ii", len(samples), off), entries)))
        return out

    moof_len = len(box(b"moof", full_box(b"mfhd", 0, 0, struct.pack(">I", seq)), *trafs([0] * len(tracks))))
    data = [s.payload for _, _, samples in tracks for s in samples]
    mdat = box(b"mdat", *data)
    offsets, pos = [], moof_len + (len(mdat) - sum(map(len, data)))
    for _, _, samples in tracks:
        offsets.append(pos)
        pos += sum(len(s.payload) for s in samples)
    return box(b"moof", full_box(b"mfhd", 0, 0, struct.pack(">I", seq)), *trafs(offsets)) + mdat


# ---------------------------------------------------------------- progressive MP4 output (muxer_mp4.go)

class MP4Muxer:
    def __init__(self, write):
        self.write, self.tracks, self.cur, self.init = write, [], None, None

    def write_init(self, init):
        self.init = init
        self.tracks = [MuxTrack(t) for t in init.tracks]

    set_track = FMP4Muxer.set_track

    def write_sample(self, dts, cts, non_sync, payload):
        t = self.cur
        if (dts < 0 or t.last_dts < 0) and not non_sync:  # drop GOPs before the GOP of the first sample
            t.samples.clear()
        if not t.samples:
            t.time_offset = dts
        else:
            t.samples[-1].duration = max(dts - t.last_dts, 0)
        t.samples.append(Sample(0 if not non_sync else cts, non_sync, payload))
        t.last_dts = dts

    def write_final_dts(self, dts):
        t = self.cur
        if t.samples:
            t.samples[-1].duration = max(dts - t.last_dts, 0)

    def flush(self):
        if self.cur is None or not self.cur.samples or self.cur.last_dts < 0:
            raise NoSegmentsFound()
        self.write(marshal_presentation(self.init, [t for t in self.tracks if t.samples]))


def marshal_presentation(init, tracks):
    """pmp4.Presentation.Marshal: ftyp, moov(mvhd, trak*), mdat; samples interleaved by time."""
    offsets = {id(t): [] for t in tracks}
    elapsed = [t.time_offset for t in tracks]
    done = [0] * len(tracks)
    order, pos = [], 0
    while True:
        best = None
        for i, t in enumerate(tracks):
            if done[i] < len(t.samples):
                e = go_mp4_to_ns(elapsed[i], t.timescale)
                if best is None or e < best[1]:
                    best = (i, e)
        if best is None:
            break
        i = best[0]
        s = tracks[i].samples[done[i]]
        offsets[id(tracks[i])].append(pos)
        done[i] += 1
        elapsed[i] += s.duration
        pos += len(s.payload)
        order.append(s)

    def moov(base):
        traks, movie_dur = [], 0
        for t in tracks:
            trak, pres = marshal_trak(init.raw, t, [o + base for o in offsets[id(t)]])
            traks.append(trak)
            movie_dur = max(movie_dur, pres)
        mvhd = full_box(b"mvhd", 0, 0, struct.pack(">IIII", 0, 0, 1000, movie_dur), struct.pack(">IH10x", 0x10000, 0x100),
                        struct.pack(">9i", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000), bytes(24),
                        struct.pack(">I", len(tracks) + 1))
        return box(b"moov", mvhd, *traks)

    ftyp = box(b"ftyp", b"isom", struct.pack(">I", 1), b"isomiso2mp41mp42")
    head = ftyp + moov(0)
    head = ftyp + moov(len(head) + 8)
    return head + struct.pack(">I4s", (8 + pos) & 0xFFFFFFFF, b"mdat") + b"".join(s.payload for s in order)


def marshal_trak(raw, t, sample_offsets):
    u32 = 0xFFFFFFFF
    sd = sum(s.duration for s in t.samples) & u32
    pres = go_quo((sd + t.time_offset) * 1000, t.timescale) & u32
    src = children(raw, *t.src.trak)
    tkhd_off, tkhd_hdr, _ = src[b"tkhd"][0]
    tver = raw[tkhd_off + tkhd_hdr]
    width, height = struct.unpack_from(">II", raw, tkhd_off + tkhd_hdr + (88 if tver == 1 else 76))
    mdia = children(raw, *src[b"mdia"][0])
    ho, hh, _ = mdia[b"hdlr"][0]
    video = raw[ho + hh + 8:ho + hh + 12] == b"vide"
    tkhd = full_box(b"tkhd", 0, 3, struct.pack(">IIIII8xhhH2x", 0, 0, t.id, 0, pres, 0, 0 if video else 1,
                                               0 if video else 0x100),
                    struct.pack(">9i", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000),
                    struct.pack(">II", width if video else 0, height if video else 0))
    if t.time_offset > 0:
        elst = [(go_quo(t.time_offset * 1000, t.timescale), -1), (go_quo(sd * 1000, t.timescale), 0)]
    else:
        elst = [(go_quo((sd - t.time_offset) * 1000, t.timescale), -t.time_offset)]
    edts = box(b"edts", full_box(b"elst", 0, 0, struct.pack(">I", len(elst)),
                                 *[struct.pack(">IiHH", d & u32, m, 1, 0) for d, m in elst]))
    mdhd = full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, t.timescale, (sd + t.time_offset) & u32, 0x55C4, 0))
    name = b"VideoHandler\0" if video else b"SoundHandler\0"
    hdlr = full_box(b"hdlr", 0, 0, struct.pack(">I4s12x", 0, b"vide" if video else b"soun"), name)
    mhd = full_box(b"vmhd", 0, 1, bytes(8)) if video else full_box(b"smhd", 0, 0, bytes(4))
    dinf = box(b"dinf", full_box(b"dref", 0, 0, struct.pack(">I", 1), full_box(b"url ", 0, 1)))
    stbl_src = children(raw, *children(raw, *mdia[b"minf"][0])[b"stbl"][0])
    so, _, ss = stbl_src[b"stsd"][0]
    return box(b"trak", tkhd, edts, box(b"mdia", mdhd, hdlr, box(b"minf", mhd, dinf, box(
        b"stbl", raw[so:so + ss], *sample_tables(t.samples, sample_offsets))))), pres


def sample_tables(samples, offsets):
    def runs(values):
        out = []
        for v in values:
            if out and out[-1][1] == v:
                out[-1][0] += 1
            else:
                out.append([1, v])
        return out

    stts = runs([s.duration for s in samples])
    ctts = runs([s.cts for s in samples])
    out = [full_box(b"stts", 0, 0, struct.pack(">I", len(stts)), *[struct.pack(">II", c, d) for c, d in stts])]
    if any(s.non_sync for s in samples):
        sync = [i + 1 for i, s in enumerate(samples) if not s.non_sync]
        out.append(full_box(b"stss", 0, 0, struct.pack(">I", len(sync)), *[struct.pack(">I", n) for n in sync]))
    out.append(full_box(b"ctts", 1, 0, struct.pack(">I", len(ctts)), *[struct.pack(">Ii", c, o) for c, o in ctts]))
    chunks, stsc, end = [], [], None  # a chunk = a run of samples contiguous in mdat
    for s, off in zip(samples, offsets):
        if off != end:
            chunks.append(off)
            stsc.append([len(stsc) + 1, 0])
        stsc[-1][1] += 1
        end = off + len(s.payload)
    for i in range(len(stsc) - 1, 0, -1):  # "compress further", as pmp4 does
        if stsc[i][1] == stsc[i - 1][1]:
            del stsc[i]
    out.append(full_box(b"stsc", 0, 0, struct.pack(">I", len(stsc)), *[struct.pack(">III", f, n, 1) for f, n in stsc]))
    out.append(full_box(b"stsz", 0, 0, struct.pack(">II", 0, len(samples)),
                        *[struct.pack(">I", len(s.payload)) for s in samples]))
    out.append(full_box(b"stco", 0, 0, struct.pack(">I", len(chunks)), *[struct.pack(">I", c & 0xFFFFFFFF) for c in chunks]))
    return out


# ---------------------------------------------------------------- reading segments into a muxer

def can_concatenate(prev_init, prev_end_ns, cur_init, cur_start_ns, tolerance_ns):
    """segmentFMP4CanBeConcatenated, legacy branch: same tracks and |cur_start - prev_end| <= tolerance."""
    a, b = prev_init.tracks, cur_init.tracks
    if len(a) != len(b) or any(x.id != y.id or x.timescale != y.timescale or
                               SAME_CODEC.get(x.codec, x.codec) != SAME_CODEC.get(y.codec, y.codec)
                               for x, y in zip(a, b)):
        return False
    return prev_end_ns - tolerance_ns <= cur_start_ns <= prev_end_ns + tolerance_ns


def mux_parts(f, init, start_dts_ns, duration_ns, tracks, m):
    """segmentFMP4MuxParts: feed the samples of one open segment to the muxer. Returns the elapsed
    time (ns) from start_dts to the end of the last trun processed, the segment's usable duration."""
    seg_duration, break_at_mdat = 0, False
    for typ, off, hdr, size in iter_file_boxes(f):
        if typ == b"mdat" and break_at_mdat:
            break
        if typ != b"moof":
            continue
        f.seek(off)
        for traf in parse_moof(f.read(size), off, init):
            track = next((t for t in tracks if t.id == traf.track_id), None)
            if track is None:
                raise BoxError("invalid track ID: %d" % traf.track_id)
            m.set_track(traf.track_id)
            start_mp4 = go_ns_to_mp4(start_dts_ns, track.timescale)
            duration_mp4 = go_ns_to_mp4(duration_ns, track.timescale)
            dts = traf.base_time + start_mp4
            for dur, ssize, flags, cts, pos in traf.samples:
                if dts >= duration_mp4:
                    break_at_mdat = True
                    break
                f.seek(pos)
                payload = f.read(ssize)
                if len(payload) != ssize:
                    raise BoxError("partial read")
                m.write_sample(dts, cts, bool(flags & SAMPLE_NON_SYNC), payload)
                dts += dur
            m.write_final_dts(dts)
            seg_duration = max(seg_duration, go_mp4_to_ns(dts - start_mp4, track.timescale))
    return seg_duration


def seek_and_mux(segments, start_ns, duration_ns, m, tolerance_ns):
    """seekAndMux for fMP4 recordings. segments: [(file path, start ns)], sorted, as FindSegments
    returns them. Stops at the first segment that cannot be concatenated (gap or track change)."""
    path0, seg0_start = segments[0]
    with open(path0, "rb") as f:
        first_init = read_init(f)
        m.write_init(first_init)
        seg_duration = mux_parts(f, first_init, seg0_start - start_ns, duration_ns, first_init.tracks, m)
    seg_end, prev_init = seg0_start + seg_duration, first_init
    for path, seg_start in segments[1:]:
        with open(path, "rb") as f:
            init = read_init(f)
            if not can_concatenate(prev_init, seg_end, init, seg_start, tolerance_ns):
                break
            seg_duration = mux_parts(f, init, seg_start - start_ns, duration_ns, first_init.tracks, m)
        seg_end, prev_init = seg_start + seg_duration, init
    m.flush()
