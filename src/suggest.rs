//! "Did you mean": the closest candidate to a misspelled name.

/// The candidate closest to `target`, if any is close enough to be a likely typo: equal ignoring
/// case, within an edit distance of about a quarter of the word (at least 2; 1 for words of four
/// letters or fewer), or one a prefix of the other (`warn` → `warning`).
#[must_use]
pub fn closest<'a, I>(target: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = target.to_lowercase();
    let len = target.chars().count();
    let limit = if len <= 4 { 1 } else { (len / 4).max(2) };
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == target {
            continue;
        }
        let distance = if candidate.to_lowercase() == lower {
            0
        } else {
            strsim::damerau_levenshtein(target, candidate)
        };
        let prefix = len >= 3
            && candidate.len() >= 3
            && (candidate.to_lowercase().starts_with(&lower)
                || lower.starts_with(&candidate.to_lowercase()));
        let close = distance <= limit || prefix;
        if close && best.is_none_or(|(d, c)| (distance, candidate) < (d, c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Extracts the backticked names a serde "expected one of `a`, `b`" message lists.
#[must_use]
pub fn serde_expected(message: &str) -> Vec<&str> {
    let Some(rest) = message
        .split("expected one of ")
        .nth(1)
        .or_else(|| message.split("expected ").nth(1))
    else {
        return Vec::new();
    };
    rest.split('`').skip(1).step_by(2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_case() {
        let c = ["dev-portal", "public", "usagePlans"];
        assert_eq!(closest("dev-portl", c), Some("dev-portal"));
        assert_eq!(closest("UsagePlans", c), Some("usagePlans"));
        assert_eq!(closest("zzz", c), None);
        assert_eq!(closest("dev-portal", c), None);
        assert_eq!(
            closest("ext-auth-srv", ["ext-auth-server", "other"]),
            Some("ext-auth-server")
        );
        assert_eq!(
            closest("warn", ["error", "warning", "info", "off"]),
            Some("warning")
        );
    }

    #[test]
    fn reads_serde_expectations() {
        let m = "unknown field `rulez`, expected one of `identityProviders`, `rules`";
        assert_eq!(serde_expected(m), vec!["identityProviders", "rules"]);
    }
}
