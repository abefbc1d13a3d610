use crate::checks::Context;
use crate::checks::schema::{release_unset, schema_findings};
use crate::diagnostic::Finding;

crate::declare_rule! {
    /// ## What it does
    /// Reports a field or enum value that the release portico reads the repository at does not
    /// have but another Gloo Platform release does (Lambda destinations of 2.2, say), while
    /// portico.yaml does not say which release the repository targets. Once `gloo.version` is
    /// set, such a value is an unknown field (PC102) or an invalid enum value (PC103) of that
    /// release, or nothing at all when that release has it.
    ///
    /// ## Why is this bad?
    /// Either the repository targets an older release, and portico checks it against the wrong
    /// API until `gloo.version` says which; or the value is left over from an older release,
    /// and the newer API server prunes or rejects it. Without the version portico cannot tell
    /// which, so it warns instead of failing the gate.
    ///
    /// ## Example
    /// ```yaml
    ///           - ref:
    ///               name: aws-provider
    ///               namespace: bookinfo
    ///             kind: CLOUD_PROVIDER
    ///             function:
    ///               logicalName: aws-dest
    /// ```
    /// with no `gloo.version` in portico.yaml.
    ///
    /// ## Use instead
    /// ```yaml
    /// gloo:
    ///   version: "2.2"
    /// ```
    /// in portico.yaml, when the repository is written for Gloo Platform 2.2.
    code: "PC112",
    slug: "field-of-another-release",
    severity: Warning,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if !release_unset(ctx) {
        return;
    }
    schema_findings(
        ctx,
        out,
        |e| e.note.is_some(),
        "in another Gloo Platform release",
    );
}
