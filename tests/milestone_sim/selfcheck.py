#!/usr/bin/env python3
"""Self-check of the Milestone Mobile Server simulator with the small Python
client in msclient.py: crypto against vectors.json (and against the
`cryptography` package when it is importable), Connect/LogIn on both DH
groups and paddings with CHAP, cameras and views, live frames (Push and Pull)
whose VTC1 equals the header TimeStamp and the wall clock, resize, playback
(seek, 4x, reverse, frame steps, gaps), sequences, thumbnail, PTZ (asserted
from the simulator's log), an MKV export, TLS, the error codes, and the
seed-style bench peer (seed_milestone_pipeline.py).

    python3 tests/milestone_sim/selfcheck.py
Prints `N passed, 0 failed` and exits 0 when all checks pass."""
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import frames  # noqa: E402
import mscrypto  # noqa: E402
from msclient import Client, ServerError, WebSocket, jpeg_size, parse_frame  # noqa: E402

vtc1 = frames.vtc1
PW = "s3cr3t-Pässword"
RESULTS = []


class Sim:
    def __init__(self, *args, tls=None):
        self.dir = tempfile.TemporaryDirectory(prefix="mscheck_")
        self.log = os.path.join(self.dir.name, "sim.log")
        cmd = [sys.executable, os.path.join(HERE, "milestone_sim.py"), "--port", "0", "--user", "admin",
               "--password-env", "MS_SIM_PW", "--log", self.log] + list(args)
        if tls:
            cmd += ["--tls"] + list(tls)
        env = dict(os.environ, MS_SIM_PW=PW)
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
        line = self.p.stdout.readline().decode()
        assert line.startswith("READY "), line
        self.port = int(line.split()[1])
        self.tls = bool(tls)

    def client(self, bits=2048, padding="PKCS7", login=True):
        c = Client(self.port, self.tls, bits, padding)
        c.connect()
        if login:
            c.login("admin", PW)
        return c

    def log_lines(self):
        with open(self.log) as f:
            return [json.loads(x) for x in f]

    def stop(self):
        self.p.terminate()
        self.p.wait()
        self.dir.cleanup()


def check(name):
    def deco(fn):
        def run(*a):
            try:
                fn(*a)
                RESULTS.append((name, None))
                print("ok   %s" % name, flush=True)
            except Exception as e:  # noqa: BLE001
                RESULTS.append((name, e))
                print("FAIL %s: %r" % (name, e), flush=True)
                traceback.print_exc()
        return run
    return deco


