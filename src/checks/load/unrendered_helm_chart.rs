use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::load::DocId;
use crate::load::chart::CHART_FILE;

crate::declare_rule! {
    /// ## What it does
    /// Reports a Helm chart (a directory holding `Chart.yaml`) met while walking a directory:
    /// the files under its `templates/` are Go templates, which become YAML only once Helm
    /// renders them, so portico does not read them. One finding per chart, at its
    /// `Chart.yaml`. The chart's other files (`values.yaml`, `crds/`) are read as usual.
    ///
    /// ## Why is this bad?
    /// Nothing is wrong with the chart: this tells you that part of the repository was not
    /// checked. Read as YAML, a template is a syntax error on every `{{- if … }}` line and a
    /// placeholder in every value, which hides whatever is really wrong in the resources it
    /// renders. To check them, render the chart and give portico the output.
    ///
    /// ## Example
    /// ```yaml
    /// # gateway-config/Chart.yaml
    /// apiVersion: v2
    /// name: gateway-config
    /// ---
    /// # gateway-config/templates/route-table.yaml
    /// {{- range $team := .Values.teams }}
    /// ---
    /// apiVersion: networking.gloo.solo.io/v2
    /// kind: RouteTable
    /// metadata:
    ///   name: {{ $team }}-rt
    /// ```
    ///
    /// ## Use instead
    /// Check what the chart renders:
    /// `helm template gateway-config ./gateway-config | portico check -`.
    /// ```yaml
    /// # Source: gateway-config/templates/route-table.yaml
    /// apiVersion: networking.gloo.solo.io/v2
    /// kind: RouteTable
    /// metadata:
    ///   name: petstore-rt
    /// ```
    code: "PC009",
    slug: "unrendered-helm-chart",
    // Info, not a warning: the repository is not at fault (a chart's templates are meant to
    // be rendered), and a CI gate at `--fail-on warning` must not fail on a correct chart.
    severity: Info,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for chart in &ctx.repo.charts {
        let source = ctx.repo.sources.get(chart.file);
        // The chart's directory as its file is named (relative to the checked directory, like
        // every file of a finding): the same on every machine.
        let dir = source
            .name
            .strip_suffix(CHART_FILE)
            .map(|d| d.trim_end_matches('/'))
            .filter(|d| !d.is_empty())
            .unwrap_or(".");
        let root = ctx.repo.root(DocId {
            file: chart.file,
            index: 0,
        });
        let name_node = root.and_then(|r| r.pointer("/name"));
        let name = name_node
            .as_ref()
            .and_then(|found| found.node.as_str())
            .filter(|n| !n.is_empty());
        let span = name_node.map_or(0..0, |found| found.node.span.range());
        let templates = match chart.templates.len() {
            1 => "its template under `templates/` was".to_owned(),
            n => format!("its {n} templates under `templates/` were"),
        };
        let release = name.unwrap_or("release");
        let chart_name = name.map(|n| format!(" `{n}`")).unwrap_or_default();
        out.push(
            Finding::new(
                format!(
                    "Helm chart{chart_name}: {templates} not checked (a template is YAML only \
                     once Helm renders it)"
                ),
                Span::new(chart.file, span),
            )
            .label("a Helm chart")
            .help(format!(
                "render the chart and check the output: `helm template {release} {dir} | portico check -`"
            )),
        );
    }
}
