use crate::checks::TreeContext;
use crate::diagnostic::{Finding, Span};
use crate::load::scalar::Yaml11Reading;
use crate::load::source::FileId;
use crate::load::yaml::Yaml11Scalar;
use crate::model::modelled_kind;

crate::declare_rule! {
    /// ## What it does
    /// Reports unquoted values such as `yes`, `on`, `off`, `y`, `0755`, `1_000` or `1:30` in
    /// the Kubernetes resources portico checks. (`portico.yaml` is read as YAML 1.2 by portico
    /// alone, so `PC403: off` there means what it says.)
    ///
    /// ## Why is this bad?
    /// YAML 1.2 reads them as strings, but Kubernetes reads manifests as YAML 1.1, where `yes`
    /// and `on` are the boolean `true`, `0755` is the octal number 493 and `1:30` is 90. A
    /// label `public: yes` or a ConfigMap value `enabled: on` is then a boolean where a string
    /// is required and `kubectl apply` fails, or the value silently changes.
    ///
    /// ## Example
    /// ```yaml
    /// labels:
    ///   public: yes
    ///   mode: 0755
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// labels:
    ///   public: "yes"
    ///   mode: "0755"
    /// ```
    code: "PC003",
    slug: "yaml11-ambiguous-scalar",
    severity: Warning,
    since: "0.1.0",
    phase: Trees,
}

/// The finding for `scalar`, which Kubernetes reads as YAML 1.1, in `file`.
fn finding(scalar: &Yaml11Scalar, file: FileId) -> Finding {
    let what = if scalar.is_key { "key" } else { "value" };
    let text = &scalar.text;
    let message = match &scalar.reading {
        Yaml11Reading::Bool(b) => format!(
            "unquoted {what} `{text}` is a string in YAML 1.2, but Kubernetes (YAML 1.1) reads it \
             as the boolean {b}"
        ),
        Yaml11Reading::Number(n) => {
            format!("Kubernetes (YAML 1.1) reads the unquoted {what} `{text}` as the number {n}")
        }
    };
    Finding::new(message, Span::new(file, scalar.span.clone()))
        .help(format!("quote it: `\"{text}\"`"))
}

fn check(ctx: &TreeContext<'_>, out: &mut Vec<Finding>) {
    let docs = ctx
        .documents
        .iter()
        .filter(|d| modelled_kind(d).is_some())
        .map(|d| (d.file, &d.doc));
    for (file, doc) in docs {
        for scalar in doc.yaml11() {
            out.push(finding(scalar, file));
        }
    }
}
