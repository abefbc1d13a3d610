//! The names of artifact files and of the Envoy resources they hold.
//!
//! An artifact is named after what it is built from: an AuthConfig after its name, a
//! RouteConfiguration after the namespace and name of its route table, a cluster after the
//! cluster. Those names come from the repository, so the mapping from them to a file name has
//! to be:
//!
//! - **injective**: two different sources never share a file (one would silently replace the
//!   other), also on a case-insensitive file system;
//! - **bounded**: a file name stays within [`MAX_FILE_NAME_BYTES`], far below the 255 bytes
//!   most file systems allow (a valid Kubernetes name alone may be 253 characters long);
//! - **safe**: ASCII letters, digits, `.`, `-`, `_` and `~`, never starting with `.` or `-`;
//! - **stable**: the same name gives the same file on every machine and every run.
//!
//! A name that is short and made only of what Kubernetes names are made of (lowercase letters,
//! digits, `-`, `.` in the last part) is used as it is, its parts joined by `.`; a `|` (in
//! Envoy cluster names) is written `_`. Any other name is written as a readable prefix, `~`,
//! and 16 hexadecimal digits of a hash of the whole name: `~` appears in no name of the first
//! kind, so the two kinds never meet, and two names of the second kind differ in their hash.
//! Two names whose hashes collide (64-bit FNV-1a; someone would have to search for such a pair)
//! would still not overwrite each other: the build stops with an error naming the path
//! ([`crate::emit::EmitError::Collision`]).

/// The longest artifact file name, `.yaml` included.
pub const MAX_FILE_NAME_BYTES: usize = 200;

const EXTENSION: &str = ".yaml";

/// The longest readable prefix of a hashed name: room for `~`, the hash and `.yaml`.
const MAX_PREFIX_BYTES: usize = MAX_FILE_NAME_BYTES - 1 - 16 - EXTENSION.len();

/// The stem (file name without `.yaml`) and resource name for something named by `parts`:
/// `["gloo-mesh-gateways", "api-example-com"]` → `gloo-mesh-gateways.api-example-com`. The
/// number of parts must be the same for everything of one kind of artifact.
#[must_use]
pub fn stem(parts: &[&str]) -> String {
    let joined = parts.join(".");
    if is_plain(parts) && joined.len() + EXTENSION.len() <= MAX_FILE_NAME_BYTES {
        return joined.replace('|', "_");
    }
    let mut prefix: String = joined
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-' | '.') => c,
            _ => '_',
        })
        .skip_while(|c| matches!(c, '.' | '-'))
        .collect();
    // ASCII only, so any byte index is a character boundary.
    prefix.truncate(MAX_PREFIX_BYTES);
    if prefix.is_empty() {
        prefix.push('_');
    }
    format!("{prefix}~{:016x}", hash(parts))
}

/// The file name of [`stem`].
#[must_use]
pub fn file_name(parts: &[&str]) -> String {
    format!("{}{EXTENSION}", stem(parts))
}

/// Whether `parts` may be written as they are: each non-empty, starting with a lowercase letter
/// or digit, made of lowercase letters, digits, `-` and `|`, and `.` in the last part only (so
/// that the first `.`s of the joined name tell the parts apart). `_` is not among them: it
/// stands for `|`.
fn is_plain(parts: &[&str]) -> bool {
    let last = parts.len().saturating_sub(1);
    !parts.is_empty()
        && parts.iter().enumerate().all(|(i, part)| {
            part.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && part.chars().all(|c| {
                    c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || c == '-'
                        || c == '|'
                        || (c == '.' && i == last)
                })
        })
}

/// 64-bit FNV-1a of the parts, each preceded by its length so that no two lists of parts give
/// the same input.
fn hash(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut add = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    add(b"portico-artifact-1");
    for part in parts {
        add(&(part.len() as u64).to_le_bytes());
        add(part.as_bytes());
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_names_are_kept_as_they_are() {
        assert_eq!(
            file_name(&["gloo-mesh-gateways", "api-example-com"]),
            "gloo-mesh-gateways.api-example-com.yaml"
        );
        assert_eq!(
            file_name(&["outbound|8083||ext-auth-service.gloo-mesh-addons.svc.cluster.local"]),
            "outbound_8083__ext-auth-service.gloo-mesh-addons.svc.cluster.local.yaml"
        );
        assert_eq!(file_name(&["a.b.c"]), "a.b.c.yaml");
    }

    #[test]
    fn names_that_collided_get_files_of_their_own() {
        for (a, b) in [
            (&["x", "y.z"][..], &["x.y", "z"][..]),
            (
                &["gloo-mesh-gateways", "a/b"],
                &["gloo-mesh-gateways", "a_b"],
            ),
            (&["ns", "a|b"], &["ns", "a_b"]),
            (&["ns", "API"], &["ns", "api"]),
            (&["", "default.x"], &["default", "x"]),
        ] {
            let (fa, fb) = (file_name(a), file_name(b));
            assert_ne!(fa.to_lowercase(), fb.to_lowercase(), "{a:?} {b:?}");
        }
    }

    #[test]
    fn long_names_are_bounded_and_stable() {
        let long = "a".repeat(253);
        let name = file_name(&[&long]);
        assert!(name.len() <= MAX_FILE_NAME_BYTES, "{}", name.len());
        assert!(name.starts_with(&"a".repeat(150)), "{name}");
        assert_eq!(name, file_name(&[&long]));
        let other = format!("{}b", "a".repeat(252));
        assert_ne!(name, file_name(&[&other]));
        let routes = file_name(&["gloo-mesh-gateways", &"r".repeat(240)]);
        assert!(routes.len() <= MAX_FILE_NAME_BYTES);
        let longest_kept = "k".repeat(MAX_FILE_NAME_BYTES - EXTENSION.len());
        assert_eq!(file_name(&[&longest_kept]), format!("{longest_kept}.yaml"));
        assert!(file_name(&[&format!("{longest_kept}k")]).contains('~'));
    }

    #[test]
    fn hashed_names_are_safe_file_names() {
        for parts in [
            &["", "x"][..],
            &["..", ".."],
            &["ns", "../../etc/passwd"],
            &["ns", "\u{0}\n\\"],
            &["ns", "ünïcødé"],
            &[".hidden"],
            &["-rf"],
        ] {
            let name = file_name(parts);
            assert!(!name.starts_with(['.', '-']), "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~')),
                "{name}"
            );
            assert!(name.len() <= MAX_FILE_NAME_BYTES);
        }
    }
}
