"""A small Mobile Server client in Python (standard library): the envelope,
Connect + LogIn with DH/AES credentials, CHAP, video over a WebSocket or Pull,
and the frame header parser. Used by selfcheck.py against the simulator."""
import base64
import http.client
import os
import re
import socket
import ssl
import struct
import uuid
import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr

import mscrypto


class ServerError(Exception):
    def __init__(self, code, string, outputs):
        super().__init__("%s %s" % (code, string))
        self.code, self.string, self.outputs = code, string, outputs


def split_documents(body):
    return [d for d in body.split("\r\n\r\n") if d.strip()]


def parse_response(doc):
    root = ET.fromstring(doc)
    cmd = root.find("Command")
    outputs = {}
    op = cmd.find("OutputParams")
    if op is not None:
        for p in op.findall("Param"):
            outputs.setdefault(p.get("Name"), []).append(p.get("Value"))
    return {"type": cmd.findtext("Type"), "name": cmd.findtext("Name"), "seq": cmd.get("SequenceId"),
            "conn": root.findtext("ConnectionId"), "result": cmd.findtext("Result"),
            "code": int(cmd.findtext("ErrorCode") or 0), "error": cmd.findtext("ErrorString"),
            "outputs": outputs, "cmd": cmd}


class Client:
    def __init__(self, port, tls=False, bits=2048, padding="PKCS7"):
        self.port, self.tls, self.bits, self.padding = port, tls, bits, padding
        self.seq = 0
        self.conn_id = None
        self.chap = False
        self.challenges = []
        self.http = self._http()
        self.last_docs = []

    def _http(self):
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=30)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def envelope(self, name, params):
        self.seq += 1
        ps = "".join('<Param Name=%s Value=%s/>' % (quoteattr(k), quoteattr(str(v))) for k, v in params)
        cid = "<ConnectionId>%s</ConnectionId>" % self.conn_id if self.conn_id else ""
        return ('<?xml version="1.0" encoding="utf-8"?>\n<Communication xmlns:xsi="http://www.w3.org/2001/XMLSchema-'
                'instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">%s<Command SequenceId="%d"><Type>Request'
                '</Type><Name>%s</Name><InputParams>%s</InputParams></Command></Communication>\r\n\r\n'
                % (cid, self.seq, name, ps))

    def call(self, name, params=(), chap=None, raw_chap=None):
        """Sends a command; returns the final response dict or raises ServerError."""
        params = list(params)
        use_chap = self.chap if chap is None else chap
        if raw_chap is not None:
            params += raw_chap
        elif use_chap and name not in ("Connect", "LogIn"):
            ch = self.challenges.pop(0)
            params += [("Challenge", ch), ("ChalAnswer", mscrypto.chap_answer(ch, self.shared))]
        body = self.envelope(name, params).encode()
        self.http.request("POST", "/XProtectMobile/Communication", body, {"Content-Type": "text/xml"})
        r = self.http.getresponse()
        data = r.read().decode()
        if r.status != 200:
            raise RuntimeError("HTTP %d" % r.status)
        docs = [parse_response(d) for d in split_documents(data)]
        self.last_docs = docs
        final = docs[-1]
        assert final["type"] == "Response", final
        assert final["seq"] == str(self.seq), (final["seq"], self.seq)
        self.challenges += final["outputs"].get("Challenge", [])
        if final["result"] != "OK":
            raise ServerError(final["code"], final["error"], final["outputs"])
        return final

    def connect(self):
        priv = mscrypto.new_private()
        pub = mscrypto.public_value(self.bits, priv)
        r = self.call("Connect", [("PublicKey", mscrypto.encode_public(pub)), ("PrimeLength", self.bits),
                                  ("EncryptionPadding", self.padding), ("ProcessingMessage", "No")])
        o = r["outputs"]
        self.conn_id = o["ConnectionId"][0]
        self.timeout = int(o["Timeout"][0])
        self.shared = mscrypto.shared_hex(self.bits, priv, mscrypto.decode_public(o["PublicKey"][0]))
        self.chap = o["CHAPSupported"][0] == "Yes"
        return r

    def login(self, user, password, login_type="Basic", num=100):
        enc = lambda s: mscrypto.encrypt_text(self.shared, s, self.padding)  # noqa: E731
        return self.call("LogIn", [("Username", enc(user)), ("Password", enc(password)), ("LoginType", login_type),
                                   ("NumChallenges", num), ("SupportsResampling", "Yes"),
                                   ("SupportsExtendedResamplingFactor", "Yes"), ("ClientType", "WebClient")])

    def close(self):
        self.http.close()


# ---------------------------------------------------------------- video
def parse_frame(msg):
    guid = str(uuid.UUID(bytes_le=msg[:16]))
    ts, frame_no, size, hsize, flags = struct.unpack_from("<QIIHH", msg, 16)
    off, ext = 36, {}
    if flags & 0x01:
        ext["size"] = struct.unpack_from("<12I", msg, off)
        off += 48
    if flags & 0x02:
        ext["live"] = struct.unpack_from("<II", msg, off)
        off += 8
    if flags & 0x04:
        ext["playback"] = struct.unpack_from("<II", msg, off)
        off += 8
    if flags & 0x08:
        off += 4 + struct.unpack_from("<I", msg, off)[0]
    if flags & 0x10:
        off += 8
    if flags & 0x20:
        off += 4 + struct.unpack_from("<I", msg, off)[0]
    if flags & 0x40:
        f = struct.unpack_from("<5I4s4IQI", msg, off)
        ext["stream"] = {"dataType": f[5][::-1].decode(), "flags": f[6], "timeBetweenFrames": f[4]}
        off += 52
    if flags & 0x200:
        ext["playback_info"] = struct.unpack_from("<QII", msg, off)
        off += 16
    assert off == hsize, (off, hsize, flags)
    return {"video": guid, "ts": ts, "n": frame_no, "flags": flags, "ext": ext, "data": msg[hsize:hsize + size]}


class WebSocket:
    """Minimal RFC 6455 client: binary messages in, masked text out."""

    def __init__(self, port, path, tls=False):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        self.f = s.makefile("rb")
        self.s = s
        status = self.f.readline().decode()
        while self.f.readline() not in (b"\r\n", b""):
            pass
        self.status = int(status.split()[1])

    def recv(self):
        """(opcode, payload)"""
        b = self.f.read(2)
        if len(b) < 2:
            raise EOFError
        n = b[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.f.read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.f.read(8))[0]
        return b[0] & 0x0F, self.f.read(n)

    def send_text(self, text=""):
        data = text.encode()
        mask = os.urandom(4)
        self.s.sendall(bytes([0x81, 0x80 | len(data)]) + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(data)))

    def close(self):
        try:
            self.s.sendall(bytes([0x88, 0x80]) + b"\0\0\0\0")
        except OSError:
            pass
        self.s.close()


def jpeg_size(data):
    """(width, height) from the SOF0/SOF2 marker of a JPEG."""
    m = re.search(rb"\xff[\xc0\xc2]", data)
    h, w = struct.unpack_from(">HH", data, m.start() + 5)
    return w, h
