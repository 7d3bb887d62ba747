#!/usr/bin/env bash
# Self-test of the MediaMTX playback-server simulator (mediamtx_sim.py).
# Makes fMP4 fixtures with the ffmpeg CLI (10 fps, GOP 10, no B-frames, 4 s each, names in
# Europe/Berlin time): A 14:30:10.25, B 14:30:14.25 (adjacent to A), C 14:30:30 (after a gap),
# plus one MPEG-TS segment; starts the simulator on a free port and checks /list and /get with
# curl, ffprobe and ffmpeg. Exits non-zero on the first failed check.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
TMP="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

mkdir -p "$TMP/rec/cam" "$TMP/rec/tscam"
mk() { ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=320x180:rate=10 -t 4 -c:v libx264 \
  -g 10 -bf 0 "$@"; }
for n in 2025-08-29_14-30-10-250000 2025-08-29_14-30-14-250000 2025-08-29_14-30-30-000000; do
  mk -movflags frag_keyframe+empty_moov+default_base_moof -f mp4 "$TMP/rec/cam/$n.mp4"
done
mk -f mpegts "$TMP/rec/tscam/2025-08-29_14-30-10-250000.ts"

start_sim() {  # start_sim NAME ARGS... -> sets PORT
  python3 "$HERE/mediamtx_sim.py" --root "$TMP/rec" --port 0 --tz Europe/Berlin "${@:2}" \
    >"$TMP/$1.out" 2>"$TMP/$1.err" &
  PIDS+=($!)
  for _ in $(seq 50); do grep -q '^listening 127.0.0.1:' "$TMP/$1.out" 2>/dev/null && break; sleep 0.1; done
  PORT="$(sed -n 's/^listening 127.0.0.1:\([0-9]*\)$/\1/p' "$TMP/$1.out")"
  [ -n "$PORT" ] || fail "simulator did not start: $(cat "$TMP/$1.err")"
}
start_sim main
B="http://127.0.0.1:$PORT"

status() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
expect_status() {  # expect_status CODE URL [curl args]
  local got; got="$(status "${@:2}")"
  [ "$got" = "$1" ] || fail "$2 -> $got (want $1): $(cat "$TMP/body")"; ok "$1 $2"
}
expect_list() {  # expect_list QUERY PYTHON_LITERAL_OF_[(start, duration)]
  [ "$(status "$B/list?$1")" = 200 ] || fail "/list?$1: $(cat "$TMP/body")"
  python3 - "$TMP/body" "$2" "$PORT" <<'EOF' || fail "/list?$1 -> $(cat "$TMP/body")"
import json, sys, urllib.parse as up
got = json.load(open(sys.argv[1])); want = eval(sys.argv[2])
assert [(e["start"], e["duration"]) for e in got] == want, (got, want)
for e in got:
    u = up.urlsplit(e["url"]); q = up.parse_qs(u.query)
    assert u.netloc == "127.0.0.1:" + sys.argv[3] and u.path == "/get", e
    assert q["start"] == [e["start"]] and float(q["duration"][0]) == e["duration"], e
EOF
  ok "/list?$1"
}

# ---- /list: merging (A+B -> 8 s), clipping, errors
expect_list "path=cam" "[('2025-08-29T14:30:10.25+02:00', 8), ('2025-08-29T14:30:30+02:00', 4)]"
expect_list "path=cam&start=2025-08-29T12:30:12Z&end=2025-08-29T14:30:32%2B02:00" \
  "[('2025-08-29T12:30:12Z', 6.25), ('2025-08-29T14:30:30+02:00', 2)]"
expect_list "path=cam&start=2025-08-29T12:30:20Z" "[('2025-08-29T14:30:30+02:00', 4)]"
expect_status 404 "$B/list?path=cam&start=2025-08-29T12:40:00Z"
expect_status 404 "$B/list?path=cam&end=2025-08-29T12:00:00Z"
expect_status 400 "$B/list?path=cam&start=yesterday"
expect_status 400 "$B/list?path=nosuchcam"
expect_status 400 "$B/list"
expect_status 500 "$B/list?path=tscam"
grep -q 'MPEG-TS format is not supported yet' "$TMP/body" || fail "ts /list body"

