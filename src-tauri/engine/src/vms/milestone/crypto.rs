//! The Mobile Server's credential protection (PROTOCOLS.md 6.1): a
//! Diffie-Hellman exchange in Connect (1024- or 2048-bit group, generator 2,
//! 160-bit private exponent, keys on the wire as .NET `BigInteger` bytes:
//! little-endian, a `0x00` sign byte when the top bit is set, Base64), the
//! shared secret as little-endian hex whose first 96 digits are the IV (32)
//! and the AES-256 key (64) that encrypt user name and password in LogIn
//! (CBC, PKCS7 or ISO 10126 padding, Base64), and the CHAP answer every
//! command carries when the server asks for it:
//! `Base64(SHA-512(UPPER(challenge + sharedKeyHex)))`.
use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine as _;
use num_bigint::BigUint;
use rand::RngCore;
use sha2::{Digest, Sha512};

/// The 1024-bit group's prime (the SDK's default `primeLength`).
const PRIME_1024: &str = "F488FD584E49DBCD20B49DE49107366B336C380D451D0F7C88B31C7C5B2D8EF6F3C923C043F0A55B188D8EBB558CB85D38D334FD7C175743A31D186CDE33212CB52AFF3CE1B1294018118D7C84A70A72D686C40319C807297ACA950CD9969FABD00A509B0246D3083D66A45D419F9C7CBD894B221926BAABA25EC355E92F78C7";
/// The 2048-bit group's prime.
const PRIME_2048: &str = "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597";

/// Bits of the private exponent (as the SDK: 160 random bits).
const PRIVATE_BITS: usize = 160;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the server's public key is not Base64")]
    KeyNotBase64,
    #[error("the server's public key is out of range for the {0}-bit group")]
    KeyOutOfRange(u32),
    #[error("the shared secret is too short ({0} hex digits, 96 needed)")]
    ShortSecret(usize),
    #[error("the ciphertext is not Base64 or not whole AES blocks")]
    BadCiphertext,
    #[error("the plaintext's padding is wrong")]
    BadPadding,
}

/// The Diffie-Hellman group (`PrimeLength`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Bits1024,
    Bits2048,
}

impl Group {
    pub fn bits(self) -> u32 {
        match self {
            Group::Bits1024 => 1024,
            Group::Bits2048 => 2048,
        }
    }
    pub fn from_bits(bits: u32) -> Option<Self> {
        match bits {
            1024 => Some(Group::Bits1024),
            2048 => Some(Group::Bits2048),
            _ => None,
        }
    }
    pub fn prime(self) -> BigUint {
        let hex = match self {
            Group::Bits1024 => PRIME_1024,
            Group::Bits2048 => PRIME_2048,
        };
        BigUint::parse_bytes(hex.as_bytes(), 16).expect("the group primes are hex")
    }
}

/// The AES padding (`EncryptionPadding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Pkcs7,
    /// Random filler, the count in the last byte.
    Iso10126,
}

impl Padding {
    pub fn wire_name(self) -> &'static str {
        match self {
            Padding::Pkcs7 => "PKCS7",
            Padding::Iso10126 => "ISO10126",
        }
    }
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "pkcs7" => Some(Padding::Pkcs7),
            "iso10126" => Some(Padding::Iso10126),
            _ => None,
        }
    }
}

/// A .NET `BigInteger` byte array of a non-negative number, Base64: the
/// little-endian bytes, plus `0x00` when the top bit of the last is set.
pub fn encode_key(n: &BigUint) -> String {
    let mut le = n.to_bytes_le();
    if le.last().is_some_and(|b| b & 0x80 != 0) {
        le.push(0);
    }
    base64::engine::general_purpose::STANDARD.encode(le)
}

/// The number a .NET `BigInteger` Base64 key holds (with or without the
/// trailing sign byte; a key is never negative).
pub fn decode_key(b64: &str) -> Result<BigUint, CryptoError> {
    let le = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| CryptoError::KeyNotBase64)?;
    Ok(BigUint::from_bytes_le(&le))
}

/// One side of the exchange: the group and the private exponent.
#[derive(Clone)]
pub struct KeyPair {
    group: Group,
    private: BigUint,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

impl KeyPair {
    /// A fresh private exponent of 160 random bits.
    pub fn generate(group: Group) -> Self {
        let mut bytes = [0u8; PRIVATE_BITS / 8];
        rand::thread_rng().fill_bytes(&mut bytes);
        // never 0 or 1
        bytes[0] |= 0x80;
        Self::from_private(group, BigUint::from_bytes_be(&bytes))
    }

    /// A key pair of a known private exponent (test vectors).
    pub fn from_private(group: Group, private: BigUint) -> Self {
        Self { group, private }
    }

    pub fn group(&self) -> Group {
        self.group
    }

