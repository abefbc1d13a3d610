//! Suppressions: every form, with and without a reason, unused and unknown codes, comments that
//! are not comments, and `select`/`ignore`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use portico::load::Input;
use portico::triage::suppression::Kind;
use portico::{CheckRequest, CheckResult, Error};

/// The route table and ext auth server every repository here shares.
fn base_files() -> Vec<(String, String)> {
    let dir = common::root().join("testdata/rules/PC903-suppression-without-reason/pass");
    ["petstore-rt.yaml", "ext-auth-server.yaml", "portico.yaml"]
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                std::fs::read_to_string(dir.join(name)).unwrap(),
            )
        })
        .collect()
}

/// An ExtAuthPolicy selecting `labels` (lines indented under `labels:`), with extra metadata
/// lines and a JWKS URL.
fn policy(metadata: &str, labels: &str, jwks: &str) -> String {
    format!(
        "apiVersion: security.policy.gloo.solo.io/v2
kind: ExtAuthPolicy
metadata:
  name: oauth-okta
  namespace: gloo-mesh
{metadata}spec:
  applyToRoutes:
    - route:
        labels:
{labels}
  config:
    server:
      name: ext-auth-server
      namespace: gloo-mesh
      cluster: cluster1
    glooAuth:
      configs:
        - oauth2:
            accessTokenValidation:
              jwt:
                remoteJwks:
                  url: {jwks}
                issuer: https://dev-1234567.okta.com/oauth2/default
"
    )
}

const HTTPS: &str = "https://dev-1234567.okta.com/oauth2/default/v1/keys";
const HTTP: &str = "http://dev-1234567.okta.com/oauth2/default/v1/keys";

/// Writes a repository of the base files plus `files` (which may replace them) and checks it.
fn check_files(files: &[(&str, &str)]) -> CheckResult {
    check_with(files, |_| {})
}

fn check_with(files: &[(&str, &str)], adjust: impl FnOnce(&mut CheckRequest)) -> CheckResult {
    try_check(files, adjust).expect("check runs")
}

fn try_check(
    files: &[(&str, &str)],
    adjust: impl FnOnce(&mut CheckRequest),
) -> Result<CheckResult, Error> {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &base_files());
    let owned: Vec<(String, String)> = files
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    write(dir.path(), &owned);
    let mut request = CheckRequest {
        inputs: vec![Input::Path(dir.path().to_path_buf())],
        ..CheckRequest::default()
    };
    adjust(&mut request);
    portico::check(&request)
}

