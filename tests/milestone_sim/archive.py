"""The simulated recording archive: spans of recording (the last one may be
open, i.e. still recording up to now) and the frame grid inside them.
Archive frames sit on the global grid round(k * 1000 / fps) ms; a span
[start, end) holds the grid times inside it. All times are ms since the Unix
epoch (UTC)."""
import datetime as dt
import math
import time

DEFAULT = "now-7200/2400,now-4780/1800,now-2960/900,now-2040/open"


def parse(spec, now_s):
    """Spans [(start_ms, end_ms or None)] from `START/SECONDS,...`; START is
    RFC 3339 UTC or now-S, SECONDS a number or `open`."""
    spans = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        start, secs = item.split("/")
        if start.startswith("now-"):
            t0 = now_s - float(start[4:])
        elif start == "now":
            t0 = now_s
        else:
            t0 = dt.datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp()
        s0 = int(round(t0 * 1000))
        spans.append((s0, None if secs == "open" else s0 + int(round(float(secs) * 1000))))
    spans.sort()
    return spans


class Archive:
    def __init__(self, spans, fps, clock=time.time):
        self.spans = spans
        self.fps = fps
        self.clock = clock

    # ---- grid
    def grid(self, k):
        return int(round(k * 1000 / self.fps))

    def index_at_or_before(self, t):
        k = math.floor(t * self.fps / 1000)
        while self.grid(k + 1) <= t:
            k += 1
        while self.grid(k) > t:
            k -= 1
        return k

    # ---- spans
    def closed_spans(self):
        """Spans with the open one ended at now (a span not yet begun is dropped)."""
        now = int(self.clock() * 1000)
        out = []
        for s, e in self.spans:
            e = now if e is None else e
            if e > s and s <= now:
                out.append((s, min(e, now + 1)))
        return out

    def empty(self):
        return not any(self._span_frames(s, e) for s, e in self.closed_spans())

    def _span_frames(self, s, e):
        """(first, last) grid times in [s, e) or None."""
        k0 = self.index_at_or_before(s - 1) + 1
        k1 = self.index_at_or_before(e - 1)
        if k1 < k0:
            return None
        return self.grid(k0), self.grid(k1)

    def span_of(self, t):
        for s, e in self.closed_spans():
            if s <= t < e:
                return s, e
        return None

    def frames_in(self, t0, t1):
        """Archive frame times in [t0, t1)."""
        out = []
        for s, e in self.closed_spans():
            a, b = max(s, t0), min(e, t1)
            if a >= b:
                continue
            k = self.index_at_or_before(a - 1) + 1
            while self.grid(k) < b:
                out.append(self.grid(k))
                k += 1
        return out

    def first(self):
        for s, e in self.closed_spans():
            f = self._span_frames(s, e)
            if f:
                return f[0]
        return None

    def last(self):
        for s, e in reversed(self.closed_spans()):
            f = self._span_frames(s, e)
            if f:
                return f[1]
        return None

    def at_or_before(self, t):
        """Newest archive frame <= t (any span), or None."""
        best = None
        for s, e in self.closed_spans():
            f = self._span_frames(s, e)
            if not f or f[0] > t:
                continue
            best = min(f[1], self.grid(self.index_at_or_before(t)))
        return best

    def at_or_after(self, t):
        for s, e in self.closed_spans():
            f = self._span_frames(s, e)
            if not f or f[1] < t:
                continue
            if f[0] >= t:
                return f[0]
            k = self.index_at_or_before(t)
            return self.grid(k) if self.grid(k) >= t else self.grid(k + 1)
        return None

    def before(self, t):
        return self.at_or_before(t - 1)

    def after(self, t):
        return self.at_or_after(t + 1)

    def in_span_frame(self, t):
        """The frame shown at position t: the newest frame <= t in the span
        holding t (the span's first frame if t precedes it); None in a gap."""
        sp = self.span_of(t)
        if not sp:
            return None
        f = self._span_frames(*sp)
        if not f:
            return None
        return max(f[0], min(f[1], self.grid(self.index_at_or_before(t))))

    def seq_start_after(self, t):
        for s, e in self.closed_spans():
            if s > t:
                f = self._span_frames(s, e)
                if f:
                    return f[0]
        return None

    def seq_start_before(self, t):
        """Start of the span before the one holding t (or before t in a gap)."""
        starts = [self._span_frames(s, e) for s, e in self.closed_spans() if s <= t]
        starts = [f[0] for f in starts if f]
        cur = self.span_of(t)
        if cur and starts:
            starts = starts[:-1]
        return starts[-1] if starts else None
