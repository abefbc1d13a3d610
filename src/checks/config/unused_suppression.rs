crate::declare_rule! {
    /// ## What it does
    /// Reports a code in a suppression that suppressed no finding although its rule ran: a
    /// `# portico-ignore` comment whose line has no such finding, a `portico.dev/ignore`
    /// annotation on a resource with no such finding, an entry of `suppressions:` in
    /// `portico.yaml` that matches none. Codes of rules that are off, or not selected, are not
    /// judged.
    ///
    /// ## Why is this bad?
    /// The finding was fixed, moved to another line, or the suppression was written on the
    /// wrong line. Left in place, it silently hides the next finding with that code there,
    /// which nobody has looked at.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           usagePlans: dev-portal # portico-ignore: PC201 -- typo in the label, fixed since
    /// ```
    ///
    /// ## Use instead
    /// Delete a suppression once its finding is fixed; keep those that still suppress something:
    /// ```yaml
    /// spec:
    ///   applyToRoutes:
    ///     - route:
    ///         labels:
    ///           # portico-ignore: PC201 -- partner routes arrive with the Q3 release
    ///           usagePlans: partner-portal
    /// ```
    code: "PC904",
    slug: "unused-suppression",
    severity: Warning,
    since: "0.1.0",
    phase: Triage,
}

// Reported by the triage pass, which applies the suppressions: `crate::triage::suppression`.
