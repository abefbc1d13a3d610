crate::declare_rule! {
    /// ## What it does
    /// Reports a `# portico-ignore` comment or a `portico.dev/ignore` annotation that names a
    /// code no rule has, or no code at all, with the closest code. (Codes in `portico.yaml`
    /// are PC902's.)
    ///
    /// ## Why is this bad?
    /// A mistyped code suppresses nothing, so the finding it was meant for stays reported (or,
    /// if the finding is gone, the typo hides that the suppression is stale). Words meant as
    /// the reason but written without `--` read as codes too.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     portico.dev/ignore: "route-selector-matches-nothing: selected by the platform chart"
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           usagePlans: dev-portal # portico-ignore: PC2011 -- partner routes arrive with the Q3 release
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     portico.dev/ignore: "PC201: partner routes arrive with the Q3 release"
    /// ```
    code: "PC905",
    slug: "unknown-suppression-code",
    severity: Error,
    since: "0.1.0",
    phase: Triage,
}

// Reported by the triage pass, which applies the suppressions: `crate::triage::suppression`.
