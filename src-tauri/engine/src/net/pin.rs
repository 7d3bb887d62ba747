//! A certificate pin: the SHA-256 of a server's leaf certificate (DER), as
//! an operator accepts it for a site whose certificate no system root
//! vouches for (the self-signed certificates VMS servers ship with).
//!
//! Written `sha256:<64 lowercase hex>`. [`parse`] also accepts upper case,
//! no `sha256:` prefix, and the pairs browsers and `openssl x509
//! -fingerprint` show (`AB:CD:…`, or `AB CD …`).
use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use crate::error::{ErrorKind, HasKind};

/// SHA-256 of a leaf certificate's DER encoding.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertPin([u8; 32]);

/// Why a pin string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("empty certificate pin (expected sha256:<64 hex digits>)")]
    Empty,
    #[error("unsupported certificate pin algorithm {0:?} (only sha256)")]
    Algorithm(String),
    #[error("certificate pin has {got} hex digits, expected 64 (sha256:<64 hex digits>)")]
    Length { got: usize },
    #[error("certificate pin has {0:?} where a hex digit or separator was expected")]
    Character(char),
    #[error("certificate pin mixes separators or places one badly (use AB:CD:… or plain hex)")]
    Separator,
}

impl HasKind for PinError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::InvalidInput
    }
}

impl CertPin {
    /// The pin of a certificate given as DER.
    pub fn of_der(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Whether `der` is the pinned certificate.
    pub fn matches(&self, der: &[u8]) -> bool {
        Self::of_der(der) == *self
    }

    /// The digest as colon-separated upper-case pairs, as browsers show it.
    pub fn to_colon_hex(&self) -> String {
        let mut out = String::with_capacity(95);
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(':');
            }
            out.push_str(&format!("{b:02X}"));
        }
        out
    }
}

/// Parses a pin from operator or stored input (see the module doc for the
/// accepted forms). Never panics, whatever the input (a fuzz target).
pub fn parse(input: &str) -> Result<CertPin, PinError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(PinError::Empty);
    }
    // an `algo:` prefix is told from a hex group by a character that is not
    // hex (and no space: `AB CD:…` is a badly separated pin)
    let digits = match s.split_once(':') {
        Some((algo, rest))
            if !algo.contains(' ') && !algo.chars().all(|c| c.is_ascii_hexdigit()) =>
        {
            let a = algo.trim().to_ascii_lowercase();
            if a != "sha256" && a != "sha-256" {
                return Err(PinError::Algorithm(algo.chars().take(16).collect()));
            }
            rest.trim()
        }
        _ => s,
    };
    let sep = digits.chars().find(|c| *c == ':' || *c == ' ');
    let hex: String = match sep {
        None => digits.to_string(),
        Some(sep) => {
            // every group is exactly two hex digits, all separated by `sep`
            let mut out = String::with_capacity(64);
            for group in digits.split(sep) {
                if group.len() != 2 || group.contains([':', ' ']) {
                    if let Some(c) = group.chars().find(|c| !c.is_ascii_hexdigit()) {
                        if c != ':' && c != ' ' {
                            return Err(PinError::Character(c));
                        }
                    }
                    return Err(PinError::Separator);
                }
                out.push_str(group);
            }
            out
        }
    };
    if let Some(c) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(PinError::Character(c));
    }
    if hex.len() != 64 {
        return Err(PinError::Length { got: hex.len() });
    }
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(&hex, &mut bytes).map_err(|_| PinError::Length { got: hex.len() })?;
    Ok(CertPin(bytes))
}

impl FromStr for CertPin {
    type Err = PinError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl fmt::Display for CertPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

impl fmt::Debug for CertPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertPin({self})")
    }
}

impl serde::Serialize for CertPin {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CertPin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn canonical_form_round_trips() {
        let pin = parse(&format!("sha256:{HEX}")).unwrap();
        assert_eq!(pin.to_string(), format!("sha256:{HEX}"));
        assert_eq!(parse(&pin.to_string()).unwrap(), pin);
        assert_eq!(pin.as_bytes()[0], 0x01);
    }

    #[test]
    fn other_spellings_give_the_same_pin() {
        let pin = parse(&format!("sha256:{HEX}")).unwrap();
        let colon = pin.to_colon_hex();
        assert_eq!(&colon[..6], "01:23:");
        for s in [
            format!("SHA256:{}", HEX.to_uppercase()),
            format!("  sha-256:{HEX}\n"),
            HEX.to_string(),
            colon.clone(),
            format!("sha256:{colon}"),
            colon.to_lowercase(),
            colon.replace(':', " "),
            format!("SHA256: {}", colon.replace(':', " ")),
        ] {
            assert_eq!(parse(&s), Ok(pin), "{s:?}");
        }
    }

    #[test]
    fn bad_pins_are_refused_with_a_reason() {
        assert_eq!(parse(""), Err(PinError::Empty));
        assert_eq!(parse("   "), Err(PinError::Empty));
        assert!(matches!(
            parse(&format!("sha1:{HEX}")),
            Err(PinError::Algorithm(_))
        ));
        assert_eq!(
            parse(&format!("sha256:{}", &HEX[..62])),
            Err(PinError::Length { got: 62 })
        );
        assert_eq!(
            parse(&format!("sha256:{HEX}00")),
            Err(PinError::Length { got: 66 })
        );
        assert_eq!(
            parse(&format!("sha256:{}g", &HEX[..63])),
            Err(PinError::Character('g'))
        );
        let colon = parse(HEX).unwrap().to_colon_hex();
        assert_eq!(
            parse(&colon[..colon.len() - 3]),
            Err(PinError::Length { got: 62 })
        );
        assert_eq!(
            parse(&colon.replacen(':', "::", 1)),
            Err(PinError::Separator)
        );
        assert_eq!(
            parse(&colon.replacen(':', " ", 1)),
            Err(PinError::Separator)
        );
        assert_eq!(parse(&colon.replacen(":", "", 1)), Err(PinError::Separator));
        assert_eq!(parse("sha256:é"), Err(PinError::Character('é')));
    }

    #[test]
    fn no_input_panics() {
        for s in [
            "sha256:",
            ":",
            "::",
            "a:",
            "é:é",
            "sha256:::::",
            "ab",
            "ab:",
            "é",
            "sha256:é:é",
        ] {
            let _ = parse(s);
        }
    }

    #[test]
    fn pin_of_der_is_its_sha256_and_serde_is_the_string() {
        let pin = CertPin::of_der(b"abc");
        assert_eq!(
            pin.to_string(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(pin.matches(b"abc") && !pin.matches(b"abd"));
        let json = serde_json::to_string(&pin).unwrap();
        assert_eq!(json, format!("\"{pin}\""));
        assert_eq!(serde_json::from_str::<CertPin>(&json).unwrap(), pin);
        assert!(serde_json::from_str::<CertPin>("\"sha256:00\"").is_err());
    }
}
