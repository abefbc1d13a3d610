//! Helm charts met by a walk: a directory holding `Chart.yaml` is a chart, and the files under
//! its `templates/` are Go templates that become YAML only once Helm renders them, so they are
//! not read as YAML.
//!
//! The layout is Helm's ("The Chart File Structure", <https://helm.sh/docs/topics/charts/>,
//! Helm 3): `Chart.yaml` at the chart's root, `templates/` "a directory of templates that,
//! when combined with values, will generate valid Kubernetes manifest files", and `values.yaml`,
//! `crds/` and `charts/` (subcharts, each a chart of its own) beside it. Helm's loader
//! (`pkg/chart/loader/load.go`, `LoadFiles`, Helm 3.x) knows a chart by the exact file name
//! `Chart.yaml` and takes every file whose path in the chart starts with `templates/` as a
//! template, at any depth. `crds/` holds plain YAML Helm applies without rendering, and
//! `values.yaml` is plain YAML too: both are read as any other file.

use std::collections::HashSet;
use std::path::PathBuf;

use super::source::FileId;
use super::walk::WalkedFile;

/// The file that makes a directory a chart (Helm matches the name exactly).
pub const CHART_FILE: &str = "Chart.yaml";

/// A chart whose templates were not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Its `Chart.yaml`.
    pub file: FileId,
    /// The walked names of its templates (YAML, JSON and the other walked extensions), sorted.
    pub templates: Vec<String>,
}

/// A chart found by a walk, before its `Chart.yaml` is read.
#[derive(Debug)]
pub(super) struct FoundChart {
    /// Where its `Chart.yaml` really is, to find the file's id once read.
    pub(super) canonical: PathBuf,
    /// Its templates' walked names.
    pub(super) templates: Vec<String>,
}

/// Splits a walk's files into those to read and the templates of the charts among them.
/// Charts without a walked template are not returned: nothing of them went unread.
pub(super) fn set_templates_apart(files: Vec<WalkedFile>) -> (Vec<WalkedFile>, Vec<FoundChart>) {
    // The chart directories, as walked names with a trailing `/` ("" for the walked root).
    let charts: Vec<(&str, &PathBuf)> = files
        .iter()
        .filter_map(|f| {
            let name = f.found.name.as_str();
            let dir = if name == CHART_FILE {
                ""
            } else {
                name.strip_suffix(CHART_FILE).filter(|d| d.ends_with('/'))?
            };
            Some((dir, &f.canonical))
        })
        .collect();
    if charts.is_empty() {
        return (files, Vec::new());
    }
    let dirs: HashSet<&str> = charts.iter().map(|(d, _)| *d).collect();
    // Which chart each template belongs to, by position in `charts`; found before `files` is
    // taken apart, since `charts` borrows it.
    let owners: Vec<Option<usize>> = files
        .iter()
        .map(|f| {
            chart_of_template(&f.found.name, &dirs)
                .and_then(|dir| charts.iter().position(|(d, _)| *d == dir))
        })
        .collect();
    let mut found: Vec<FoundChart> = charts
        .iter()
        .map(|(_, canonical)| FoundChart {
            canonical: (*canonical).clone(),
            templates: Vec::new(),
        })
        .collect();
    let mut kept = Vec::with_capacity(files.len());
    for (file, owner) in files.into_iter().zip(owners) {
        match owner.and_then(|o| found.get_mut(o)) {
            Some(chart) => chart.templates.push(file.found.name),
            None => kept.push(file),
        }
    }
    found.retain(|c| !c.templates.is_empty());
    (kept, found)
}

/// The directory (walked name with a trailing `/`, "" for the root) of the chart whose
/// `templates/` holds the file named `name`, if any: the innermost one, so a subchart's
/// templates belong to the subchart.
fn chart_of_template<'a>(name: &str, dirs: &HashSet<&'a str>) -> Option<&'a str> {
    let mut best = None;
    let mut from = 0;
    while let Some(at) = name.get(from..).and_then(|rest| rest.find("templates/")) {
        let at = from + at;
        let dir = &name[..at];
        if (dir.is_empty() || dir.ends_with('/'))
            && let Some(d) = dirs.get(dir)
        {
            best = Some(*d);
        }
        from = at + "templates/".len();
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walked(name: &str) -> WalkedFile {
        WalkedFile {
            found: super::super::walk::FoundFile {
                path: PathBuf::from(name),
                name: name.to_owned(),
            },
            canonical: PathBuf::from("/repo").join(name),
            linked: false,
        }
    }

    fn split(names: &[&str]) -> (Vec<String>, Vec<(PathBuf, Vec<String>)>) {
        let (kept, charts) = set_templates_apart(names.iter().map(|n| walked(n)).collect());
        (
            kept.into_iter().map(|f| f.found.name).collect(),
            charts
                .into_iter()
                .map(|c| (c.canonical, c.templates))
                .collect(),
        )
    }

    #[test]
    fn templates_of_a_chart_are_set_apart() {
        let (kept, charts) = split(&[
            "chart/Chart.yaml",
            "chart/crds/crd.yaml",
            "chart/templates/rt.yaml",
            "chart/templates/sub/policy.yaml",
            "chart/values.yaml",
            "plain/templates/rt.yaml",
        ]);
        assert_eq!(
            kept,
            [
                "chart/Chart.yaml",
                "chart/crds/crd.yaml",
                "chart/values.yaml",
                "plain/templates/rt.yaml"
            ]
        );
        assert_eq!(
            charts,
            [(
                PathBuf::from("/repo/chart/Chart.yaml"),
                vec![
                    "chart/templates/rt.yaml".to_owned(),
                    "chart/templates/sub/policy.yaml".to_owned()
                ]
            )]
        );
    }

    #[test]
    fn the_walked_root_may_be_a_chart_and_subcharts_own_their_templates() {
        let (kept, charts) = split(&[
            "Chart.yaml",
            "charts/sub/Chart.yaml",
            "charts/sub/templates/a.yaml",
            "templates/b.yaml",
        ]);
        assert_eq!(kept, ["Chart.yaml", "charts/sub/Chart.yaml"]);
        assert_eq!(
            charts,
            [
                (
                    PathBuf::from("/repo/Chart.yaml"),
                    vec!["templates/b.yaml".to_owned()]
                ),
                (
                    PathBuf::from("/repo/charts/sub/Chart.yaml"),
                    vec!["charts/sub/templates/a.yaml".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn a_name_that_only_ends_like_the_chart_file_is_no_chart() {
        let (kept, charts) = split(&["myChart.yaml", "templates/a.yaml", "xtemplates/b.yaml"]);
        assert_eq!(kept.len(), 3);
        assert!(charts.is_empty());
    }
}
