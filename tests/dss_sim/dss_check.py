#!/usr/bin/python3
"""Self-check of the DSS simulator, independent of Vigil: starts dss_sim.py,
logs in with the two-step MD5 chain (computed here again from PROTOCOLS.md
5.2), lists the tree, asks live and playback URLs, reads one frame of each
with the ffmpeg CLI and decodes its VTC1, checks a wrong token is refused,
keepalive, token expiry (7000), PTZ and logout. Exits non-zero on failure."""
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("VIGIL_SHARED") or os.path.join(HERE, "..", "..", "..", "shared"),
                                "bench"))
import vtc1  # noqa: E402

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
H = lambda s: hashlib.md5(s.encode()).hexdigest()  # noqa: E731


def call(base, method, path, body, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json", **({"X-Subject-Token": token} if token else {})})
    try:
        with OPENER.open(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def login(base, user, password):
    st, first = call(base, "POST", "/brms/api/v1.0/accounts/authorize",
                     {"userName": user, "ipAddress": "", "clientType": "WINPC_V2"})
    assert st == 401 and first["encryptType"] == "MD5", (st, first)
    t4 = H(f"{user}:{first['realm']}:{H(H(user + H(password)))}")
    sig = H(f"{t4}:{first['randomKey']}")
    return call(base, "POST", "/brms/api/v1.0/accounts/authorize",
                {"userName": user, "signature": sig, "randomKey": first["randomKey"], "encryptType": "MD5",
                 "clientType": "WINPC_V2", "ipAddress": "", "mac": "", "userType": "0", "loginType": "1"})


def frame_vtc1(url):
    out = subprocess.run(["ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-s", "640x360", "-"],
                         capture_output=True, timeout=20)
    if out.returncode != 0 or not out.stdout:
        return None, out.stderr.decode(errors="replace")
    cell = 640 // 64
    row = out.stdout[(cell // 2) * 640:(cell // 2 + 1) * 640]
    return vtc1.decode([row[i * cell + cell // 2] for i in range(64)]), ""


def main():
    now = int(time.time())
    sim = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "dss_sim.py"), "--token-lifetime", "8",
                            "--span", f"{now - 600}:{now - 300}", "--span", f"{now - 200}:{now - 10}"],
                           stdout=subprocess.PIPE, text=True)
    try:
        line = sim.stdout.readline().split()
        assert line[0] == "READY", line
        base = f"http://127.0.0.1:{line[1]}"
        st, bad = login(base, "system", "wrong")
        assert st == 401, (st, bad)
        st, ok = login(base, "system", "admin123")
        assert st == 200 and ok["duration"] == 8, ok
        tok = ok["token"]
        st, tree = call(base, "POST", "/brms/api/v1.0/tree/devices", {"categories": ["1"]}, tok)
        chans = [c for d in tree["data"]["devices"] for c in d["channels"]]
        assert [c["channelName"] for c in chans] == ["Gate", "Yard", "Dome PTZ"], chans
        st, live = call(base, "POST", "/brms/api/v1.0/MTS/Video/StartVideo",
                        {"data": {"channelId": chans[0]["channelId"], "streamType": "1", "dataType": "1"}}, tok)
        url = live["data"]["url"].split("|")[1]
        ts, err = frame_vtc1(f"{url}?token=nope")
        assert ts is None and "401" in err, err
        ts, err = frame_vtc1(f"{url}?token={live['data']['token']}")
        assert ts is not None and abs(ts - time.time() * 1000) < 3000, (ts, err)
        print("live frame VTC1 ok, lag", int(time.time() * 1000 - ts), "ms")
        st, recs = call(base, "POST", "/brms/api/v1.0/SS/Record/QueryRecords",
                        {"data": {"channelId": chans[0]["channelId"], "startTime": str(now - 700),
                                  "endTime": str(now), "streamType": "1", "recordType": "0", "recordSource": "3"}}, tok)
        r = recs["data"]["records"]
        assert (int(r[0]["startTime"]), int(r[-1]["endTime"])) == (now - 600, now - 10), r
        st, pb = call(base, "POST", "/brms/api/v1.0/SS/Playback/StartPlaybackByTime",
                      {"data": {"channelId": chans[0]["channelId"], "startTime": str(now - 450),
                                "endTime": str(now - 400), "streamType": "1", "recordType": "0",
                                "recordSource": "3", "streamId": r[0]["streamId"]}}, tok)
        ts, err = frame_vtc1(f"{pb['data']['url']}?token={pb['data']['token']}")
        assert ts == (now - 450) * 1000, (ts, err)
        print("playback frame VTC1 = archive start ok")
        for cmd in ("1", "0"):
            st, r = call(base, "POST", "/brms/api/v1.0/DMS/Ptz/OperateDirect",
                         {"data": {"channelId": chans[2]["channelId"], "direct": "3", "stepX": "4",
                                   "stepY": "4", "command": cmd, "extend": ""}}, tok)
            assert r["code"] == 1000, r
        st, r = call(base, "PUT", "/brms/api/v1.0/accounts/keepalive", {"token": tok}, tok)
        assert r["code"] == 1000, r
        time.sleep(5)
        st, r = call(base, "POST", "/brms/api/v1.0/tree/devices", {}, tok)
        assert st == 200, ("kept alive", st, r)
        time.sleep(8.5)
        st, r = call(base, "POST", "/brms/api/v1.0/tree/devices", {}, tok)
        assert st == 401 and r["code"] == 7000, (st, r)
        st, ok = login(base, "system", "admin123")
        st, r = call(base, "POST", "/brms/api/v1.0/accounts/unauthorize", {}, ok["token"])
        assert r["code"] == 1000
        st, r = call(base, "POST", "/brms/api/v1.0/tree/devices", {}, ok["token"])
        assert st == 401, (st, r)
        calls = json.loads(OPENER.open(base + "/test/calls").read())
        ops = [c["op"] for c in calls]
        assert ops.count("logout") == 1 and ops.count("ptz_direct") == 2, ops
        print("dss_sim check ok:", len(calls), "calls")
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()
