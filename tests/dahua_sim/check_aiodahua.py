"""aiodahua (PyPI) against the Dahua simulator: identify, device type,
serial, find recordings (finder create/find/next/close/destroy) and a
snapshot. Prints one JSON line: ok and the calls it made.
Usage: python check_aiodahua.py HOST PORT USER PASSWORD"""
import asyncio
import json
import sys

from aiodahua import DahuaClient


async def main(host, port, user, pw):
    report = {"client": "aiodahua", "results": {}}
    async with DahuaClient(host, user, pw, port=int(port)) as c:
        r = report["results"]
        r["device_type"] = await c.async_get_device_type()
        r["serial"] = await c.async_get_serial_number()
        found, files = await c.async_find_recordings("2026-01-01 00:00:00", "2026-01-01 01:00:00", channel=1, count=100)
        r["found"] = found
        r["first_file"] = files[0] if files else None
        snap = await c.async_get_snapshot(1)
        r["snapshot_jpeg"] = snap[:2] == b"\xff\xd8"
        try:
            clip = await c.async_download_clip("2026-01-01 00:10:00", "2026-01-01 00:10:05", channel=1)
            r["download"] = "%d bytes" % len(clip)
        except Exception as e:  # the simulator sends MP4, not DHAV
            r["download"] = "refused: %s" % type(e).__name__
    report["ok"] = bool(r["device_type"] and r["found"] > 0 and r["snapshot_jpeg"])
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
