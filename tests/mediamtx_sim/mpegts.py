# MPEG-TS segment duration for the MediaMTX playback simulator's --list-ts option (SIM only:
# MediaMTX 3e09466 answers /list on MPEG-TS recordings with 500 "MPEG-TS format is not supported yet",
# internal/playback/on_list.go parseAndConcatenate; see /work/shared/PROTOCOLS.md section 7).
# Duration = last PTS - first PTS + one frame interval, over the video PES packets (audio if none).
PACKET = 188


def pes_pts(data):
    """Yield (stream_id, pts) for every PES header that starts a TS packet and carries a PTS."""
    for i in range(0, len(data) - PACKET + 1, PACKET):
        pkt = data[i:i + PACKET]
        if pkt[0] != 0x47 or not pkt[1] & 0x40:  # sync byte, payload_unit_start_indicator
            continue
        afc = (pkt[3] >> 4) & 3
        p = 4 + (1 + pkt[4] if afc & 2 else 0)
        if not afc & 1 or p + 14 > PACKET or pkt[p:p + 3] != b"\x00\x00\x01":
            continue
        if not pkt[p + 7] & 0x80:
            continue
        b = pkt[p + 9:p + 14]
        pts = ((b[0] >> 1) & 7) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1
        yield pkt[p + 3], pts


def ts_duration_ns(path):
    with open(path, "rb") as f:
        data = f.read()
    found = list(pes_pts(data))
    pts = [v for sid, v in found if 0xE0 <= sid <= 0xEF] or [v for _, v in found]
    if not pts:
        raise ValueError("no PES timestamps found in %s" % path)
    uniq = sorted(set(pts))
    steps = [b - a for a, b in zip(uniq, uniq[1:])]
    frame = sorted(steps)[len(steps) // 2] if steps else 0
    return (uniq[-1] - uniq[0] + frame) * 10**9 // 90000
