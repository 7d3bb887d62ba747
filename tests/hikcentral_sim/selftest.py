#!/usr/bin/python3
"""Self-check of the HikCentral simulator (run with /usr/bin/python3, needs ffmpeg and
openssl): signing vectors, refusals (wrong secret, changed body, wrong Content-MD5),
camera paging, live and playback RTSP with VTC1, a refused token, the download flow,
PTZ logging, HTTPS. Prints "selftest: N passed, 0 failed"."""
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import artemis_sign  # noqa: E402

KEY, SECRET = "selftestkey", "selftest-secret-0123"
PASSED = []


def check(name, cond, detail=""):
    if not cond:
        raise SystemExit("FAIL %s %s" % (name, detail))
    PASSED.append(name)


def start(*extra):
    p = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "hikcentral_sim.py"), "--app-key", KEY,
                          "--app-secret", SECRET, "--lifetime", "120", *extra], stdout=subprocess.PIPE, text=True)
    ready = p.stdout.readline().split()
    assert ready[0] == "READY", ready
    return p, int(ready[1]), ready[2], int(ready[3])


CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE


def call(base, path, body, secret=SECRET, tamper=None, md5=None):
    raw = json.dumps(body).encode()
    headers, _ = artemis_sign.sign_request(KEY, secret, "POST", path, "", {
        "Accept": "*/*", "Content-Type": "application/json"}, raw, str(uuid.uuid4()), int(time.time() * 1000))
    if md5:
        headers["Content-MD5"] = md5
    req = urllib.request.Request(base + path, data=tamper or raw, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, context=CTX) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def first_vtc1(url, n=1, extra=()):
    out = subprocess.run(["ffmpeg", "-v", "error", *extra, "-i", url, "-frames:v", str(n), "-f", "rawvideo",
                          "-pix_fmt", "gray", "-s", "640x360", "-"], capture_output=True, timeout=60)
    frames = []
    for i in range(0, len(out.stdout) // (640 * 360)):
        px = out.stdout[i * 640 * 360:(i + 1) * 640 * 360]
        word = 0
        for c in range(64):
            word = (word << 1) | (1 if px[5 * 640 + c * 10 + 5] >= 128 else 0)
        ts = ((word >> 8) & ((1 << 48) - 1))
        ok = word >> 56 == 0b10110010 and artemis_crc(ts.to_bytes(6, "big")) == word & 0xFF
        frames.append(ts if ok else None)
    return frames, out.returncode


def artemis_crc(data):
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = ((crc << 1) ^ 7) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def main():
    subprocess.run([sys.executable, os.path.join(HERE, "make_vectors.py"), "--check"], check=True)
    now = int(time.time() * 1000) // 1000 * 1000
    archive = "%d:%d,%d:%d" % (now - 3600_000, now - 1800_000, now - 1200_000, now - 60_000)
    tmp = tempfile.mkdtemp()
    cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    p, port, scheme, rtsp = start("--archive", archive, "--cameras", "5", "--max-page", "2",
                                  "--tls-cert", cert, "--tls-key", key)
    try:
        base = "%s://127.0.0.1:%d" % (scheme, port)
        check("https", scheme == "https")
        st, ans = call(base, "/artemis/api/common/v1/version", {})
        check("version", st == 200 and ans["code"] == "0", ans)
        st, ans = call(base, "/artemis/api/common/v1/version", {}, secret="wrong")
        check("wrong secret refused", st == 401 and ans["code"] == "0x02401003", ans)
        st, ans = call(base, "/artemis/api/resource/v1/cameras", {"pageNo": 1, "pageSize": 100},
                       tamper=b'{"pageNo":2,"pageSize":100}')
        check("changed body refused", st == 401 and ans["code"] == "0x02401003", ans)
        st, ans = call(base, "/artemis/api/resource/v1/cameras", {"pageNo": 1, "pageSize": 100},
                       md5="AAAAAAAAAAAAAAAAAAAAAA==")
        check("wrong md5 refused", st == 401, ans)
        cams, page = [], 1
        while True:
            st, ans = call(base, "/artemis/api/resource/v1/cameras", {"pageNo": page, "pageSize": 100})
            cams += ans["data"]["list"]
            if len(cams) >= ans["data"]["total"] or not ans["data"]["list"]:
                break
            page += 1
        check("paging", len(cams) == 5 and page == 3, (len(cams), page))
        cam = cams[0]["cameraIndexCode"]
        st, ans = call(base, "/artemis/api/video/v1/cameras/previewURLs",
                       {"cameraIndexCode": cam, "streamType": 0, "protocol": "rtsp", "transmode": 1})
        url = ans["data"]["url"]
        frames, _ = first_vtc1(url, 3, ("-rtsp_transport", "tcp"))
        got = [f for f in frames if f]
        check("live vtc1", got and abs(got[-1] - time.time() * 1000) < 3000, frames)
        frames, rc = first_vtc1(url[:-4] + "0000", 1, ("-rtsp_transport", "tcp"))
        check("wrong token refused", rc != 0 and not frames, rc)
        begin = now - 1800_000 - 5000
        tz = "+08:00"
        import datetime as dt
        iso = lambda ms: dt.datetime.fromtimestamp(ms / 1000, dt.timezone(dt.timedelta(hours=8))).isoformat(
            timespec="milliseconds")
        st, ans = call(base, "/artemis/api/video/v1/cameras/playbackURLs",
                       {"cameraIndexCode": cam, "recordLocation": "0", "protocol": "rtsp", "transmode": 1,
                        "beginTime": iso(begin), "endTime": iso(now)})
        segs = ans["data"]["list"]
        check("segments", len(segs) == 3 and segs[0]["beginTime"].endswith(tz), segs)
        frames, _ = first_vtc1(ans["data"]["url"], 60, ("-rtsp_transport", "tcp"))
        check("playback vtc1", frames[0] == begin and frames[50] == now - 1200_000, (frames[:3], frames[48:52]))
        ev = now - 600_000
        st, ans = call(base, "/artemis/api/video/v1/cameras/playbackURLs",
                       {"cameraIndexCode": cam, "recordLocation": "0", "protocol": "rtsp", "transmode": 1,
                        "beginTime": iso(ev - 5000), "endTime": iso(ev + 5000)})
        st, ans = call(base, "/artemis/api/video/v1/download",
                       {"url": ans["data"]["url"], "beginTime": iso(ev - 5000), "endTime": iso(ev + 5000),
                        "videoType": 1})
        did = ans["data"]["downloadID"]
        for _ in range(100):
            st, ans = call(base, "/artemis/api/video/v1/downloadURL", {"downloadID": did})
            if ans["data"].get("url"):
                break
            time.sleep(0.2)
        clip = os.path.join(tmp, "clip.ts")
        with urllib.request.urlopen(ans["data"]["url"], context=CTX) as r, open(clip, "wb") as f:
            f.write(r.read())
        frames, _ = first_vtc1(clip, 1000)
        check("download vtc1", frames[0] == ev - 5000 and frames[-1] == ev + 5000, (frames[:2], frames[-2:]))
        call(base, "/artemis/api/video/v1/ptzs/controlling",
             {"cameraIndexCode": cam, "action": 0, "command": "LEFT", "speed": 40})
        call(base, "/artemis/api/video/v1/ptzs/controlling",
             {"cameraIndexCode": cam, "action": 1, "command": "LEFT", "speed": 40})
        log = json.loads(urllib.request.urlopen(base + "/test/ptz", context=CTX).read())
        check("ptz logged", [e["action"] for e in log] == [0, 1], log)
        st, ans = call(base, "/artemis/api/video/v1/ptzs/controlling",
                       {"cameraIndexCode": cams[1]["cameraIndexCode"], "action": 0, "command": "LEFT", "speed": 40})
        check("ptz unsupported", ans["code"] == "195", ans)
        calls = json.loads(urllib.request.urlopen(base + "/test/calls", context=CTX).read())
        check("call log", any(c.get("signed") for c in calls) and any(not c["ok"] for c in calls))
    finally:
        p.terminate()
        p.wait()
    print("selftest: %d passed, 0 failed" % len(PASSED))


if __name__ == "__main__":
    main()
