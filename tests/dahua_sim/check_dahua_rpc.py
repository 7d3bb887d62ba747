"""dahua-rpc-api (PyPI) against the Dahua simulator: the two-step RPC2
login (global.login with realm and random), magicBox.getDeviceType and
getSerialNo over RPC2, logout. Prints one JSON line.
Usage: python check_dahua_rpc.py HOST PORT USER PASSWORD"""
import json
import sys

from dahua.client import DahuaRpc


def main(host, port, user, pw):
    c = DahuaRpc(host=host, port=int(port))
    c.login(user, pw)
    r = {"device_type": c.magic_box.get_device_type(), "serial": c.magic_box.get_serial_number()}
    c.logout()
    bad = DahuaRpc(host=host, port=int(port))
    try:
        bad.login(user, pw + "-wrong")
        r["wrong_password"] = "accepted"
    except Exception as e:
        r["wrong_password"] = "refused: %s" % type(e).__name__
    ok = bool(r["device_type"]) and r["wrong_password"].startswith("refused")
    print(json.dumps({"client": "dahua-rpc-api", "ok": ok, "results": r}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
