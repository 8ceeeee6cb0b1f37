//! SHA-256 as lowercase hex: how the record names what was generated, and how folder packs and
//! template versions are fingerprinted.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
