"""python-amcrest (PyPI amcrest) against the Dahua simulator: Basic then
digest login, machine name, serial, find_files paging (factory.create,
findFile, findNextFile, factory.close, factory.destroy), PTZ presets and a
snapshot. Prints one JSON line.
Usage: python check_amcrest.py HOST PORT USER PASSWORD"""
import json
import sys
from datetime import datetime

from amcrest import AmcrestCamera


def main(host, port, user, pw):
    cam = AmcrestCamera(host, int(port), user, pw, retries_connection=1).camera
    r = {"device_type": cam.device_type, "serial": cam.serial_number}
    pages = list(cam.find_files(datetime(2026, 1, 1, 0, 0), datetime(2026, 1, 1, 1, 0), channel=1))
    r["pages"] = len(pages)
    r["files"] = sum(p.count(".FilePath=") for p in pages)
    r["presets"] = cam.get_ptz_presets_count(channel=1)
    snap = cam.snapshot(channel=1, stream=False)
    r["snapshot_jpeg"] = snap[:2] == b"\xff\xd8"
    ok = r["files"] > 100 and r["presets"] == 2 and r["snapshot_jpeg"]
    print(json.dumps({"client": "amcrest", "ok": ok, "results": r}, default=str))


if __name__ == "__main__":
    main(*sys.argv[1:5])
