#!/usr/bin/env python3
"""Writes vectors.json: Diffie-Hellman (both groups), AES-256-CBC credential
(both paddings) and CHAP test vectors computed by this simulator's own
mscrypto.py from fixed private keys, fillers and challenges, for the Rust
unit tests of the `milestone` kind.

    python3 tests/milestone_sim/make_vectors.py   # rewrites vectors.json
"""
import base64
import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mscrypto  # noqa: E402


def fixed_private(label):
    """A deterministic 160-bit private exponent (top bit set)."""
    return int.from_bytes(hashlib.sha256(label.encode()).digest()[:20], "big") | (1 << 159)


def picks(bits):
    """Label numbers 0, 1 and the first ones whose client key needs the sign
    byte, whose server key needs it, and whose shared secret is shorter than
    the prime (a leading zero byte dropped: shorter hex)."""
    want = {"client_sign": None, "server_sign": None, "short": None}
    i = 2
    while None in want.values():
        a = fixed_private("vigil-milestone-client-%d-%d" % (bits, i))
        b = fixed_private("vigil-milestone-server-%d-%d" % (bits, i))
        A, B = mscrypto.public_value(bits, a), mscrypto.public_value(bits, b)
        for k, hit in (("client_sign", A.bit_length() % 8 == 0), ("server_sign", B.bit_length() % 8 == 0),
                       ("short", len(mscrypto.shared_hex(bits, a, B)) < bits // 4)):
            if hit and want[k] is None:
                want[k] = i
        i += 1
    return sorted({0, 1} | set(want.values()))


def main():
    dh, aes, chap = [], [], []
    for bits in (1024, 2048):
        for i in picks(bits):
            a = fixed_private("vigil-milestone-client-%d-%d" % (bits, i))
            b = fixed_private("vigil-milestone-server-%d-%d" % (bits, i))
            A, B = mscrypto.public_value(bits, a), mscrypto.public_value(bits, b)
            shared = mscrypto.shared_hex(bits, a, B)
            assert shared == mscrypto.shared_hex(bits, b, A)
            iv, key = mscrypto.iv_key(shared)
            dh.append({"bits": bits, "client_private_hex": "%040x" % a, "server_private_hex": "%040x" % b,
                       "client_public_b64": mscrypto.encode_public(A), "server_public_b64": mscrypto.encode_public(B),
                       "shared_hex": shared, "iv_hex": iv.hex(), "key_hex": key.hex()})
    # sign-byte examples: which keys needed the trailing 0x00
    for d in dh:
        raw = base64.b64decode(d["client_public_b64"])
        d["client_public_sign_byte"] = len(raw) > 1 and raw[-1] == 0 and raw[-2] & 0x80 != 0
        raw = base64.b64decode(d["server_public_b64"])
        d["server_public_sign_byte"] = len(raw) > 1 and raw[-1] == 0 and raw[-2] & 0x80 != 0
        # The vendor's JS SDK appends 0x00 to its own key always; servers read both.
        raw = base64.b64decode(d["client_public_b64"])
        d["client_public_b64_always_zero"] = base64.b64encode(raw if d["client_public_sign_byte"] else raw + b"\0").decode()
    texts = ["admin", "s3cr3t-Pässword", "exactly16bytes!!", ""]
    for n, d in enumerate(dh):
        for padding in ("PKCS7", "ISO10126"):
            text = texts[n % len(texts)]
            filler = None
            if padding == "ISO10126":
                k = 16 - len(text.encode()) % 16
                filler = hashlib.sha256(("filler%d" % n).encode()).digest()[:k - 1]
            aes.append({"bits": d["bits"], "shared_hex": d["shared_hex"], "padding": padding, "plaintext": text,
                        "iso10126_filler_hex": filler.hex() if filler is not None else None,
                        "ciphertext_b64": mscrypto.encrypt_text(d["shared_hex"], text, padding, filler)})
    for n, d in enumerate(dh):
        ch = "3f2504e0-4f89-11d3-9a0c-0305e82c33%02d" % n
        chap.append({"challenge": ch, "shared_hex": d["shared_hex"],
                     "answer_b64": mscrypto.chap_answer(ch, d["shared_hex"])})
    out = {
        "about": "Test vectors of the XProtect Mobile Server credential crypto (PROTOCOLS.md 6.1), made by "
                 "tests/milestone_sim/mscrypto.py (make_vectors.py). Public keys: .NET BigInteger bytes "
                 "(little-endian, 0x00 appended when the last byte's top bit is set), Base64; "
                 "client_public_b64_always_zero = the same key with 0x00 always appended (as the vendor's JS SDK "
                 "sends it; both forms must be accepted). shared_hex: "
                 "g^(ab) mod p as minimal little-endian bytes, lowercase hex. IV = hex[0:32], AES-256 key = "
                 "hex[32:96]; AES-256-CBC of the UTF-8 text; ISO10126 filler bytes given. CHAP answer = "
                 "Base64(SHA-512(UTF-8(UPPER(challenge + shared_hex)))), with the whole shared_hex.",
        "generator": mscrypto.GENERATOR,
        "primes_hex": {str(k): "%X" % v for k, v in mscrypto.PRIMES.items()},
        "dh": dh, "aes": aes, "chap": chap,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote %s: %d dh, %d aes, %d chap" % (path, len(dh), len(aes), len(chap)))


if __name__ == "__main__":
    main()
