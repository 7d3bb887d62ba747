#!/usr/bin/python3
"""Self-check of the Dahua simulator without Vigil: digest auth, config,
mediaFileFind paging and handle counting, loadfile/snapshot VTC1, RTSP live
and playback VTC1 (read with the ffmpeg CLI). Prints "selfcheck ok"."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import frames  # noqa: E402

vtc1 = frames.vtc1


def start(*args):
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "dahua_sim.py"), "--port", "0", "--rtsp-port", "0",
                          "--user", "admin", "--password", "pw1", "--lifetime", "120", *args],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    assert line[0] == "READY", line
    return p, int(line[1]), int(line[2])


def opener(port, user="admin", pw="pw1"):
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, "http://127.0.0.1:%d/" % port, user, pw)
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr))


def get(op, port, path):
    return op.open("http://127.0.0.1:%d/cgi-bin/%s" % (port, path), timeout=30).read()


def vtc1_of_video(src, n, extra=()):
    """VTC1 of the first n frames of src (file or RTSP URL), via ffmpeg gray output."""
    w, h = 320, 180
    out = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", *extra, "-i", src, "-frames:v", str(n),
                          "-vf", "scale=%d:%d" % (w, h), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         capture_output=True, timeout=60).stdout
    cell = w // 64
    codes = []
    for k in range(len(out) // (w * h)):
        f = out[k * w * h:(k + 1) * w * h]
        codes.append(vtc1.decode([f[(cell // 2) * w + i * cell + cell // 2] for i in range(64)]))
    return codes


def main():
    t_base = 1767225600  # 2026-01-01T00:00:00Z
    archive = "2026-01-01T00:00:00Z/1300,2026-01-01T00:30:00Z/60"
    p, port, rport = start("--tz", "Asia/Tokyo", "--archive", archive, "--file-seconds", "10", "--ptz", "1")
    try:
        op = opener(port)
        assert get(op, port, "global.cgi?action=getCurrentTime").startswith(b"result=")
        ntp = get(op, port, "configManager.cgi?action=getConfig&name=NTP").decode()
        assert "table.NTP.TimeZone=14" in ntp, ntp
        oid = get(op, port, "mediaFileFind.cgi?action=factory.create").decode().strip().split("=")[1]
        # Tokyo is UTC+9: the archive starts 09:00:00 local
        assert get(op, port, "mediaFileFind.cgi?action=findFile&object=%s&condition.Channel=1"
                   "&condition.StartTime=2026-01-01%%2008:00:00&condition.EndTime=2026-01-01%%2010:00:00" % oid) == b"OK\r\n"
        items = []
        while True:
            page = get(op, port, "mediaFileFind.cgi?action=findNextFile&object=%s&count=100" % oid).decode()
            n = int(page.split("\r\n")[0].split("=")[1])
            if n == 0:
                break
            items += [l for l in page.split("\r\n") if ".StartTime=" in l]
        assert len(items) == 136, len(items)
        assert items[0].endswith("2026-01-01 09:00:00"), items[0]
        state = json.loads(urllib.request.urlopen("http://127.0.0.1:%d/__sim/state" % port).read())
        assert state["open_finders"] == 1
        get(op, port, "mediaFileFind.cgi?action=close&object=%s" % oid)
        get(op, port, "mediaFileFind.cgi?action=destroy&object=%s" % oid)
        state = json.loads(urllib.request.urlopen("http://127.0.0.1:%d/__sim/state" % port).read())
        assert state["open_finders"] == 0
        # a clip across the gap end: 09:29:55 .. 09:30:05 local -> frames only from 00:30:00Z
        clip = get(op, port, "loadfile.cgi?action=startLoad&channel=1&startTime=2026-01-01%2009:21:30"
                   "&endTime=2026-01-01%2009:21:40&subtype=0")
        open("/tmp/dahua_selfcheck.dav", "wb").write(clip)
        codes = vtc1_of_video("/tmp/dahua_selfcheck.dav", 200)
        assert len(codes) == 100 and codes[0] == (t_base + 1290) * 1000 and codes[-1] == (t_base + 1299) * 1000 + 900, codes[:3]
        snap = get(op, port, "snapshot.cgi?channel=1")
        open("/tmp/dahua_selfcheck.jpg", "wb").write(snap)
        c = vtc1_of_video("/tmp/dahua_selfcheck.jpg", 1)[0]
        assert c and abs(c - time.time() * 1000) < 5000, c
        # RTSP live
        url = "rtsp://admin:pw1@127.0.0.1:%d/cam/realmonitor?channel=1&subtype=1" % rport
        codes = vtc1_of_video(url, 10, ["-rtsp_transport", "tcp"])
        assert len(codes) == 10 and all(codes), codes
        assert abs(codes[-1] - time.time() * 1000) < 3000, (codes[-1], time.time())
        # RTSP playback from 09:29:58 local: the gap is skipped, frames resume at 00:30:00Z
        url = ("rtsp://admin:pw1@127.0.0.1:%d/cam/playback?channel=1&subtype=0"
               "&starttime=2026_01_01_09_21_38&endtime=2026_01_01_09_30_10" % rport)
        codes = vtc1_of_video(url, 30, ["-rtsp_transport", "tcp"])
        assert codes[0] == (t_base + 1298) * 1000, codes[:3]
        assert codes[20] == (t_base + 1800) * 1000, codes
        # wrong password: 401 (urllib tries 5 times, which locks the account, as devices do)
        try:
            opener(port, pw="wrong").open("http://127.0.0.1:%d/cgi-bin/magicBox.cgi?action=getDeviceType" % port)
            raise AssertionError("wrong password accepted")
        except urllib.error.HTTPError as e:
            assert e.code == 401
        print("selfcheck ok")
    finally:
        p.kill()


if __name__ == "__main__":
    main()