    /// `2^private mod p`, encoded for `PublicKey`.
    pub fn public_key(&self) -> String {
        encode_key(&BigUint::from(2u32).modpow(&self.private, &self.group.prime()))
    }

    /// The shared secret with the server's `PublicKey` as lowercase
    /// little-endian hex (the SDK's `getSharedKey`).
    pub fn shared_key_hex(&self, server_public_b64: &str) -> Result<String, CryptoError> {
        let p = self.group.prime();
        let y = decode_key(server_public_b64)?;
        let one = BigUint::from(1u32);
        if y <= one || y >= &p - &one {
            return Err(CryptoError::KeyOutOfRange(self.group.bits()));
        }
        Ok(hex::encode(y.modpow(&self.private, &p).to_bytes_le()))
    }
}

/// IV and key of a shared secret: its first 96 hex digits.
fn iv_and_key(shared_hex: &str) -> Result<([u8; 16], [u8; 32]), CryptoError> {
    let digits = shared_hex
        .get(..96)
        .ok_or(CryptoError::ShortSecret(shared_hex.len()))?;
    let bytes = hex::decode(digits).map_err(|_| CryptoError::ShortSecret(0))?;
    let mut iv = [0u8; 16];
    let mut key = [0u8; 32];
    iv.copy_from_slice(&bytes[..16]);
    key.copy_from_slice(&bytes[16..48]);
    Ok((iv, key))
}

/// `plain` padded to whole blocks; `filler` fills ISO 10126's random bytes.
pub fn pad(plain: &[u8], padding: Padding, filler: &mut dyn FnMut(&mut [u8])) -> Vec<u8> {
    let n = 16 - plain.len() % 16;
    let mut out = plain.to_vec();
    let start = out.len();
    out.resize(start + n, n as u8);
    if padding == Padding::Iso10126 {
        filler(&mut out[start..start + n - 1]);
    }
    out
}

/// AES-256-CBC of already padded bytes with the secret's IV and key, Base64.
pub fn encrypt_padded(shared_hex: &str, padded: &[u8]) -> Result<String, CryptoError> {
    let (iv, key) = iv_and_key(shared_hex)?;
    if !padded.len().is_multiple_of(16) {
        return Err(CryptoError::BadPadding);
    }
    let enc = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into());
    let ct = enc.encrypt_padded_vec_mut::<NoPadding>(padded);
    Ok(base64::engine::general_purpose::STANDARD.encode(ct))
}

/// A credential as LogIn sends it: padded (random filler for ISO 10126),
/// encrypted, Base64.
pub fn encrypt(shared_hex: &str, plain: &str, padding: Padding) -> Result<String, CryptoError> {
    let padded = pad(plain.as_bytes(), padding, &mut |b| {
        rand::thread_rng().fill_bytes(b)
    });
    encrypt_padded(shared_hex, &padded)
}

/// The inverse of [`encrypt`] (either padding: the count is the last byte).
pub fn decrypt(shared_hex: &str, b64: &str) -> Result<Vec<u8>, CryptoError> {
    let (iv, key) = iv_and_key(shared_hex)?;
    let ct = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| CryptoError::BadCiphertext)?;
    if ct.is_empty() || ct.len() % 16 != 0 {
        return Err(CryptoError::BadCiphertext);
    }
    let dec = cbc::Decryptor::<aes::Aes256>::new(&key.into(), &iv.into());
    let mut plain = dec
        .decrypt_padded_vec_mut::<NoPadding>(&ct)
        .map_err(|_| CryptoError::BadCiphertext)?;
    let n = *plain.last().unwrap_or(&0) as usize;
    if n == 0 || n > 16 || n > plain.len() {
        return Err(CryptoError::BadPadding);
    }
    plain.truncate(plain.len() - n);
    Ok(plain)
}

