//! The binary on example repositories: exit code, stdout and stderr, snapshotted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(args)
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

macro_rules! cli_snapshot {
    ($name:literal, $args:expr) => {
        cli_snapshot!($name, $args, None)
    };
    ($name:literal, $args:expr, $stdin:expr) => {
        insta::with_settings!({snapshot_path => "snapshots/cli", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, run(&$args, $stdin));
        })
    };
}

#[test]
fn example_is_clean() {
    cli_snapshot!("example_human", ["check", "testdata/repos/portal-okta"]);
    cli_snapshot!(
        "example_json",
        ["check", "--format", "json", "testdata/repos/portal-okta"]
    );
}

#[test]
fn cognito_example_is_clean() {
    cli_snapshot!("cognito_human", ["check", "testdata/repos/portal-cognito"]);
}

#[test]
fn broken_example_fails_with_cross_file_labels() {
    cli_snapshot!(
        "broken_human",
        ["check", "testdata/repos/portal-okta-broken"]
    );
    cli_snapshot!(
        "broken_json",
        [
            "check",
            "--format",
            "json",
            "testdata/repos/portal-okta-broken"
        ]
    );
}

#[test]
fn fail_on_warning() {
    // The fixture holds only warnings: clean by default, failing with --fail-on warning.
    let dir = "testdata/rules/PC403-insecure-token-url/fail";
    let default = run(&["check", "--format", "json", dir], None);
    assert!(default.starts_with("exit: 0\n"), "{default}");
    cli_snapshot!("fail_on_warning", ["check", "--fail-on", "warning", dir]);
}

#[test]
fn reads_a_stream_from_stdin() {
    let mut stream = String::new();
    for file in [
        "routes/api-example-com.yaml",
        "routes/petstore-rt.yaml",
        "routes/tracks-rt.yaml",
        "auth/ext-auth-policy.yaml",
    ] {
        let text = std::fs::read_to_string(
            common::root()
                .join("testdata/repos/portal-okta-broken")
                .join(file),
        )
        .unwrap();
        stream.push_str("---\n");
        stream.push_str(&text);
    }
    cli_snapshot!(
        "stdin_json",
        ["check", "--format", "json", "-"],
        Some(&stream)
    );
}

#[test]
fn usage_errors_exit_2() {
    cli_snapshot!("missing_path", ["check", "testdata/repos/does-not-exist"]);
    cli_snapshot!(
        "missing_config",
        [
            "check",
            "--config",
            "nope.yaml",
            "testdata/repos/portal-okta"
        ]
    );
    cli_snapshot!(
        "bad_format",
        ["check", "--format", "xml", "testdata/repos/portal-okta"]
    );
    cli_snapshot!("explain_unknown", ["explain", "PC2011"]);
    cli_snapshot!("schema_unknown", ["schema", "routetabel"]);
}

#[test]
fn rule_documentation() {
    cli_snapshot!("explain_pc201", ["explain", "PC201"]);
    cli_snapshot!("rules", ["rules"]);
}

#[test]
fn discovery_order_does_not_change_the_report() {
    let files = [
        "testdata/repos/portal-okta-broken/auth/ext-auth-policy.yaml",
        "testdata/repos/portal-okta-broken/auth/ext-auth-server.yaml",
        "testdata/repos/portal-okta-broken/auth/okta-scope-policy.yaml",
        "testdata/repos/portal-okta-broken/routes/api-example-com.yaml",
        "testdata/repos/portal-okta-broken/routes/petstore-rt.yaml",
        "testdata/repos/portal-okta-broken/routes/tracks-rt.yaml",
    ];
    let mut forward = vec!["check", "--format", "json"];
    forward.extend(files);
    let mut backward = vec!["check", "--format", "json"];
    backward.extend(files.iter().rev());
    let a = run(&forward, None);
    let b = run(&backward, None);
    assert!(a.starts_with("exit: 1\n"), "{a}");
    assert_eq!(a, b);
}

#[test]
fn schema_command_prints_and_writes_the_committed_schemas() {
    let printed = run(&["schema", "routetable"], None);
    let committed =
        std::fs::read_to_string(common::root().join("schemas/routetable.schema.json")).unwrap();
    assert_eq!(
        printed,
        format!("exit: 0\n--- stdout\n{committed}--- stderr\n")
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["schema", "--out", dir.path().to_str().unwrap()], None);
    assert!(out.starts_with("exit: 0\n"), "{out}");
    for name in [
        "authconfig",
        "extauthpolicy",
        "extauthserver",
        "portico",
        "routetable",
    ] {
        let file = format!("{name}.schema.json");
        let written = std::fs::read_to_string(dir.path().join(&file)).unwrap();
        let committed =
            std::fs::read_to_string(common::root().join("schemas").join(&file)).unwrap();
        assert_eq!(written, committed, "{file}");
    }
}

#[test]
fn kustomize_generated_modules() {
    cli_snapshot!(
        "kustomize_check",
        ["check", "testdata/repos/portal-okta-kustomize"]
    );
}

