#!/usr/bin/env python3
"""Drives the ONVIF simulator with an independent client, onvif-zeep (zeep
validating every answer against the ONVIF WSDLs/XSDs it ships), and prints
one JSON object with what it read. Run with the onvif-zeep venv's python:

    zeep_check.py HOST PORT USER PASSWORD [CA_FILE]

With CA_FILE the device is spoken to over HTTPS (requests/urllib3 on
OpenSSL, verifying the certificate and host against CA_FILE only).
"""
import json
import os
import sys

import onvif
from onvif import ONVIFCamera, ONVIFService

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ca_file = sys.argv[5] if len(sys.argv) > 5 else None
transport = None
if ca_file:
    import requests
    from zeep.transports import Transport

    session = requests.Session()
    # no REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE from the environment: those would
    # override session.verify; only CA_FILE is trusted
    session.trust_env = False
    session.verify = ca_file
    transport = Transport(session=session)
    host = "https://" + host
wsdl = os.path.join(os.path.dirname(os.path.dirname(onvif.__file__)), "wsdl")
# adjust_time: onvif-zeep reads GetSystemDateAndTime and stamps its
# UsernameToken with the device's clock (the simulator's clock is skewed)
cam = ONVIFCamera(host, port, user, password, wsdl, adjust_time=True, transport=transport)
out = {}
info = cam.devicemgmt.GetDeviceInformation()
out["manufacturer"], out["model"] = info.Manufacturer, info.Model
media = cam.create_media_service()
profiles = media.GetProfiles()
out["profiles"] = [
    {
        "token": p.token,
        "encoding": p.VideoEncoderConfiguration.Encoding,
        "width": p.VideoEncoderConfiguration.Resolution.Width,
        "ptz": p.PTZConfiguration is not None,
    }
    for p in profiles
]
uri = media.GetStreamUri({"StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                          "ProfileToken": profiles[0].token})
out["stream_uri"] = uri.Uri
ptz = cam.create_ptz_service()
tok = profiles[0].token
ptz.ContinuousMove({"ProfileToken": tok, "Velocity": {"PanTilt": {"x": 0.5, "y": -0.25}, "Zoom": {"x": 0}},
                    "Timeout": "PT1S"})
ptz.Stop({"ProfileToken": tok, "PanTilt": True, "Zoom": True})
saved = ptz.SetPreset({"ProfileToken": tok, "PresetName": "zeep preset"})
out["saved_preset"] = saved
out["presets"] = [(p.token, p.Name) for p in ptz.GetPresets({"ProfileToken": tok})]
ptz.GotoPreset({"ProfileToken": tok, "PresetToken": saved})
ptz.GotoHomePosition({"ProfileToken": tok})

# Profile G: search and replay services at the XAddrs GetServices names
# (GetCapabilities has them too, but zeep files the Extension's children
# under its leading xs:any)
xaddr = {s.Namespace: s.XAddr for s in cam.devicemgmt.GetServices({"IncludeCapability": False})}
out["services"] = sorted(xaddr)
out["xaddrs"] = sorted(xaddr.values())
dt_diff = cam.dt_diff
search = ONVIFService(xaddr["http://www.onvif.org/ver10/search/wsdl"], user, password, os.path.join(wsdl, "search.wsdl"),
                      binding_name="{http://www.onvif.org/ver10/search/wsdl}SearchBinding", dt_diff=dt_diff,
                      transport=transport)
summary = search.GetRecordingSummary()
out["recordings"] = summary.NumberRecordings
token = search.FindRecordings({"Scope": {}, "KeepAliveTime": "PT10S"})
found = []
for _ in range(10):
    res = search.GetRecordingSearchResults({"SearchToken": token, "WaitTime": "PT1S"})
    found += [(r.RecordingToken, r.Source.SourceId) for r in (res.RecordingInformation or [])]
    if res.SearchState == "Completed":
        break
out["found"] = found
replay = ONVIFService(xaddr["http://www.onvif.org/ver10/replay/wsdl"], user, password, os.path.join(wsdl, "replay.wsdl"),
                      binding_name="{http://www.onvif.org/ver10/replay/wsdl}ReplayBinding", dt_diff=dt_diff,
                      transport=transport)
out["replay_uri"] = replay.GetReplayUri({"StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
                                         "RecordingToken": found[0][0]})
print(json.dumps(out, default=str))
