crate::declare_rule! {
    /// ## What it does
    /// Reports an entry of the baseline file (`--baseline FILE`, or `baseline:` in
    /// `portico.yaml`) that matches no current finding: the finding was fixed, or its resource
    /// renamed or removed.
    ///
    /// ## Why is this bad?
    /// A baseline records the findings a team accepted when it adopted portico. An entry whose
    /// finding is gone would silently accept the same finding if it came back; removing it
    /// keeps the baseline shrinking toward empty.
    ///
    /// ## Example
    /// ```json
    /// {
    ///   "version": 1,
    ///   "entries": [
    ///     {"fingerprint":"4ee91b11cc573e77","code":"PC201","resource":"ExtAuthPolicy/gloo-mesh/oauth-okta",…}
    ///   ]
    /// }
    /// ```
    /// after the selector's typo (`usagePlans: dev-portl`) was fixed.
    ///
    /// ## Use instead
    /// Rewrite the baseline with `portico check --write-baseline FILE`, or delete the entry.
    code: "PC906",
    slug: "stale-baseline-entry",
    severity: Info,
    since: "0.1.0",
    phase: Triage,
}

// Reported by the triage pass, which applies the baseline: `crate::triage::baseline`.
