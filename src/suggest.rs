//! "Did you mean": the closest candidate to a misspelled name.

/// The candidate closest to `target`, if any is close enough to be a likely typo: equal ignoring
/// case, or within an edit distance of 2 (1 for short words), or sharing a long common prefix.
#[must_use]
pub fn closest<'a, I>(target: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = target.to_lowercase();
    let limit = if target.chars().count() <= 4 { 1 } else { 2 };
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
        let close = distance <= limit;
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
    }

    #[test]
    fn reads_serde_expectations() {
        let m = "unknown field `rulez`, expected one of `identityProviders`, `rules`";
        assert_eq!(serde_expected(m), vec!["identityProviders", "rules"]);
    }
}
