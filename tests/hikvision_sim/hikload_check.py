"""hikload (PyPI 1.1.4, an independent Hikvision ISAPI client) against hikvision_sim.py.

Run with the venv-hikload python: hikload_check.py BASE_URL USER PASSWORD WORKDIR.
Uses hikload's own API: System.getDeviceInfo, Streaming.getChannels,
ContentMgmt.search.getPastRecordingsForID (its paging: on MORE it searches again from the last
match's start with a new searchID) and ContentMgmt.search.downloadURI (a GET with an XML body),
then reads the VTC1 timecode of the downloaded file's first frame with the ffmpeg CLI.
Prints one JSON line with what it found; exits non-zero when a step fails.
"""
import datetime as dt
import json
import os
import subprocess
import sys
import urllib.parse

from hikload.hikvisionapi.classes import HikvisionServer


def vtc1_first_frame(path, w=320, h=180):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt",
                          "gray", "-s", "%dx%d" % (w, h), "-"], stdout=subprocess.PIPE, check=True).stdout
    cell = w // 64
    word = 0
    for i in range(64):
        word = (word << 1) | (1 if raw[(cell // 2) * w + i * cell + cell // 2] >= 128 else 0)
    return (word >> 8) & ((1 << 48) - 1) if word >> 56 == 0b10110010 else None


def main():
    base, user, password, work = sys.argv[1:5]
    host = urllib.parse.urlsplit(base).netloc
    server = HikvisionServer(host, user, password)
    server.test_connection()
    info = server.System.getDeviceInfo()["DeviceInfo"]
    chans = server.Streaming.getChannels()["StreamingChannelList"]["StreamingChannel"]
    ids = [c["id"] for c in chans]
    day = dt.datetime.now(dt.timezone.utc)
    start = (day - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (day + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = server.ContentMgmt.search.getPastRecordingsForID(101, start, end)["CMSearchResult"]
    items = found["matchList"]["searchMatchItem"] if int(found["numOfMatches"]) else []
    if not isinstance(items, list):
        items = [items]
    uris = [i["mediaSegmentDescriptor"]["playbackURI"] for i in items]
    # a 10 s piece of the first recording, as hikload's downloader does with a playbackURI
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(uris[0]).query)
    t0 = dt.datetime.strptime(q["starttime"][0], "%Y%m%dT%H%M%SZ")
    piece = uris[0].split("?")[0] + "?starttime=%s&endtime=%s" % (
        t0.strftime("%Y%m%dT%H%M%SZ"), (t0 + dt.timedelta(seconds=10)).strftime("%Y%m%dT%H%M%SZ"))
    r = server.ContentMgmt.search.downloadURI(piece)
    if r.status_code != 200:
        sys.exit("download: HTTP %d %s" % (r.status_code, r.text[:300]))
    path = os.path.join(work, "hikload.mp4")
    with open(path, "wb") as f:
        f.write(r.content)
    first = vtc1_first_frame(path)
    print(json.dumps({
        "device": info.get("deviceName"), "channels": ids, "matches": len(items),
        "distinct_matches": len(set(uris)), "downloaded_bytes": len(r.content), "first_vtc1": first,
        "first_start": int(t0.replace(tzinfo=dt.timezone.utc).timestamp() * 1000),
    }))


if __name__ == "__main__":
    main()