def read_vtc1(jpg):
    w, h = jpeg_size(jpg)
    gray = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", "-", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                          input=jpg, capture_output=True, check=True).stdout
    cell = w // 64
    return vtc1.decode([gray[(cell // 2) * w + i * cell + cell // 2] for i in range(64)])


def expect_error(code, fn, *a):
    try:
        fn(*a)
    except ServerError as e:
        assert e.code == code, "expected %d, got %d %s" % (code, e.code, e.string)
        return e
    raise AssertionError("expected error %d" % code)


def cameras(c):
    r = c.call("GetAllViewsAndCameras")
    cams, views = [], []
    for item in r["cmd"].find("Items"):
        if item.get("Type") == "Folder":
            for cam in item.find("Items"):
                props = cam.find("Properties")
                cams.append({"id": cam.get("Id"), "name": cam.get("Name"), "ptz": props.get("PTZ") == "Yes"})
        elif item.get("Type") == "View":
            views.append({"id": item.get("Id"), "name": item.get("Name"),
                          "cams": [x.get("Id") for x in item.find("Items")]})
    return cams, views


def stream(c, cam, **kw):
    p = [("CameraId", cam), ("DestWidth", kw.get("w", 320)), ("DestHeight", kw.get("h", 180)),
         ("SignalType", kw.get("signal", "Live")), ("MethodType", kw.get("method", "Push")),
         ("Fps", kw.get("fps", 10)), ("ComprLevel", 70), ("KeyFramesOnly", "No"), ("RequestSize", "Yes"),
         ("StreamType", "Transcoded")]
    if "time" in kw:
        p += [("SeekType", kw.get("seek", "Time")), ("Time", kw["time"])]
    return c.call("RequestStream", p)["outputs"]["VideoId"][0]


def ws_frames(sim, vid, n):
    ws = WebSocket(sim.port, "/XProtectMobile/Video/%s/" % vid, sim.tls)
    assert ws.status == 101, ws.status
    out = []
    try:
        while len(out) < n:
            op, data = ws.recv()
            if op == 2:
                f = parse_frame(data)
                f["arrival"] = time.time()
                out.append(f)
                ws.send_text("")
    finally:
        ws.close()
    return out


# ====================================================================== checks
@check("vectors.json matches this implementation")
def check_vectors():
    with open(os.path.join(HERE, "vectors.json")) as f:
        v = json.load(f)
    for d in v["dh"]:
        bits = d["bits"]
        a, b = int(d["client_private_hex"], 16), int(d["server_private_hex"], 16)
        assert mscrypto.encode_public(mscrypto.public_value(bits, a)) == d["client_public_b64"]
        assert mscrypto.encode_public(mscrypto.public_value(bits, b)) == d["server_public_b64"]
        assert mscrypto.shared_hex(bits, a, mscrypto.decode_public(d["server_public_b64"])) == d["shared_hex"]
    for e in v["aes"]:
        filler = bytes.fromhex(e["iso10126_filler_hex"]) if e.get("iso10126_filler_hex") is not None else None
        assert mscrypto.encrypt_text(e["shared_hex"], e["plaintext"], e["padding"], filler) == e["ciphertext_b64"]
        assert mscrypto.decrypt_text(e["shared_hex"], e["ciphertext_b64"], e["padding"]) == e["plaintext"]
    for ch in v["chap"]:
        assert mscrypto.chap_answer(ch["challenge"], ch["shared_hex"]) == ch["answer_b64"]
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    except ImportError:
        print("     (cryptography not importable: AES cross-check skipped)")
        return
    for _ in range(20):
        key, iv, data = os.urandom(32), os.urandom(16), mscrypto.pad(os.urandom(37), "PKCS7")
        enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        assert mscrypto.cbc_encrypt(key, iv, data) == enc.update(data) + enc.finalize()


@check("Connect + LogIn: DH 1024/2048, PKCS7/ISO10126, CHAP challenges")
def check_login(sim):
    for bits in (1024, 2048):
        for padding in ("PKCS7", "ISO10126"):
            c = sim.client(bits, padding)
            assert c.chap and len(c.challenges) == 100, len(c.challenges)
            docs = c.last_docs
            assert [d["type"] for d in docs] == ["Processing", "Response"], docs
            c.call("LiveMessage")
            c.call("Disconnect")
            c.close()


@check("CHAP: wrong answer 19, reused challenge 51, RequestChallenges refills")
def check_chap(sim):
    c = sim.client()
    ch = c.challenges.pop(0)
    expect_error(19, c.call, "LiveMessage", (), None, [("Challenge", ch), ("ChalAnswer", "AAAA")])
    expect_error(51, c.call, "LiveMessage", (), None,
                 [("Challenge", ch), ("ChalAnswer", mscrypto.chap_answer(ch, c.shared))])
    expect_error(51, c.call, "LiveMessage", (), False)
    r = c.call("RequestChallenges", [("NumChallenges", 50), ("Reset", "Yes")])
    assert len(r["outputs"]["Challenge"]) == 50
    c.challenges = r["outputs"]["Challenge"]
    c.call("LiveMessage")
    c.close()


@check("cameras and views; unknown camera 20")
def check_cameras(sim):
    c = sim.client()
    cams, views = cameras(c)
    assert len(cams) == 3 and cams[0]["ptz"] and not cams[1]["ptz"], cams
    assert views and views[0]["cams"][0] == cams[0]["id"], views
    expect_error(20, stream, c, "00000000-0000-0000-0000-000000000001")
    c.close()


@check("live Push: VTC1 == TimeStamp, within 1 s of wall clock, size, events; ChangeStream resize")
def check_live(sim):
    c = sim.client()
    cams, _ = cameras(c)
    vid = stream(c, cams[1]["id"])
    ws = WebSocket(sim.port, "/XProtectMobile/Video/%s/" % vid)
    got = []
    while len(got) < 12:
        op, data = ws.recv()
        if op != 2:
            continue
        f = parse_frame(data)
        f["late"] = time.time() * 1000 - f["ts"]
        got.append(f)
        if len(got) == 5:
            c.call("ChangeStream", [("VideoId", vid), ("DestWidth", 480), ("DestHeight", 270)])
    for k, f in enumerate(got):
        assert f["video"] == vid
        assert f["ext"]["stream"]["dataType"] == "JPEG"
        assert f["ext"]["live"][0] & 0x01
        assert read_vtc1(f["data"]) == f["ts"], (read_vtc1(f["data"]), f["ts"])
        assert abs(f["late"]) < 1000, f["late"]
        if k < 5:
            assert jpeg_size(f["data"]) == (320, 180) and f["ext"]["size"][6:8] == (320, 180)
    assert jpeg_size(got[-1]["data"]) == (480, 270), jpeg_size(got[-1]["data"])
    assert [f["n"] for f in got] == list(range(12))
    gaps = [(b["ts"] - a["ts"]) for a, b in zip(got, got[1:])]
    assert 50 <= sum(gaps) / len(gaps) <= 200, gaps
    c.call("CloseStream", [("VideoId", vid)])
    ws.close()
    c.close()


@check("camera lost: header-only CameraConnectionLost messages, then pictures again; /__sim/state")
def check_lost(sim):
    import http.client
    c = sim.client()
    cams, _ = cameras(c)
    vid = stream(c, cams[2]["id"])
    ws = WebSocket(sim.port, "/XProtectMobile/Video/%s/" % vid)
    h = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)

    def nxt():
        while True:
            op, data = ws.recv()
            if op == 2:
                return parse_frame(data)
    assert nxt()["data"]
    h.request("POST", "/__sim/lost?camera=3&on=1", b"")
    assert h.getresponse().read() == b"ok"
    f = nxt()
    while f["data"]:
        f = nxt()
    assert f["ext"]["live"][0] == 0x10 and f["ext"]["live"][1] & 0x10, f["ext"]
    h.request("POST", "/__sim/lost?camera=3&on=0", b"")
    h.getresponse().read()
    f = nxt()
    while not f["data"]:
        f = nxt()
    assert f["ext"]["live"][0] & 0x01 and f["ext"]["live"][1] & 0x10
    h.request("GET", "/__sim/state")
    st = json.loads(h.getresponse().read())
    assert any(x["video"] == vid and x["socket"] for x in st["streams"]), st
    ws.close()
    c.close()


@check("Pull: POST per frame (live; paused playback gets a header-only message)")
def check_pull(sim):
    import http.client
    c = sim.client()
    cams, _ = cameras(c)
    vid = stream(c, cams[0]["id"], method="Pull")
    h = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=10)
    for _ in range(3):
        h.request("POST", "/XProtectMobile/Video/%s/" % vid, b"")
        r = h.getresponse()
        f = parse_frame(r.read())
        assert r.status == 200 and read_vtc1(f["data"]) == f["ts"]
    t = first_span(c, cams[0]["id"])[1][0] + 1000
    vid = stream(c, cams[0]["id"], method="Pull", signal="Playback", time=t)
    got = []
    for _ in range(2):  # the seek's frame, then (paused) a header-only message
        h.request("POST", "/XProtectMobile/Video/%s/" % vid, b"")
        r = h.getresponse()
        got.append(parse_frame(r.read()))
    assert got[0]["ts"] == t and got[0]["data"] and not got[1]["data"], got[1]
    assert got[1]["ext"]["playback"][0] & 0x01 and got[1]["ts"] == t
    c.close()


def first_span(c, cam):
    r = c.call("GetSequences", [("ItemId", cam), ("SeqType", "Recording"), ("Time", int(time.time() * 1000)),
                                ("BeforeTime", 86400), ("BeforeCount", 100), ("AfterTime", 0), ("AfterCount", 0)])
    return [(int(s.get("StartTime")), int(s.get("EndTime"))) for s in r["cmd"].find("Sequences")]


@check("sequences, playback seek / 4x / reverse / steps / gap, thumbnail")
def check_playback(sim):
    c = sim.client()
    cams, _ = cameras(c)
    cam = cams[0]["id"]
    seqs = first_span(c, cam)
    assert len(seqs) == 4, seqs
    assert seqs[1][0] - seqs[0][1] == 20000, seqs
    t = seqs[1][0] + 60000 + 50  # between grid frames (10 fps: 100 ms)
    vid = stream(c, cam, signal="Playback", time=t)
    ws = WebSocket(sim.port, "/XProtectMobile/Video/%s/" % vid)

    def nxt():
        while True:
            op, data = ws.recv()
            if op == 2:
                return parse_frame(data)
    f = nxt()
    assert f["ts"] == t - 50 and read_vtc1(f["data"]) == f["ts"], f["ts"]
    assert f["ext"]["playback"][0] & 0x01  # paused
    c.call("ChangeStream", [("VideoId", vid), ("SeekType", "NextFrame")])
    assert nxt()["ts"] == t + 50
    c.call("ChangeStream", [("VideoId", vid), ("SeekType", "PrevFrame")])
    assert nxt()["ts"] == t - 50
    c.call("ChangeStream", [("VideoId", vid), ("Speed", 4.0)])
    a = nxt()
    w0 = time.time()
    while time.time() - w0 < 2.0:
        b = nxt()
    speed = (b["ts"] - a["ts"]) / ((time.time() - w0) * 1000)
    assert 3.5 < speed < 4.5 and b["ext"]["playback"][0] & 0x02, speed
    assert read_vtc1(b["data"]) == b["ts"]
    c.call("ChangeStream", [("VideoId", vid), ("Speed", -1.0)])
    x = nxt()
    while not x["ext"]["playback"][0] & 0x04:  # frames sent before the change
        x = nxt()
    y = nxt()
    assert y["ts"] == x["ts"] - 100 and y["ext"]["playback"][0] & 0x04, (x["ts"], y["ts"])
    gap = seqs[0][1] + 5000
    c.call("ChangeStream", [("VideoId", vid), ("Speed", 0), ("SeekType", "Time"), ("Time", gap)])
    g = nxt()
    while g["ts"] != gap:
        g = nxt()
    assert g["ext"]["playback"][0] & 0x100 and not g["data"], g
    c.call("ChangeStream", [("VideoId", vid), ("SeekType", "TimeOrAfter"), ("Time", gap)])
    assert nxt()["ts"] == seqs[1][0]
    ws.close()
    r = c.call("GetThumbnailByTime", [("CameraId", cam), ("Time", t), ("SeekType", "Time"), ("DestWidth", 320),
                                      ("DestHeight", 180)])
    import base64
    jpg = base64.b64decode(r["cmd"].findtext("Thumbnail"))
    assert read_vtc1(jpg) == int(r["outputs"]["Timestamp"][0]) == t - 50
    expect_error(33, c.call, "GetThumbnailByTime", [("CameraId", cam), ("Time", gap)])
    c.close()


@check("playback controller: one ChangeStream seeks and plays two cameras together")
def check_controller(sim):
    c = sim.client()
    cams, _ = cameras(c)
    seqs = first_span(c, cams[0]["id"])
    pc = c.call("CreatePlaybackController", [("MethodType", "Push"), ("CloseOldControllers", "Yes")])
    pc = pc["outputs"]["PlaybackControllerId"][0]
    t = seqs[2][0] + 30000
    socks = []
    for cam in cams[:2]:
        vid = c.call("RequestStream", [("CameraId", cam["id"]), ("DestWidth", 160), ("DestHeight", 90),
                                       ("SignalType", "Playback"), ("MethodType", "Push"), ("StreamType", "Transcoded"),
                                       ("SeekType", "Time"), ("Time", t), ("PlaybackControllerId", pc)])
        socks.append(WebSocket(sim.port, "/XProtectMobile/Video/%s/" % vid["outputs"]["VideoId"][0]))

    def nxt(ws):
        while True:
            op, data = ws.recv()
            if op == 2:
                return parse_frame(data)
    assert [nxt(ws)["ts"] for ws in socks] == [t, t]
    c.call("ChangeStream", [("VideoId", pc), ("SeekType", "Time"), ("Time", t + 5000)])
    assert [nxt(ws)["ts"] for ws in socks] == [t + 5000, t + 5000]
    c.call("ChangeStream", [("VideoId", pc), ("Speed", 2.0)])
    time.sleep(1.0)
    c.call("ChangeStream", [("VideoId", pc), ("Speed", 0)])
    last = []
    for ws in socks:
        ws.s.settimeout(1.0)
        f = None
        try:
            while True:
                f = nxt(ws)
        except (OSError, EOFError):
            pass
        last.append(f["ts"])
        ws.close()
    assert abs(last[0] - last[1]) <= 200 and last[0] > t + 5000, last
    c.close()


@check("PTZ moves and presets arrive in the log; non-PTZ camera 24/22")
def check_ptz(sim):
    c = sim.client()
    cams, _ = cameras(c)
    for move in ("Up", "Left", "ZoomIn", "Home"):
        c.call("ControlPTZ", [("CameraId", cams[0]["id"]), ("PtzMove", move)])
    presets = c.call("GetPtzPresets", [("CameraId", cams[0]["id"])])["outputs"]["Preset"]
    c.call("ControlPTZ", [("CameraId", cams[0]["id"]), ("PtzPreset", presets[1])])
    expect_error(24, c.call, "ControlPTZ", [("CameraId", cams[1]["id"]), ("PtzMove", "Up")])
    expect_error(22, c.call, "GetPtzPresets", [("CameraId", cams[1]["id"])])
    logged = [(x["params"].get("PtzMove") or x["params"].get("PtzPreset"))[0] for x in sim.log_lines()
              if x.get("name") == "ControlPTZ" and x["result"] == "OK"]
    assert logged[-5:] == ["Up", "Left", "ZoomIn", "Home", presets[1]], logged
    assert all("***" == x["params"]["ChalAnswer"][0] for x in sim.log_lines() if "ChalAnswer" in x.get("params", {}))
    assert PW not in open(sim.log).read()
    c.close()


@check("export MKV of a 10 s window: progress, link, download, VTC1 first/last")
def check_export(sim):
    import http.client
    c = sim.client()
    cams, _ = cameras(c)
    cam = cams[0]["id"]
    seqs = first_span(c, cam)
    t0 = seqs[1][0] + 30000
    inv = c.call("CreateInvestigation", [("StartTime", t0), ("EndTime", t0 + 10000), ("Name", "case 1"),
                                         ("CameraId", cam)])["outputs"]["InvestigationId"][0]
    ex = c.call("StartInvestigationExport", [("InvestigationId", inv), ("ExportType", "MKV"),
                                             ("IncludeAudio", "No")])["outputs"]["ExportId"][0]
    for _ in range(300):
        e = c.call("GetExport", [("ExportId", ex)])["cmd"].find("Exports")[0]
        if int(e.get("State")) == 100:
            break
        time.sleep(0.1)
    assert int(e.get("State")) == 100 and int(e.get("Size")) > 0
    link = c.call("CreateExportDownloadLink", [("ExportId", ex), ("InvestigationId", inv), ("Type", "Export")])
    path = link["outputs"]["ExportLink"][0]
    h = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=30)
    h.request("GET", path)
    r = h.getresponse()
    data = r.read()
    assert r.status == 200 and len(data) == int(e.get("Size"))
    with tempfile.NamedTemporaryFile(suffix=".mkv") as f:
        f.write(data)
        f.flush()
        gray = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", f.name, "-f", "rawvideo", "-pix_fmt", "gray",
                               "-"], capture_output=True, check=True).stdout
    w, hh = 640, 360
    n = len(gray) // (w * hh)
    cell = w // 64

    def ts(k):
        base = k * w * hh + (cell // 2) * w
        return vtc1.decode([gray[base + i * cell + cell // 2] for i in range(64)])
    assert n == 100 and ts(0) == t0 and ts(n - 1) == t0 + 9900, (n, ts(0), ts(n - 1))
    expect_error(24, c.call, "StartInvestigationExport", [("InvestigationId", inv), ("ExportType", "DB")])
    c.close()


@check("watchdog: no command for Timeout -> 12; LiveMessage keeps it")
def check_watchdog(sim):
    c = sim.client()
    keep = sim.client()
    assert c.timeout == 3
    for _ in range(5):
        time.sleep(1.0)
        keep.call("LiveMessage")
    expect_error(12, c.call, "LiveMessage")
    keep.call("GetAllViewsAndCameras")
    assert any(x.get("event") == "watchdog_expired" for x in sim.log_lines())


@check("wrong password 15, lockout 61 after 5, bad public key 16")
def check_wrong(sim):
    c = sim.client(login=False)
    expect_error(15, c.login, "admin", "nope")
    expect_error(15, c.login, "nobody", PW)
    c2 = Client(sim.port)
    expect_error(16, c2.call, "Connect", [("PublicKey", "AA=="), ("PrimeLength", 2048)])


@check("lockout: 5 wrong -> 61 even with the right password")
def check_lockout(sim):
    c = sim.client(login=False)
    for _ in range(5):
        expect_error(15, c.login, "admin", "nope")
    expect_error(61, c.login, "admin", PW)


@check("second step: 34, Request/Verify PIN (wrong 36)")
def check_2fa(sim):
    c = sim.client(login=False)
    e = expect_error(34, c.login, "admin", PW)
    assert e.outputs.get("SecondStepAuthenticationProvider")
    expect_error(23, c.call, "GetAllViewsAndCameras", (), False)
    c.call("RequestSecondStepAuthenticationPin", (), False)
    expect_error(36, c.call, "VerifySecondStepAuthenticationPin", [("SecondStepAuthenticationPin", "0000")], False)
    r = c.call("VerifySecondStepAuthenticationPin", [("SecondStepAuthenticationPin", "424242")], False)
    assert r["outputs"]["ExportToMkv"] == ["Yes"]
    cameras(c)


@check("max sessions 26, max playback 29, no recordings 32")
def check_limits(sim):
    a = sim.client()
    b = sim.client(login=False)
    expect_error(26, b.login, "admin", PW)
    cams, _ = cameras(a)
    t = int(time.time() * 1000) - 1000000
    expect_error(32, lambda: stream(a, cams[-1]["id"], signal="Playback", time=t))
    stream(a, cams[0]["id"], signal="Playback", time=t)
    expect_error(29, lambda: stream(a, cams[0]["id"], signal="Playback", time=t))
    a.call("Disconnect")
    b.login("admin", PW)


@check("--playback-start-delay: a new playback stream's first frame comes late")
def check_start_delay(sim):
    c = sim.client()
    cams, _ = cameras(c)
    t = first_span(c, cams[0]["id"])[1][0] + 10000
    t0 = time.time()
    vid = stream(c, cams[0]["id"], signal="Playback", time=t)
    ws = WebSocket(sim.port, "/XProtectMobile/Video/%s/" % vid)
    while True:
        op, data = ws.recv()
        if op == 2:
            break
    f = parse_frame(data)
    assert f["ts"] == t and time.time() - t0 >= 1.4, (f["ts"], t, time.time() - t0)
    live = stream(c, cams[0]["id"])
    ws2 = WebSocket(sim.port, "/XProtectMobile/Video/%s/" % live)
    t1 = time.time()
    ws2.recv()
    assert time.time() - t1 < 1.4, "live streams are not delayed"


@check("change password 60")
def check_change(sim):
    c = sim.client(login=False)
    expect_error(60, c.login, "admin", PW)


@check("seed_milestone_pipeline.py: 2 streams at 480x270, every frame through the seed's JSON glue, VTC1 read")
def check_seed_peer(sim):
    out = subprocess.run([sys.executable, os.path.join(HERE, "seed_milestone_pipeline.py"), "--port", str(sim.port),
                          "--user", "admin", "--password-env", "MS_SIM_PW", "--streams", "2", "--width", "480",
                          "--height", "270", "--seconds", "2", "--warmup", "0.5"],
                         env=dict(os.environ, MS_SIM_PW=PW), capture_output=True, check=True, timeout=120)
    r = json.loads(out.stdout.decode().strip().splitlines()[-1])
    assert r["jpeg"] == "480x270" and r["frames"] > 0 and r["timecode_misses"] == 0, r
    assert r["pixel_samples"] > 0 and r["latency_samples"] == r["frames"], r
    assert abs(r["latency_from_pixel_ms_p50"]) < 1000 and abs(r["latency_from_timestamp_ms_p50"]) < 1000, r


@check("TLS: Connect/LogIn and a live frame over wss")
def check_tls(sim):
    c = sim.client()
    cams, _ = cameras(c)
    vid = stream(c, cams[0]["id"])
    f = ws_frames(sim, vid, 2)[-1]
    assert read_vtc1(f["data"]) == f["ts"]


def main():
    check_vectors()
    sim = Sim("--chap")
    try:
        check_login(sim)
        check_chap(sim)
        check_cameras(sim)
        check_live(sim)
        check_seed_peer(sim)
        check_pull(sim)
        check_lost(sim)
        check_playback(sim)
        check_controller(sim)
        check_ptz(sim)
        check_export(sim)
        check_wrong(sim)
    finally:
        sim.stop()
    for args, fn in ((["--watchdog", "3", "--dh", "1024"], check_watchdog), (["--lockout-seconds", "60"], check_lockout),
                     (["--require-second-step", "424242", "--chap"], check_2fa),
                     (["--max-sessions", "1", "--max-playback", "1", "--empty-last"], check_limits),
                     (["--change-password"], check_change),
                     (["--playback-start-delay", "1.5"], check_start_delay)):
        sim = Sim(*args)
        try:
            fn(sim)
        finally:
            sim.stop()
    with tempfile.TemporaryDirectory() as d:
        cert, key = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
        sim = Sim("--chap", tls=(cert, key))
        try:
            check_tls(sim)
        finally:
            sim.stop()
    failed = [n for n, e in RESULTS if e]
    print("%d passed, %d failed" % (len(RESULTS) - len(failed), len(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