# ---- /get: probe helper prints "pts_time flags" per packet and checks a clean decode
probe() {
  ffprobe -v error -select_streams v -show_packets -show_entries packet=pts_time,flags -of csv=p=0 "$1" >"$1.pk"
  ffprobe -v error -select_streams v -show_frames -show_entries frame=pts_time -of csv=p=0 "$1" >"$1.fr"
  ffmpeg -nostdin -v error -i "$1" -f null - 2>"$1.dec" || fail "$1: ffmpeg decode failed"
  [ ! -s "$1.dec" ] || fail "$1: decode errors: $(cat "$1.dec")"
}
check_get() {  # check_get NAME QUERY PREROLL VISIBLE FIRST_PTS LAST_PTS
  local f="$TMP/$1.mp4"
  curl -s -D "$f.h" -o "$f" "$B/get?$2"
  grep -q '^HTTP/1.1 200' "$f.h" || fail "/get?$2: $(cat "$f")"
  grep -qi '^Content-Type: video/mp4' "$f.h" || fail "/get?$2: content type"
  grep -qi '^Accept-Ranges: none' "$f.h" || fail "/get?$2: accept-ranges"
  probe "$f"
  python3 - "$f.pk" "$f.fr" "$3" "$4" "$5" "$6" <<'EOF' || fail "/get?$2"
import sys
pk = [l.strip().split(",") for l in open(sys.argv[1]) if l.strip()]
fr = [float(l.split(",")[0]) for l in open(sys.argv[2]) if l.strip()]  # frame lines may carry side data
pre, vis, first, last = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
pts = [float(p[0]) for p in pk]
assert len(pk) == pre + vis, ("packets", len(pk), pre + vis)
assert len(fr) == pre + vis, ("decoded frames", len(fr))
assert "K" in pk[0][1], "first packet is not a keyframe"
assert first >= 0 and all(abs(p - first) < 1e-6 for p in pts[:pre + 1]), ("pre-roll shares first pts", pts[:pre + 2])
assert all(abs(b - a - 0.1) < 1e-6 for a, b in zip(pts[pre:], pts[pre + 1:])), ("visible step 0.1 s", pts)
assert abs(pts[-1] - last) < 1e-6, ("last pts", pts[-1], last)
assert sorted(fr) == sorted(pts), "frame pts differ from packet pts"
EOF
  ok "/get?$2 ($3 pre-roll + $4 visible, pts $5..$6)"
}
# start 1.55 s into A (mid GOP): IDR at 1.0 -> 6 pre-roll samples (1.0..1.5) at pts 0.05 with the first
# visible sample (1.6); visible = samples with dts in [0, 2 s) -> 0.05..1.95 = 20.
check_get mid "path=cam&start=2025-08-29T12:30:11.8Z&duration=2" 6 20 0.05 1.95
# start 3.5 s into A, 3 s long: crosses into B (adjacent) without a jump; 5 pre-roll, 30 visible, 0..2.9.
check_get cross "path=cam&start=2025-08-29T12:30:13.75Z&duration=3" 5 30 0 2.9
# start 1.75 s into B, 20 s asked: stops at the gap before C; 8 pre-roll, 22 visible, 0.05..2.15.
check_get gap "path=cam&start=2025-08-29T12:30:16Z&duration=20" 8 22 0.05 2.15
# start before A: no pre-roll, first sample at 1.25 s.
check_get before "path=cam&start=2025-08-29T12:30:09Z&duration=2" 0 8 1.25 1.95
# Go duration syntax and explicit format=fmp4 give the same bytes as seconds
curl -s -o "$TMP/godur.mp4" "$B/get?path=cam&start=2025-08-29T12:30:11.8Z&duration=2s&format=fmp4"
cmp -s "$TMP/godur.mp4" "$TMP/mid.mp4" || fail "duration=2s&format=fmp4 differs from duration=2"; ok "duration=2s"

# format=mp4: progressive MP4, pre-roll hidden by an edit list (FFmpeg marks it discarded)
f="$TMP/prog.mp4"
[ "$(status "$B/get?path=cam&start=2025-08-29T12:30:11.8Z&duration=1.5&format=mp4")" = 200 ] || fail "format=mp4"
cp "$TMP/body" "$f"; probe "$f"
[ "$(grep -vc D "$f.pk")" = 15 ] || fail "format=mp4: want 15 shown packets: $(tr '\n' ' ' <"$f.pk")"
[ "$(grep -c D "$f.pk")" = 6 ] || fail "format=mp4: want 6 discarded pre-roll packets"
ok "/get format=mp4 (6 discarded pre-roll + 15 shown)"

expect_status 404 "$B/get?path=cam&start=2025-08-29T12:30:20Z&duration=2"
expect_status 404 "$B/get?path=cam&start=2025-08-29T12:40:00Z&duration=2"
expect_status 400 "$B/get?path=cam&start=2025-08-29T12:30:11Z&duration=soon"
expect_status 400 "$B/get?path=cam&duration=2"
expect_status 400 "$B/get?path=cam&start=2025-08-29T12:30:11Z&duration=2&format=mkv"
expect_status 400 "$B/get?path=tscam&start=2025-08-29T12:30:11Z&duration=2"
grep -q 'MPEG-TS format is not supported yet' "$TMP/body" || fail "ts /get body"

# ---- auth
start_sim auth --user viewer --password s3cret
A="http://127.0.0.1:$PORT"
curl -s -D "$TMP/h401" -o /dev/null "$A/list?path=cam"
grep -q '^HTTP/1.1 401' "$TMP/h401" && grep -qi '^WWW-Authenticate: Basic realm="mediamtx"' "$TMP/h401" \
  || fail "no credentials: want 401 + WWW-Authenticate"; ok "401 + WWW-Authenticate without credentials"
expect_status 401 "$A/list?path=cam" -u viewer:wrong
expect_status 200 "$A/list?path=cam" -u viewer:s3cret
expect_status 200 "$A/get?path=cam&start=2025-08-29T12:30:11Z&duration=1" -u viewer:s3cret

grep -q '"GET /list?path=cam HTTP/1.1" 200' "$TMP/main.err" || fail "request lines not logged to stderr"
echo "selftest: all checks passed"
