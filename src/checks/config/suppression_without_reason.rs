crate::declare_rule! {
    /// ## What it does
    /// Reports a suppression that does not say why: a `# portico-ignore` comment without
    /// `-- reason`, a `portico.dev/ignore` annotation entry without `: reason`, or an entry of
    /// `suppressions:` in `portico.yaml` without `reason:`.
    ///
    /// ## Why is this bad?
    /// A suppression hides a finding from every later reader. Without the reason, nobody can
    /// tell an accepted risk (an upstream chart, a migration in progress) from a finding
    /// silenced to get a pull request through, or know when the suppression can go.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   annotations:
    ///     portico.dev/ignore: "PC201"
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           usagePlans: partner-portal # portico-ignore: PC201
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           usagePlans: partner-portal # portico-ignore: PC201 -- partner routes arrive with the Q3 release
    /// ```
    code: "PC903",
    slug: "suppression-without-reason",
    severity: Warning,
    since: "0.1.0",
    phase: Triage,
}

// Reported by the triage pass, which applies the suppressions: `crate::triage::suppression`.
