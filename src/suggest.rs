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

/// Why [`likely_target`] picked a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likely {
    /// Its name is close to the one written (a typo).
    Closest,
    /// It is the only object of the wanted kind in the reference's namespace.
    OnlyInNamespace,
    /// It is the only object of the wanted kind in the repository.
    OnlyOne,
}

/// The object a reference that finds nothing most likely means, among `candidates` (the
/// `(namespace, name)` of every object of the wanted kind): the closest name, when one is
/// close enough to be a typo; else the only candidate in `namespace`; else the only candidate
/// at all. A name far from every candidate still has an answer when there is only one thing
/// it can mean (`ext-auth` for the one ExtAuthServer `ext-auth-server` of a repository).
#[must_use]
pub fn likely_target<'a>(
    name: &str,
    namespace: &str,
    candidates: &[(&'a str, &'a str)],
) -> Option<((&'a str, &'a str), Likely)> {
    if let Some(found) = closest(name, candidates.iter().map(|&(_, n)| n)) {
        // The closest name, in the reference's namespace when it is there too.
        let pick = candidates
            .iter()
            .filter(|&&(_, n)| n == found)
            .min_by_key(|&&(ns, _)| (ns != namespace, ns))?;
        return Some((*pick, Likely::Closest));
    }
    let mut distinct: Vec<(&str, &str)> = candidates.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let here: Vec<_> = distinct
        .iter()
        .filter(|&&(ns, _)| ns == namespace)
        .collect();
    match (here.as_slice(), distinct.as_slice()) {
        ([only], _) => Some((**only, Likely::OnlyInNamespace)),
        ([], [only]) => Some((*only, Likely::OnlyOne)),
        _ => None,
    }
}

/// The help of a reference to a missing `kind` (e.g. "ExtAuthServer") that `likely_target`
/// resolved to `(namespace, name)`.
#[must_use]
pub fn likely_help(kind: &str, (namespace, name): (&str, &str), why: Likely) -> String {
    match why {
        Likely::Closest => format!("did you mean `{name}`?"),
        Likely::OnlyInNamespace => {
            format!("did you mean `{name}`? it is the only {kind} in namespace `{namespace}`")
        }
        Likely::OnlyOne => format!(
            "did you mean `{name}` in `{namespace}`? it is the only {kind} in the repository"
        ),
    }
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
    fn the_only_candidate_is_named_however_far_its_name() {
        let one = [("gloo-mesh", "ext-auth-server")];
        assert_eq!(
            likely_target("auth", "apps", &one),
            Some((("gloo-mesh", "ext-auth-server"), Likely::OnlyOne))
        );
        let two = [("gloo-mesh", "ext-auth-server"), ("apps", "authz")];
        assert_eq!(
            likely_target("opa", "apps", &two),
            Some((("apps", "authz"), Likely::OnlyInNamespace))
        );
        // Two elsewhere and none here: no guess.
        assert_eq!(likely_target("opa", "web", &two), None);
        // A typo wins over being alone, and the copy in the reference's namespace is named.
        let typo = [
            ("a", "ext-auth-server"),
            ("b", "ext-auth-server"),
            ("b", "other"),
        ];
        assert_eq!(
            likely_target("ext-auth-srv", "b", &typo),
            Some((("b", "ext-auth-server"), Likely::Closest))
        );
        assert_eq!(
            likely_help(
                "ExtAuthServer",
                ("gloo-mesh", "ext-auth-server"),
                Likely::OnlyOne
            ),
            "did you mean `ext-auth-server` in `gloo-mesh`? it is the only ExtAuthServer in the \
             repository"
        );
    }

    #[test]
    fn reads_serde_expectations() {
        let m = "unknown field `rulez`, expected one of `identityProviders`, `rules`";
        assert_eq!(serde_expected(m), vec!["identityProviders", "rules"]);
    }
}
