# Go-compatible time handling for the MediaMTX playback simulator (mediamtx_sim.py): what Go's
# time.Parse(time.RFC3339), Time.Format(time.RFC3339Nano), time.Date(..., Local), Duration.Seconds(),
# strconv.FormatFloat / encoding/json floats and MediaMTX's on_get.go parseDuration do.
# A time is (ns since the Unix epoch, UTC offset in seconds); the offset only matters when printing.
import datetime as dt
import math
import re

NS = 10**9
EPOCH = dt.datetime(1970, 1, 1)
UTC = dt.timezone.utc
RFC3339_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})")
FLOAT_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|infinity|nan)", re.I)
GO_UNITS = {"ns": 1, "us": 10**3, "\u00b5s": 10**3, "\u03bcs": 10**3, "ms": 10**6, "s": NS, "m": 60 * NS,
            "h": 3600 * NS}


def parse_rfc3339(raw):
    """time.Parse(time.RFC3339, raw); fractional seconds accepted, as Go does."""
    m = RFC3339_RE.fullmatch(raw)
    try:
        if not m:
            raise ValueError
        y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
        frac = int(((m.group(7) or "") + "000000000")[:9])
        z = m.group(8)
        off = 0 if z == "Z" else (1 if z[0] == "+" else -1) * (int(z[1:3]) * 3600 + int(z[4:6]) * 60)
        if z != "Z" and (int(z[1:3]) > 23 or int(z[4:6]) > 59):
            raise ValueError
        local = dt.datetime(y, mo, d, h, mi, s)
    except ValueError:
        raise ValueError('parsing time "%s" as "2006-01-02T15:04:05Z07:00": cannot parse' % raw)
    return (((local - EPOCH) // dt.timedelta(seconds=1)) - off) * NS + frac, off


def format_rfc3339nano(t):
    """Format(time.RFC3339Nano): trailing zeros of the fraction dropped, "Z" for offset 0."""
    ns, off = t
    local = ns + off * NS
    secs, frac = divmod(local, NS)
    s = (EPOCH + dt.timedelta(seconds=secs)).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        s += ("." + "%09d" % frac).rstrip("0")
    if off == 0:
        return s + "Z"
    return s + "%s%02d:%02d" % ("+" if off > 0 else "-", abs(off) // 3600, abs(off) // 60 % 60)


def segment_time(m, tz):
    """Start of a segment from its file name, in the simulator's local zone (time.Date(..., Local))."""
    y, mo, d, h, mi, s, us = (int(x) for x in m.groups()[:7])
    local = dt.datetime(y, mo, d, h, mi, s, us, tzinfo=tz)
    utc = local.astimezone(UTC)
    off = int(utc.astimezone(tz).utcoffset().total_seconds())  # normalised in a DST gap, like Go
    return ((utc.replace(tzinfo=None) - EPOCH) // dt.timedelta(microseconds=1)) * 1000, off


def go_seconds(d):
    """time.Duration.Seconds()."""
    sec = abs(d) // NS * (1 if d >= 0 else -1)
    return float(sec) + float(d - sec * NS) / 1e9


def go_float(x, json_style):
    """strconv.FormatFloat(x, 'f', -1, 64), or encoding/json's float format."""
    if json_style and x != 0 and (abs(x) < 1e-6 or abs(x) >= 1e21):
        return re.sub(r"e([+-])0*(\d)", r"e\1\2", "%r" % x)
    s = repr(x)
    if "e" in s:
        from decimal import Decimal
        s = format(Decimal(s), "f")
    return s[:-2] if s.endswith(".0") else s


def parse_duration(raw):
    """on_get.go parseDuration: float seconds, else Go's time.ParseDuration."""
    if FLOAT_RE.fullmatch(raw):
        v = float(raw)
        if not math.isinf(v) or "inf" in raw.lower():
            return -(2**63) if not math.isfinite(v) else int(v * 1e9)
    s, neg = raw, False
    if s[:1] in ("-", "+"):
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise ValueError('time: invalid duration "%s"' % raw)
    total = 0
    while s:
        m = re.match(r"(\d*)(?:\.(\d*))?", s)
        if not m.group(1) and not m.group(2):
            raise ValueError('time: invalid duration "%s"' % raw)
        s = s[m.end():]
        u = re.match(r"[^\d.]*", s).group(0)
        if u not in GO_UNITS:
            raise ValueError('time: %s unit "%s" in duration "%s"' % ("unknown" if u else "missing", u, raw))
        s = s[len(u):]
        total += int(m.group(1) or 0) * GO_UNITS[u]
        if m.group(2):
            total += int(float(int(m.group(2))) * (GO_UNITS[u] / 10 ** len(m.group(2))))
    return -total if neg else total