fn write(dir: &Path, files: &[(String, String)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// (code, file, line) of every diagnostic.
fn found(result: &CheckResult) -> Vec<(&'static str, String, usize)> {
    result
        .diagnostics
        .iter()
        .map(|d| {
            let file = result.repo.sources.get(d.finding.span.file);
            (
                d.code,
                file.name.clone(),
                file.line_col(d.finding.span.range.start).line,
            )
        })
        .collect()
}

fn codes(result: &CheckResult) -> Vec<&'static str> {
    result.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn the_unsuppressed_policy_fires() {
    let result = check_files(&[(
        "policy.yaml",
        &policy("", "          usagePlans: dev-portl", HTTP),
    )]);
    assert_eq!(
        codes(&result),
        ["PC201", "PC403"],
        "{}",
        common::human(&result)
    );
    assert_eq!(result.summary.suppressed, 0);
}

#[test]
fn trailing_yaml_comment_with_reason() {
    let result = check_files(&[(
        "policy.yaml",
        &policy(
            "",
            "          usagePlans: dev-portl # portico-ignore: PC201 -- the portal ships in Q3",
            HTTPS,
        ),
    )]);
    assert!(result.diagnostics.is_empty(), "{}", common::human(&result));
    assert_eq!(result.summary.suppressed, 1);
    let s = &result.suppressed[0];
    assert_eq!(s.diagnostic.code, "PC201");
    assert_eq!(s.kind, Kind::YamlComment);
    assert_eq!(s.reason.as_deref(), Some("the portal ships in Q3"));
}

#[test]
fn yaml_comments_on_the_lines_above_stack() {
    let labels = "          # portico-ignore: PC201 -- the portal ships in Q3\n          \
                  # an ordinary comment in between\n\n          usagePlans: dev-portl";
    let result = check_files(&[("policy.yaml", &policy("", labels, HTTPS))]);
    assert!(result.diagnostics.is_empty(), "{}", common::human(&result));
    assert_eq!(result.summary.suppressed, 1);
}

#[test]
fn an_own_line_comment_covers_the_next_line_not_the_previous() {
    let labels = "          usagePlans: dev-portl\n          \
                  # portico-ignore: PC201 -- meant for the line above";
    let result = check_files(&[("policy.yaml", &policy("", labels, HTTPS))]);
    let got: Vec<_> = found(&result).into_iter().map(|(c, _, l)| (c, l)).collect();
    assert_eq!(
        got,
        [("PC201", 10), ("PC904", 11)],
        "{}",
        common::human(&result)
    );
    assert_eq!(
        result.diagnostics[1].finding.help.as_deref(),
        Some("nothing on line 12 reports PC201; remove `PC201` from it")
    );
}

#[test]
fn yaml_comment_without_reason_suppresses_and_warns() {
    let result = check_files(&[(
        "policy.yaml",
        &policy(
            "",
            "          usagePlans: dev-portl # portico-ignore: PC201",
            HTTPS,
        ),
    )]);
    assert_eq!(
        found(&result),
        [("PC903", "policy.yaml".to_owned(), 10)],
        "{}",
        common::human(&result)
    );
    assert_eq!(result.summary.suppressed, 1);
    let help = result.diagnostics[0].finding.help.as_deref().unwrap();
    assert!(help.contains("-- "), "{help}");
}

#[test]
fn several_codes_in_one_comment_and_the_unused_one() {
    let result = check_files(&[(
        "policy.yaml",
        &policy(
            "",
            "          usagePlans: dev-portl # portico-ignore: PC201, PC403 -- vendored",
            HTTP,
        ),
    )]);
    // PC201 on the line is suppressed; PC403 is reported further down, and the comment's PC403
    // suppressed nothing on its line.
    assert_eq!(
        found(&result),
        [
            ("PC904", "policy.yaml".to_owned(), 10),
            ("PC403", "policy.yaml".to_owned(), 22),
        ],
        "{}",
        common::human(&result)
    );
    let unused = &result.diagnostics[0];
    assert_eq!(
        unused.finding.message,
        "suppression of `PC403` suppresses nothing"
    );
    // The finding points at the code inside the comment.
    let file = result.repo.sources.get(unused.finding.span.file);
    assert_eq!(&file.text[unused.finding.span.range.clone()], "PC403");
}

#[test]
fn unused_suppressions_are_judged_only_for_rules_that_ran() {
    let labels = "          usagePlans: dev-portal # portico-ignore: PC201 -- fixed since";
    let result = check_files(&[("policy.yaml", &policy("", labels, HTTPS))]);
    assert_eq!(codes(&result), ["PC904"], "{}", common::human(&result));

    let config = format!(
        "{}rules:\n  PC201: \"off\"\n",
        base_files()
            .into_iter()
            .find(|(n, _)| n == "portico.yaml")
            .unwrap()
            .1
    );
    let off = check_files(&[
        ("policy.yaml", &policy("", labels, HTTPS)),
        ("portico.yaml", &config),
    ]);
    assert!(off.diagnostics.is_empty(), "{}", common::human(&off));

    let unselected = check_with(&[("policy.yaml", &policy("", labels, HTTPS))], |r| {
        r.select = vec!["PC4".into(), "PC9".into()];
    });
    assert!(
        unselected.diagnostics.is_empty(),
        "{}",
        common::human(&unselected)
    );
}

#[test]
fn unknown_code_in_a_comment_has_a_suggestion() {
    let result = check_files(&[(
        "policy.yaml",
        &policy(
            "",
            "          usagePlans: dev-portl # portico-ignore: PC2011 -- the portal ships in Q3",
            HTTPS,
        ),
    )]);
    assert_eq!(
        codes(&result),
        ["PC201", "PC905"],
        "{}",
        common::human(&result)
    );
    let unknown = &result.diagnostics[1];
    assert_eq!(unknown.finding.message, "`PC2011` is not a rule code");
    assert_eq!(
        unknown.finding.help.as_deref(),
        Some("did you mean `PC201`?")
    );
}

#[test]
fn a_reason_without_the_separator_reads_as_codes() {
    let result = check_files(&[(
        "policy.yaml",
        &policy(
            "",
            "          usagePlans: dev-portl # portico-ignore: PC201 vendored",
            HTTPS,
        ),
    )]);
    let got: Vec<_> = result
        .diagnostics
        .iter()
        .map(|d| (d.code, d.finding.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "PC903",
                "suppression of `PC201`, `vendored` gives no reason"
            ),
            ("PC905", "`vendored` is not a rule code"),
        ],
        "{}",
        common::human(&result)
    );
    assert_eq!(
        result.diagnostics[1].finding.help.as_deref(),
        Some("separate the reason from the codes with `--`")
    );
}

#[test]
fn a_hash_inside_a_quoted_string_is_not_a_comment() {
    for quoted in [
        "\"dev-portl # portico-ignore: PC201 -- inside the string\"",
        "'dev-portl # portico-ignore: PC201 -- inside the string'",
    ] {
        let labels = format!("          usagePlans: {quoted}");
        let result = check_files(&[("policy.yaml", &policy("", &labels, HTTPS))]);
        assert_eq!(codes(&result), ["PC201"], "{}", common::human(&result));
        assert_eq!(result.summary.suppressed, 0);
    }
    // Nor is one inside a block scalar that is not Rego.
    let metadata = "  annotations:\n    note: |\n      # portico-ignore: PC201 -- text\n";
    let result = check_files(&[(
        "policy.yaml",
        &policy(metadata, "          usagePlans: dev-portl", HTTPS),
    )]);
    assert_eq!(codes(&result), ["PC201"], "{}", common::human(&result));
}

#[test]
fn annotation_with_several_entries() {
    let metadata = "  annotations:\n    portico.dev/ignore: \"PC201: the portal ships in Q3; PC403: \
                    fetched inside the mesh\"\n";
    let result = check_files(&[(
        "policy.yaml",
        &policy(metadata, "          usagePlans: dev-portl", HTTP),
    )]);
    assert!(result.diagnostics.is_empty(), "{}", common::human(&result));
    assert_eq!(result.summary.suppressed, 2);
    let mut reasons: Vec<_> = result
        .suppressed
        .iter()
        .map(|s| {
            assert_eq!(s.kind, Kind::Annotation);
            (s.diagnostic.code, s.reason.clone().unwrap())
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        [
            ("PC201", "the portal ships in Q3".to_owned()),
            ("PC403", "fetched inside the mesh".to_owned()),
        ]
    );
}

#[test]
fn annotation_entries_on_lines_without_reason_and_unused() {
    let metadata = "  annotations:\n    portico.dev/ignore: |\n      PC201\n      PC403: \
                    fetched inside the mesh\n";
    let result = check_files(&[(
        "policy.yaml",
        &policy(metadata, "          usagePlans: dev-portl", HTTPS),
    )]);
    let got: Vec<_> = found(&result).into_iter().map(|(c, _, l)| (c, l)).collect();
    // `PC201` (line 8) gives no reason; `PC403` (line 9) suppresses nothing: the URL is https.
    assert_eq!(
        got,
        [("PC903", 8), ("PC904", 9)],
        "{}",
        common::human(&result)
    );
    assert_eq!(result.summary.suppressed, 1);
}

#[test]
fn annotation_unknown_code() {
    let metadata = "  annotations:\n    portico.dev/ignore: \"route-selector-matches-nothing: \
                    ships in Q3\"\n";
    let result = check_files(&[(
        "policy.yaml",
        &policy(metadata, "          usagePlans: dev-portl", HTTPS),
    )]);
    assert_eq!(
        codes(&result),
        ["PC905", "PC201"],
        "{}",
        common::human(&result)
    );
    assert_eq!(
        result.diagnostics[0].finding.help.as_deref(),
        Some("did you mean `PC201`?")
    );
}

#[test]
fn annotation_covers_only_its_own_resource() {
    // The annotation is on the route table; the PC201 finding is about the policy.
    let table = base_files()
        .into_iter()
        .find(|(n, _)| n == "petstore-rt.yaml")
        .unwrap()
        .1
        .replacen(
            "  namespace: gloo-mesh-gateways\n",
            "  namespace: gloo-mesh-gateways\n  annotations:\n    portico.dev/ignore: \"PC201: not \
             here\"\n",
            1,
        );
    let result = check_files(&[
        (
            "policy.yaml",
            &policy("", "          usagePlans: dev-portl", HTTPS),
        ),
        ("petstore-rt.yaml", &table),
    ]);
    let mut got = codes(&result);
    got.sort_unstable();
    assert_eq!(got, ["PC201", "PC904"], "{}", common::human(&result));
}

fn config_with(extra: &str) -> String {
    let base = base_files()
        .into_iter()
        .find(|(n, _)| n == "portico.yaml")
        .unwrap()
        .1;
    format!("{base}{extra}")
}

#[test]
fn config_suppressions_by_path_and_resource() {
    let broken = policy("", "          usagePlans: dev-portl", HTTP);
    for extra in [
        "suppressions:\n  - path: \"auth/**\"\n    codes: [PC201, PC403]\n    reason: vendored chart\n",
        "suppressions:\n  - resource: \"ExtAuthPolicy/gloo-mesh/*\"\n    codes: [PC201, PC403]\n    reason: vendored chart\n",
        "suppressions:\n  - path: \"auth/*.yaml\"\n    resource: \"ExtAuthPolicy/*/oauth-*\"\n    codes: [PC201, PC403]\n    reason: vendored chart\n",
    ] {
        let result = check_files(&[
            ("auth/policy.yaml", &broken),
            ("portico.yaml", &config_with(extra)),
        ]);
        assert!(
            result.diagnostics.is_empty(),
            "{extra}\n{}",
            common::human(&result)
        );
        assert_eq!(result.summary.suppressed, 2);
        assert!(
            result
                .suppressed
                .iter()
                .all(|s| s.kind == Kind::Config && s.reason.as_deref() == Some("vendored chart"))
        );
    }
}

#[test]
fn config_suppressions_that_match_nothing_lack_a_reason_or_name_unknown_codes() {
    let broken = policy("", "          usagePlans: dev-portl", HTTPS);
    let extra = "suppressions:\n  - path: \"vendor/**\"\n    codes: [PC201]\n    reason: upstream\n  \
                 - resource: \"ExtAuthPolicy/gloo-mesh/*\"\n    codes: [PC201]\n  \
                 - resource: \"RouteTable/**\"\n    codes: [PC2011]\n    reason: typo\n  \
                 - path: \"[\"\n    codes: [PC201]\n    reason: bad glob\n";
    let result = check_files(&[
        ("auth/policy.yaml", &broken),
        ("portico.yaml", &config_with(extra)),
    ]);
    let got = found(&result);
    let config = |code, line| (code, "portico.yaml".to_owned(), line);
    assert_eq!(
        got,
        [
            config("PC904", 9),  // vendor/** matches no file
            config("PC903", 11), // no reason
            config("PC902", 14), // PC2011
            config("PC901", 16), // `[` is not a glob
        ],
        "{}",
        common::human(&result)
    );
    assert_eq!(
        result.diagnostics[2].finding.help.as_deref(),
        Some("did you mean `PC201`?")
    );
}

/// A Rego module in a ConfigMap with a misspelt built-in on line `16` of the file.
fn rego_config_map(comment_line: &str) -> String {
    format!(
        "apiVersion: v1
kind: ConfigMap
metadata:
  name: scope-policy
  namespace: gloo-mesh
data:
  policy.rego: |
    package test

    import rego.v1

    default allow := false

    # \"# portico-ignore: PC201 -- a Rego comment quoting a string\"
    msg := \"# portico-ignore: PC503 -- inside a Rego string\"
{comment_line}
    allow if startwith(input.http_request.path, \"/petstore\")
"
    )
}

#[test]
fn rego_comment_inside_a_config_map() {
    let base = check_files(&[("scope-policy.yaml", &rego_config_map(""))]);
    assert_eq!(
        found(&base),
        [("PC503", "scope-policy.yaml".to_owned(), 17)],
        "{}",
        common::human(&base)
    );
    let above = check_files(&[(
        "scope-policy.yaml",
        &rego_config_map(
            "    # portico-ignore: PC503 -- startwith is a custom built-in of our OPA",
        ),
    )]);
    assert!(above.diagnostics.is_empty(), "{}", common::human(&above));
    assert_eq!(above.suppressed.len(), 1);
    assert_eq!(above.suppressed[0].kind, Kind::RegoComment);

    let trailing = rego_config_map("").replace(
        "\"/petstore\")\n",
        "\"/petstore\") # portico-ignore: PC503 -- custom built-in\n",
    );
    let trailing = check_files(&[("scope-policy.yaml", &trailing)]);
    assert!(
        trailing.diagnostics.is_empty(),
        "{}",
        common::human(&trailing)
    );
}

#[test]
fn rego_comment_in_a_rego_file() {
    let module = "package test\n\nimport rego.v1\n\n# portico-ignore: PC503\nallow if \
                  startwith(input.http_request.path, \"/petstore\")\n";
    let result = check_files(&[("policy.rego", module)]);
    assert_eq!(
        found(&result),
        [("PC903", "policy.rego".to_owned(), 5)],
        "{}",
        common::human(&result)
    );
    assert_eq!(result.suppressed.len(), 1);
}

#[test]
fn select_and_ignore() {
    let broken = policy("", "          usagePlans: dev-portl", HTTP);
    let files = [("policy.yaml", broken.as_str())];
    let only = |select: &[&str], ignore: &[&str]| {
        let select: Vec<String> = select.iter().map(|s| (*s).to_owned()).collect();
        let ignore: Vec<String> = ignore.iter().map(|s| (*s).to_owned()).collect();
        codes(&check_with(&files, |r| {
            r.select = select;
            r.ignore = ignore;
        }))
    };
    assert_eq!(only(&[], &[]), ["PC201", "PC403"]);
    assert_eq!(only(&["PC4"], &[]), ["PC403"]);
    assert_eq!(only(&["pc201"], &[]), ["PC201"]);
    assert_eq!(only(&[], &["PC2"]), ["PC403"]);
    assert_eq!(only(&["PC"], &["PC403"]), ["PC201"]);

    for (select, ignore, option, code, help) in [
        (
            vec!["PC2011"],
            vec![],
            "select",
            "PC2011",
            Some("did you mean `PC201`?"),
        ),
        (
            vec![],
            vec!["route-selector-matches-nothing"],
            "ignore",
            "route-selector-matches-nothing",
            Some("did you mean `PC201`?"),
        ),
        (vec!["PC7"], vec![], "select", "PC7", None),
    ] {
        let error = try_check(&files, |r| {
            r.select = select.iter().map(|s| (*s).to_owned()).collect();
            r.ignore = ignore.iter().map(|s| (*s).to_owned()).collect();
        })
        .expect_err("an unknown code is an error");
        match &error {
            Error::UnknownRuleCode {
                option: o,
                code: c,
                help: h,
            } => {
                assert_eq!((*o, c.as_str(), h.as_deref()), (option, code, help));
            }
            other => panic!("unexpected error {other}"),
        }
        assert!(
            error.to_string().starts_with("unknown rule code"),
            "{error}"
        );
    }
}
