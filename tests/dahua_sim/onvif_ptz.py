"""The ONVIF side of the Dahua simulator (--onvif): Dahua devices also
answer ONVIF on their HTTP port (/onvif/device_service, media_service,
ptz_service), with the same accounts (SIM: real devices keep a separate
ONVIF user list, often mirroring the web users). Only what PTZ home needs
(PROTOCOLS.md 5.1 names ONVIF GotoHomePosition as the portable home):
GetSystemDateAndTime, GetServices, GetCapabilities, GetProfiles (a main and
a sub profile per channel; PTZConfiguration on the --ptz channels),
GotoHomePosition. WS-UsernameToken PasswordDigest is checked (no freshness
window, SIM). The envelope and fault helpers come from tests/onvif_sim.
"""
import base64
import datetime as dt
import hashlib
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onvif_sim"))
from onvif_sim import NS, envelope, fault_xml, find, local, text  # noqa: E402

PRE_AUTH = {"GetSystemDateAndTime", "GetServices", "GetCapabilities"}


def profile_token(ch, sub):
    """Dahua's profile tokens: MediaProfile<channel-1 3 digits><stream 2 digits>."""
    return "MediaProfile%03d%02d" % (ch - 1, 1 if sub else 0)


def check_token(root, user, password):
    tok = find(root, "UsernameToken")
    if tok is None:
        return "no UsernameToken"
    name, pw, nonce, created = (text(tok, n) for n in ("Username", "Password", "Nonce", "Created"))
    if not (name and pw and nonce and created):
        return "UsernameToken without nonce or created"
    want = base64.b64encode(hashlib.sha1(base64.b64decode(nonce) + created.encode() + password.encode()).digest()).decode()
    return None if name == user and pw == want else "wrong user or password digest"


def answer(op, req, dev, xaddr):
    a = dev.a
    if op == "GetSystemDateAndTime":
        n = dt.datetime.now(dt.timezone.utc)
        return ("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><sch:DateTimeType>Manual</sch:DateTimeType>"
                "<sch:DaylightSavings>false</sch:DaylightSavings><sch:TimeZone><sch:TZ>UTC0</sch:TZ></sch:TimeZone>"
                "<sch:UTCDateTime><sch:Time><sch:Hour>%d</sch:Hour><sch:Minute>%d</sch:Minute><sch:Second>%d</sch:Second></sch:Time>"
                "<sch:Date><sch:Year>%d</sch:Year><sch:Month>%d</sch:Month><sch:Day>%d</sch:Day></sch:Date></sch:UTCDateTime>"
                "</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
                % (n.hour, n.minute, n.second, n.year, n.month, n.day))
    if op == "GetServices":
        out = ""
        for ns, path in (("tds", "device_service"), ("trt", "media_service"), ("tptz", "ptz_service")):
            out += ("<tds:Service><tds:Namespace>%s</tds:Namespace><tds:XAddr>%s</tds:XAddr>"
                    "<tds:Version><sch:Major>2</sch:Major><sch:Minor>60</sch:Minor></tds:Version></tds:Service>"
                    % (NS[ns], xaddr(path)))
        return "<tds:GetServicesResponse>%s</tds:GetServicesResponse>" % out
    if op == "GetCapabilities":
        return ("<tds:GetCapabilitiesResponse><tds:Capabilities><sch:Device><sch:XAddr>%s</sch:XAddr></sch:Device>"
                "<sch:Media><sch:XAddr>%s</sch:XAddr></sch:Media><sch:PTZ><sch:XAddr>%s</sch:XAddr></sch:PTZ>"
                "</tds:Capabilities></tds:GetCapabilitiesResponse>"
                % tuple(xaddr(p) for p in ("device_service", "media_service", "ptz_service")))
    if op == "GetProfiles":
        out = ""
        for ch in dev.channels():
            if not dev.wired(ch):
                continue
            for sub, (w, h) in ((False, a.main_size), (True, a.sub_size)):
                ptz = ('<sch:PTZConfiguration token="PtzConfig%03d"><sch:Name>PTZ</sch:Name><sch:UseCount>2</sch:UseCount>'
                       "<sch:NodeToken>PtzNode%03d</sch:NodeToken></sch:PTZConfiguration>" % (ch - 1, ch - 1)
                       if ch in a.ptz else "")
                out += ('<trt:Profiles token="%s" fixed="true"><sch:Name>%s</sch:Name>'
                        '<sch:VideoSourceConfiguration token="VideoSourceConfig%03d"><sch:Name>VSC</sch:Name>'
                        "<sch:UseCount>2</sch:UseCount><sch:SourceToken>%03d</sch:SourceToken>"
                        '<sch:Bounds x="0" y="0" width="%d" height="%d"/></sch:VideoSourceConfiguration>'
                        '<sch:VideoEncoderConfiguration token="VideoEncoderConfig%03d%02d"><sch:Name>VE</sch:Name>'
                        "<sch:UseCount>1</sch:UseCount><sch:Encoding>H264</sch:Encoding><sch:Resolution>"
                        "<sch:Width>%d</sch:Width><sch:Height>%d</sch:Height></sch:Resolution></sch:VideoEncoderConfiguration>"
                        "%s</trt:Profiles>"
                        % (profile_token(ch, sub), "Profile%03d" % (ch - 1), ch - 1, ch - 1, a.main_size[0],
                           a.main_size[1], ch - 1, int(sub), w, h, ptz))
        return "<trt:GetProfilesResponse>%s</trt:GetProfilesResponse>" % out
    if op == "GotoHomePosition":
        tok = text(req, "ProfileToken") or ""
        chans = [ch for ch in a.ptz if tok in (profile_token(ch, False), profile_token(ch, True))]
        if not chans:
            raise LookupError("no PTZ profile %s" % tok)
        return "<tptz:GotoHomePositionResponse/>"
    return None


def handle(h, path, body):
    """Answers one ONVIF POST on the simulator's handler `h`."""
    dev = h.dev
    if not dev.a.onvif:
        return h.send(404, "Error\r\n")
    base = "http://%s" % h.headers.get("Host", "127.0.0.1")

    def xaddr(p):
        return "%s/onvif/%s" % (base, p)

    def soap(status, inner):
        h.send(status, envelope(inner), "application/soap+xml; charset=utf-8")

    try:
        root = ET.fromstring(body)
        b = find(root, "Body")
        req = list(b)[0]
        op = local(req.tag)
    except (ET.ParseError, TypeError, IndexError):
        return soap(400, fault_xml(["env:Sender", "ter:WellFormed"], "bad XML"))
    auth = "none"
    if op not in PRE_AUTH or find(root, "UsernameToken") is not None:
        why = check_token(root, dev.a.user, dev.a.password)
        if why:
            dev.log(path=path, action=op, query={}, auth="rejected: " + why)
            return soap(400, fault_xml(["env:Sender", "ter:NotAuthorized"], "Sender not authorized"))
        auth = "ok"
    query = {"ProfileToken": text(req, "ProfileToken")} if op == "GotoHomePosition" else {}
    dev.log(path=path, action=op, query=query, auth=auth)
    try:
        out = answer(op, req, dev, xaddr)
    except LookupError as e:
        return soap(400, fault_xml(["env:Sender", "ter:InvalidArgVal", "ter:NoProfile"], str(e)))
    if out is None:
        return soap(500, fault_xml(["env:Receiver", "ter:ActionNotSupported"], "%s is not supported" % op))
    soap(200, out)