/// A Helm chart is one PC009 at its `Chart.yaml` (its templates are not read), and a file a
/// pipeline fills in keeps every resource in the checks: PC006 on each unfilled value (an
/// unquoted `{{ … }}`, a lowercase `$name` in a host or a name) and PC403 still found.
#[test]
fn templated_repository() {
    cli_snapshot!("templated_check", ["check", "testdata/repos/templated"]);
}

#[test]
fn kustomize_deploy_units() {
    // Base and overlay with a strategic-merge patch file, an inline JSON patch and a
    // patchesJson6902 file: findings land in the patch file and in the kustomization's inline
    // patch; commonLabels gives the child table the label its parent delegates by, and is the
    // closest label a misspelt policy selector is shown. A remote base is not rendered (PC008),
    // and two versions of one table in `units:` folders are alternatives, not duplicates.
    cli_snapshot!(
        "kustomize_units_check",
        ["check", "testdata/repos/kustomize-units"]
    );
    cli_snapshot!(
        "kustomize_units_json",
        [
            "check",
            "--format",
            "json",
            "testdata/repos/kustomize-units"
        ]
    );
}

#[test]
fn matrix_of_the_examples() {
    cli_snapshot!(
        "matrix_okta_table",
        ["matrix", "testdata/repos/portal-okta"]
    );
    cli_snapshot!(
        "matrix_cognito_json",
        [
            "matrix",
            "--format",
            "json",
            "testdata/repos/portal-cognito"
        ]
    );
    cli_snapshot!(
        "matrix_broken_markdown",
        [
            "matrix",
            "--format",
            "markdown",
            "testdata/rules/PC512-product-unreachable-with-scope/fail"
        ]
    );
}

#[test]
fn baseline_select_and_ignore_flags() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let file = baseline.to_str().unwrap();
    let write = run(
        &[
            "check",
            "--write-baseline",
            file,
            "testdata/repos/portal-okta-broken",
        ],
        None,
    );
    assert!(write.starts_with("exit: 0\n"), "{write}");
    assert!(baseline.is_file());
    let with = run(
        &[
            "check",
            "--baseline",
            file,
            "testdata/repos/portal-okta-broken",
        ],
        None,
    );
    assert!(with.starts_with("exit: 0\n"), "{with}");
    assert!(with.contains("0 errors, 0 warnings"), "{with}");
    let selected = run(
        &[
            "check",
            "--select",
            "PC3,PC4",
            "testdata/repos/portal-okta-broken",
        ],
        None,
    );
    assert!(!selected.contains("PC201"), "{selected}");
    let ignored = run(
        &[
            "check",
            "--ignore",
            "PC2",
            "testdata/repos/portal-okta-broken",
        ],
        None,
    );
    assert!(!ignored.contains("× PC2"), "{ignored}");
    let unknown = run(
        &["check", "--select", "PC2011", "testdata/repos/portal-okta"],
        None,
    );
    assert!(unknown.starts_with("exit: 2\n"), "{unknown}");
    assert!(unknown.contains("did you mean `PC201`?"), "{unknown}");
}

/// `--timings` prints every stage with its wall time and, on Linux, the peak resident memory
/// when it ended, which never decreases; then the total.
#[test]
fn timings_name_every_stage_with_its_peak_memory() {
    let out = run(&["check", "--timings", "testdata/repos/portal-okta"], None);
    let stderr = out.split("--- stderr\n").nth(1).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l.rsplit("  ").next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "load",
            "scope sources",
            "model and schema",
            "index and selection",
            "rego",
            "matrix",
            "checks",
            "triage",
            "total"
        ],
        "{stderr}"
    );
    if cfg!(target_os = "linux") {
        let peaks: Vec<f64> = lines
            .iter()
            .map(|l| {
                let before = l.split(" MiB peak").next().unwrap();
                before.rsplit(' ').next().unwrap().parse().unwrap()
            })
            .collect();
        assert!(peaks.windows(2).all(|w| w[0] <= w[1]), "{stderr}");
        assert!(peaks[0] > 1.0, "{stderr}");
    }
}

/// `gloo.version` of portico.yaml picks the API a repository is read at: a 2.2 Lambda
/// destination and 2.3 portal metadata are clean at their release, and at the default
/// (newest) release the 2.2 fields are reported as removed, with the release in the summary,
/// the JSON summary and the SARIF run.
#[test]
fn gloo_version_picks_the_api() {
    cli_snapshot!(
        "gloo_2_2_lambda",
        ["check", "testdata/repos/gloo-2.2-lambda"]
    );
    cli_snapshot!(
        "gloo_2_2_lambda_read_as_latest",
        [
            "check",
            "--format",
            "json",
            "testdata/repos/gloo-2.2-lambda/routes.yaml"
        ]
    );
    cli_snapshot!(
        "gloo_2_3_portal",
        [
            "check",
            "--format",
            "json",
            "testdata/repos/gloo-2.3-portal"
        ]
    );
    let sarif = run(
        &[
            "check",
            "--format",
            "sarif",
            "testdata/repos/gloo-2.3-portal",
        ],
        None,
    );
    assert!(sarif.contains("\"glooVersion\": \"2.3\""), "{sarif}");
}
