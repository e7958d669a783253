//! Secrets: passwords (Argon2id with a random salt per password, stored as PHC strings), and the random
//! tokens of sessions and API tokens (stored as SHA-256 hashes).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Hashes a password for storage.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| error.to_string())
}

/// Whether `password` matches a stored hash; a malformed hash matches nothing.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A secret of `bytes` random bytes from the operating system, as hex.
pub fn random_secret(bytes: usize) -> Result<String, String> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|error| format!("no randomness: {error}"))?;
    Ok(hex::encode(buffer))
}

/// How a session or API token is stored: its SHA-256, as hex. The secrets are long and random, so a fast
/// hash protects them; a stolen database signs nobody in.
pub fn secret_hash(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// A new API token: its public id, the token to hand out once (`vt_<id>_<secret>`), and the hash to store.
pub fn mint_api_token() -> Result<(String, String, String), String> {
    let id = random_secret(4)?;
    let token = format!("vt_{id}_{}", random_secret(32)?);
    let hash = secret_hash(&token);
    Ok((id, token, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_their_password() {
        let hash = hash_password("mật khẩu đúng").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu đúng", &hash));
        assert!(!verify_password("mat khau dung", &hash));
        assert!(!verify_password("mật khẩu đúng", "not a hash"));
        assert_ne!(
            hash,
            hash_password("mật khẩu đúng").unwrap(),
            "each hash has its own salt"
        );
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (id, token, hash) = mint_api_token().unwrap();
        assert!(token.starts_with(&format!("vt_{id}_")));
        assert_eq!(token.len(), 3 + 8 + 1 + 64);
        assert_eq!(hash, secret_hash(&token));
        assert!(!hash.contains(&token[12..]));
        assert_ne!(mint_api_token().unwrap().1, token);
    }
}
