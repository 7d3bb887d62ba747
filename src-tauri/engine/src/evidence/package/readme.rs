//! README.txt of a package: what it is, and how to check it without Vigil
//! (sha256sum, openssl, python3). Every line starting with `  $ ` is a
//! command run from inside the package folder; the end-to-end tests run
//! them exactly as written.

/// The README of a package titled `title`, signed by `fingerprint`.
pub fn readme(title: &str, exported_by: &str, exported_at: &str, fingerprint: &str) -> String {
    format!(
        r#"Incident package: {title}
Exported by {exported_by} at {exported_at} (UTC) with Vigil.

Signing key fingerprint (SHA-256 of the Ed25519 public key):
  {fingerprint}
Ask the person who exported this package for their key's fingerprint by a
separate channel (phone, in person) and compare: a package can be re-signed
by anybody, only the fingerprint tells you by whom.

WHAT IS INSIDE
  manifest.json      every file's path, SHA-256, size, camera, UTC start and
                     end, source (site, VMS, file), who exported it and when,
                     the Vigil version, and the signing key
  manifest.json.sig  Ed25519 signature (64 raw bytes) over the exact bytes
                     of manifest.json
  public_key.pem     the signer's Ed25519 public key (SubjectPublicKeyInfo)
  SHA256SUMS         the same hashes as a plain list for sha256sum -c
  README.txt         this file
  everything else    the evidence (clips, snapshots, annotations, the case)

HOW TO VERIFY WITHOUT VIGIL
Unzip the package first if it is a .zip, then run these from inside its
folder (Linux, macOS, or Windows with Git Bash / WSL). Each must succeed.

1. Every file matches the hash list:
  $ sha256sum -c SHA256SUMS

2. The manifest is signed by the key in public_key.pem (OpenSSL 3.0 or later):
  $ openssl pkeyutl -verify -pubin -inkey public_key.pem -rawin -in manifest.json -sigfile manifest.json.sig

3. The key's fingerprint (compare it with the one above and the exporter's):
  $ openssl pkey -pubin -in public_key.pem -outform DER | tail -c 32 | sha256sum

4. Every file matches the signed manifest (not only the unsigned list), with
   plain Python 3 (it names the files that differ; a missing one stops it):
  $ python3 -c 'import json,hashlib,sys; m=json.load(open("manifest.json")); bad=[f["path"] for f in m["files"] if hashlib.sha256(open(f["path"],"rb").read()).hexdigest()!=f["sha256"]]; print("FAILED:",bad) if bad else print("all",len(m["files"]),"files match"); sys.exit(1 if bad else 0)'

The signature check with Python instead of OpenSSL (needs the
"cryptography" package):
  $ python3 -c 'from cryptography.hazmat.primitives.serialization import load_pem_public_key as k; k(open("public_key.pem","rb").read()).verify(open("manifest.json.sig","rb").read(), open("manifest.json","rb").read()); print("Signature OK")'

Any file in the folder that manifest.json does not list (other than
manifest.json, manifest.json.sig and SHA256SUMS) was added after export.
With Vigil: vigil package verify PACKAGE (exit 0 intact, 1 tampered,
2 unsigned or signed by a key this computer does not trust).
"#
    )
}

/// The commands of a README (the lines starting with `  $ `), in order.
pub fn commands(readme: &str) -> Vec<String> {
    readme
        .lines()
        .filter_map(|l| l.strip_prefix("  $ "))
        .map(str::to_string)
        .collect()
}