/// CHAP's `ChalAnswer` of a challenge.
pub fn chap_answer(challenge: &str, shared_hex: &str) -> String {
    let text = format!("{challenge}{shared_hex}").to_uppercase();
    base64::engine::general_purpose::STANDARD.encode(Sha512::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_groups_are_the_sdks_primes() {
        assert_eq!(Group::Bits1024.prime().bits(), 1024);
        assert_eq!(Group::Bits2048.prime().bits(), 2048);
        assert!(Group::from_bits(1536).is_none());
    }

    #[test]
    fn keys_round_trip_as_dotnet_big_integers() {
        // top bit of the last byte set: a sign byte follows
        let n = BigUint::from(0x80u32);
        let b = base64::engine::general_purpose::STANDARD
            .decode(encode_key(&n))
            .unwrap();
        assert_eq!(b, vec![0x80, 0x00]);
        let n = BigUint::from(0x1234u32);
        let b = base64::engine::general_purpose::STANDARD
            .decode(encode_key(&n))
            .unwrap();
        assert_eq!(b, vec![0x34, 0x12]);
        // both forms decode
        assert_eq!(decode_key("NBI=").unwrap(), n);
        assert_eq!(decode_key("NBIA").unwrap(), n);
        assert_eq!(decode_key("!!"), Err(CryptoError::KeyNotBase64));
    }

    #[test]
    fn both_sides_agree_and_credentials_round_trip() {
        for group in [Group::Bits1024, Group::Bits2048] {
            let a = KeyPair::generate(group);
            let b = KeyPair::generate(group);
            let ka = a.shared_key_hex(&b.public_key()).unwrap();
            let kb = b.shared_key_hex(&a.public_key()).unwrap();
            assert_eq!(ka, kb);
            for padding in [Padding::Pkcs7, Padding::Iso10126] {
                for plain in ["", "operator", "sixteen bytes!!!", "pässwörd with ünïcode"] {
                    let c = encrypt(&ka, plain, padding).unwrap();
                    assert_eq!(decrypt(&kb, &c).unwrap(), plain.as_bytes());
                }
            }
            // out of range keys are refused
            assert!(a.shared_key_hex(&encode_key(&BigUint::from(1u32))).is_err());
            assert!(a.shared_key_hex(&encode_key(&group.prime())).is_err());
        }
    }

    #[test]
    fn padding_fills_whole_blocks() {
        let p = pad(b"abc", Padding::Pkcs7, &mut |_| unreachable!());
        assert_eq!(p.len(), 16);
        assert!(p[3..].iter().all(|&b| b == 13));
        let p = pad(&[1u8; 16], Padding::Iso10126, &mut |b| b.fill(0xEE));
        assert_eq!(p.len(), 32);
        assert!(p[16..31].iter().all(|&b| b == 0xEE) && p[31] == 16);
    }

    #[test]
    fn chap_hashes_the_upper_cased_challenge_and_key() {
        let a = chap_answer("0a1b-c", "ff00");
        let want = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(b"0A1B-CFF00"));
        assert_eq!(a, want);
    }

    /// The simulator's independent implementation (tests/milestone_sim,
    /// `make_vectors.py`): both groups, both key forms, both paddings, CHAP.
    #[test]
    fn the_simulators_vectors_agree() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/milestone_sim/vectors.json"
        );
        let text = std::fs::read_to_string(path).expect("tests/milestone_sim/vectors.json");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let s = |x: &serde_json::Value, k: &str| x[k].as_str().unwrap().to_string();
        for (bits, p) in v["primes_hex"].as_object().unwrap() {
            let g = Group::from_bits(bits.parse().unwrap()).unwrap();
            assert_eq!(
                g.prime(),
                BigUint::parse_bytes(p.as_str().unwrap().as_bytes(), 16).unwrap()
            );
        }
        let dh = v["dh"].as_array().unwrap();
        assert!(dh.len() >= 4);
        for d in dh {
            let g = Group::from_bits(d["bits"].as_u64().unwrap() as u32).unwrap();
            let priv_of = |k: &str| BigUint::parse_bytes(s(d, k).as_bytes(), 16).unwrap();
            let client = KeyPair::from_private(g, priv_of("client_private_hex"));
            let server = KeyPair::from_private(g, priv_of("server_private_hex"));
            assert_eq!(client.public_key(), s(d, "client_public_b64"));
            assert_eq!(server.public_key(), s(d, "server_public_b64"));
            let shared = s(d, "shared_hex");
            assert_eq!(
                client.shared_key_hex(&s(d, "server_public_b64")).unwrap(),
                shared
            );
            assert_eq!(
                server
                    .shared_key_hex(&s(d, "client_public_b64_always_zero"))
                    .unwrap(),
                shared
            );
            assert_eq!(&shared[..32], s(d, "iv_hex"));
            assert_eq!(&shared[32..96], s(d, "key_hex"));
        }
        for a in v["aes"].as_array().unwrap() {
            let shared = s(a, "shared_hex");
            let plain = s(a, "plaintext");
            let padding = Padding::from_name(&s(a, "padding")).unwrap();
            let filler = a["iso10126_filler_hex"]
                .as_str()
                .map(|h| hex::decode(h).unwrap());
            let padded = pad(plain.as_bytes(), padding, &mut |b| {
                b.copy_from_slice(filler.as_ref().expect("ISO10126 vectors give their filler"))
            });
            assert_eq!(
                encrypt_padded(&shared, &padded).unwrap(),
                s(a, "ciphertext_b64")
            );
            assert_eq!(
                decrypt(&shared, &s(a, "ciphertext_b64")).unwrap(),
                plain.as_bytes()
            );
        }
        for c in v["chap"].as_array().unwrap() {
            assert_eq!(
                chap_answer(&s(c, "challenge"), &s(c, "shared_hex")),
                s(c, "answer_b64")
            );
        }
    }
}
