"""Credential crypto of the XProtect Mobile Server protocol (PROTOCOLS.md 6.1),
written from the spec for the simulator and its self-check: Diffie-Hellman
over the SDK's 1024/2048-bit groups with .NET BigInteger key encoding,
AES-256-CBC (pure Python, FIPS-197) with PKCS7 or ISO10126 padding, and the
CHAP answer. Standard library only."""
import base64
import hashlib
import os

PRIMES = {
    1024: int(
        "F488FD584E49DBCD20B49DE49107366B336C380D451D0F7C88B31C7C5B2D8EF6F3C923C043F0A55B188D8EBB558CB85D38D334FD7C17"
        "5743A31D186CDE33212CB52AFF3CE1B1294018118D7C84A70A72D686C40319C807297ACA950CD9969FABD00A509B0246D3083D66A45D"
        "419F9C7CBD894B221926BAABA25EC355E92F78C7", 16),
    2048: int(
        "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096F"
        "AA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E5"
        "9BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A4"
        "1825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375"
        "D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597", 16),
}
GENERATOR = 2
PRIVATE_BITS = 160


# ---------------------------------------------------------------- DH
def _be(n):
    """Minimal big-endian bytes of n (one 0x00 byte for 0)."""
    return n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")


def new_private():
    return int.from_bytes(os.urandom(PRIVATE_BITS // 8), "big") | (1 << (PRIVATE_BITS - 1))


def public_value(bits, priv):
    return pow(GENERATOR, priv, PRIMES[bits])


def encode_public(y):
    """.NET BigInteger bytes (little-endian, 0x00 appended when the top bit of
    the last byte is set), Base64."""
    le = _be(y)[::-1]
    if le[-1] & 0x80:
        le += b"\x00"
    return base64.b64encode(le).decode()


def decode_public(s):
    """Inverse of encode_public; accepts the key with or without the sign byte.
    Raises ValueError on bad Base64 or an empty key."""
    raw = base64.b64decode(s.strip(), validate=True)
    if not raw:
        raise ValueError("empty key")
    return int.from_bytes(raw, "little")


def valid_public(bits, y):
    return 1 < y < PRIMES[bits] - 1


def shared_hex(bits, priv, peer):
    """The shared secret as the SDK writes it: little-endian bytes, lowercase hex."""
    s = pow(peer, priv, PRIMES[bits])
    return _be(s)[::-1].hex()


def iv_key(shared):
    """(IV 16 B, AES-256 key 32 B) from the first 96 hex chars of the shared key."""
    h = shared[:96]
    return bytes.fromhex(h[:32]), bytes.fromhex(h[32:96])


# ---------------------------------------------------------------- AES (FIPS-197)
def _xt(a):
    a <<= 1
    return (a ^ 0x11B) if a & 0x100 else a


def _mul(a, b):
    r = 0
    while b:
        if b & 1:
            r ^= a
        a = _xt(a)
        b >>= 1
    return r


def _sbox():
    inv = [0] * 256
    for a in range(1, 256):
        for b in range(1, 256):
            if _mul(a, b) == 1:
                inv[a] = b
                break
    box = []
    for a in range(256):
        x = inv[a]
        y = x
        for _ in range(4):
            x = ((x << 1) | (x >> 7)) & 0xFF
            y ^= x
        box.append(y ^ 0x63)
    return box


SBOX = _sbox()
INV_SBOX = [0] * 256
for _i, _v in enumerate(SBOX):
    INV_SBOX[_v] = _i
MUL = {k: [_mul(x, k) for x in range(256)] for k in (2, 3, 9, 11, 13, 14)}


def _expand(key):
    nk = len(key) // 4
    nr = nk + 6
    w = [list(key[4 * i:4 * i + 4]) for i in range(nk)]
    rcon = 1
    for i in range(nk, 4 * (nr + 1)):
        t = list(w[i - 1])
        if i % nk == 0:
            t = [SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = _xt(rcon)
        elif nk > 6 and i % nk == 4:
            t = [SBOX[b] for b in t]
        w.append([a ^ b for a, b in zip(w[i - nk], t)])
    return [sum(w[4 * r:4 * r + 4], []) for r in range(nr + 1)]


def _encrypt_block(rk, block):
    s = [b ^ k for b, k in zip(block, rk[0])]
    nr = len(rk) - 1
    for r in range(1, nr + 1):
        s = [SBOX[b] for b in s]
        s = [s[((i // 4 + i % 4) % 4) * 4 + i % 4] for i in range(16)]
        if r != nr:
            m2, m3 = MUL[2], MUL[3]
            t = []
            for c in range(4):
                a0, a1, a2, a3 = s[4 * c:4 * c + 4]
                t += [m2[a0] ^ m3[a1] ^ a2 ^ a3, a0 ^ m2[a1] ^ m3[a2] ^ a3,
                      a0 ^ a1 ^ m2[a2] ^ m3[a3], m3[a0] ^ a1 ^ a2 ^ m2[a3]]
            s = t
        s = [b ^ k for b, k in zip(s, rk[r])]
    return bytes(s)


def _decrypt_block(rk, block):
    nr = len(rk) - 1
    s = [b ^ k for b, k in zip(block, rk[nr])]
    for r in range(nr - 1, -1, -1):
        s = [s[((i // 4 - i % 4) % 4) * 4 + i % 4] for i in range(16)]
        s = [INV_SBOX[b] for b in s]
        s = [b ^ k for b, k in zip(s, rk[r])]
        if r != 0:
            m9, m11, m13, m14 = MUL[9], MUL[11], MUL[13], MUL[14]
            t = []
            for c in range(4):
                a0, a1, a2, a3 = s[4 * c:4 * c + 4]
                t += [m14[a0] ^ m11[a1] ^ m13[a2] ^ m9[a3], m9[a0] ^ m14[a1] ^ m11[a2] ^ m13[a3],
                      m13[a0] ^ m9[a1] ^ m14[a2] ^ m11[a3], m11[a0] ^ m13[a1] ^ m9[a2] ^ m14[a3]]
            s = t
    return bytes(s)


def pad(data, padding, filler=None):
    """PKCS7 or ISO10126 padding to 16 bytes; `filler` (n-1 bytes) fixes the
    ISO10126 random bytes for test vectors."""
    n = 16 - len(data) % 16
    if padding == "PKCS7":
        return data + bytes([n]) * n
    if padding == "ISO10126":
        return data + (filler[:n - 1] if filler is not None else os.urandom(n - 1)) + bytes([n])
    raise ValueError("padding %r" % padding)


def unpad(data, padding):
    if not data or len(data) % 16:
        raise ValueError("length")
    n = data[-1]
    if not 1 <= n <= 16:
        raise ValueError("padding")
    if padding == "PKCS7" and data[-n:] != bytes([n]) * n:
        raise ValueError("padding")
    return data[:-n]


def cbc_encrypt(key, iv, data):
    rk = _expand(key)
    out, prev = bytearray(), iv
    for i in range(0, len(data), 16):
        prev = _encrypt_block(rk, bytes(a ^ b for a, b in zip(data[i:i + 16], prev)))
        out += prev
    return bytes(out)


def cbc_decrypt(key, iv, data):
    rk = _expand(key)
    out, prev = bytearray(), iv
    for i in range(0, len(data), 16):
        blk = data[i:i + 16]
        out += bytes(a ^ b for a, b in zip(_decrypt_block(rk, blk), prev))
        prev = blk
    return bytes(out)


def encrypt_text(shared, text, padding="PKCS7", filler=None):
    """Base64(AES-256-CBC(UTF-8 text)) with IV/key from the shared-key hex."""
    iv, key = iv_key(shared)
    return base64.b64encode(cbc_encrypt(key, iv, pad(text.encode(), padding, filler))).decode()


def decrypt_text(shared, b64, padding="PKCS7"):
    """Inverse of encrypt_text; ValueError on bad Base64, padding or UTF-8."""
    iv, key = iv_key(shared)
    raw = base64.b64decode(b64.strip(), validate=True)
    return unpad(cbc_decrypt(key, iv, raw), padding).decode()


# ---------------------------------------------------------------- CHAP
def chap_answer(challenge, shared):
    """Base64(SHA-512(UTF-8(UPPER(challenge + shared-key hex))))."""
    return base64.b64encode(hashlib.sha512((challenge + shared).upper().encode()).digest()).decode()
