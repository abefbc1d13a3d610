//! `check --format sarif|github|json` and `rules --format json` as their consumers read them:
//! SARIF against the OASIS schema, workflow commands through the Actions runner's unescaping,
//! the job summary as GitHub receives it, and one document on stdout for every format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use portico::checks::registry::RULES;
use serde_json::Value;

const BROKEN: &str = "testdata/repos/portal-okta-broken";
const CLEAN: &str = "testdata/repos/portal-okta";

/// Runs the binary from the crate root, outside GitHub Actions unless `env` says otherwise.
fn portico(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portico"));
    cmd.args(args)
        .current_dir(common::root())
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Parses stdout as exactly one JSON document: serde_json rejects anything after it.
fn one_document(out: &Output) -> Value {
    let text = stdout(out);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{text}"))
}

fn snapshot(name: &str, text: &str) {
    // The driver's version changes with every release; what matters is that it is there.
    let version = env!("CARGO_PKG_VERSION");
    let text = text
        .replace(
            &format!(r#""version": "{version}","#),
            r#""version": "[version]","#,
        )
        .replace(
            &format!(r#""semanticVersion": "{version}","#),
            r#""semanticVersion": "[version]","#,
        );
    insta::with_settings!({snapshot_path => "snapshots/formats", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

/// The SARIF 2.1.0 schema validator, or `None` (skipped) when the schema is not beside the
/// repository.
fn sarif_validator() -> Option<jsonschema::Validator> {
    let path = common::shared_path("reference/sarif-schema-2.1.0.json")?;
    let text = std::fs::read_to_string(&path).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    Some(
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap(),
    )
}

fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF of {what} does not match the 2.1.0 schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_of_the_broken_example_is_valid_and_complete() {
    let out = portico(&["check", "--format", "sarif", BROKEN], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing but the document is written");
    let log = one_document(&out);
    let Some(validator) = sarif_validator() else {
        return;
    };
    assert_valid_sarif(&validator, &log, BROKEN);
    // The schema does constrain: SARIF has no level "info".
    let mut wrong = log.clone();
    wrong["runs"][0]["results"][0]["level"] = "info".into();
    assert!(!validator.is_valid(&wrong));
    snapshot("broken_sarif", &stdout(&out));

    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "portico");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));

    // Every rule, in registry order, with its documentation and default level.
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for (descriptor, rule) in rules.iter().zip(RULES) {
        assert_eq!(descriptor["id"], rule.code);
        assert_eq!(descriptor["name"], rule.slug);
        assert_eq!(
            descriptor["helpUri"],
            format!(
                "https://github.com/portico-dev/portico/blob/main/docs/rules/{}.md",
                rule.code
            )
        );
        let level = match rule.default_severity.as_str() {
            "info" => "note",
            other => other,
        };
        assert_eq!(descriptor["defaultConfiguration"]["level"], level);
        let short = descriptor["shortDescription"]["text"].as_str().unwrap();
        let full = descriptor["fullDescription"]["text"].as_str().unwrap();
        assert!(
            !short.is_empty() && short.ends_with('.'),
            "{}: {short}",
            rule.code
        );
        assert!(full.starts_with(short), "{}: {full}", rule.code);
        // (The page the URI names is generated and drift-tested by tests/registry.rs.)
        assert!(full.starts_with(&rule.summary()), "{}: {full}", rule.code);
    }

    // The results are the JSON report's diagnostics, one for one, at the same places.
    let json = one_document(&portico(&["check", "--format", "json", BROKEN], &[]));
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), diagnostics.len());
    let mut fingerprints = BTreeSet::new();
    for (r, d) in results.iter().zip(diagnostics) {
        assert_eq!(r["ruleId"], d["code"]);
        let index = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(
            rules[index]["id"], r["ruleId"],
            "ruleIndex points at the rule"
        );
        let level = match d["severity"].as_str().unwrap() {
            "info" => "note",
            other => other,
        };
        assert_eq!(r["level"], level);
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.starts_with(d["message"].as_str().unwrap()), "{text}");
        if let Some(help) = d["help"].as_str() {
            assert!(text.ends_with(&format!("help: {help}")), "{text}");
        }
        let location = &r["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], d["file"]);
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &location["region"];
        assert_eq!(region["startLine"], d["line"]);
        assert_eq!(region["startColumn"], d["column"]);
        assert_eq!(region["endLine"], d["endLine"]);
        assert_eq!(region["endColumn"], d["endColumn"]);
        let related = d["related"].as_array().cloned().unwrap_or_default();
        let sarif_related = r["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(sarif_related.len(), related.len());
        for (s, j) in sarif_related.iter().zip(&related) {
            assert_eq!(s["message"]["text"], j["message"]);
            let loc = &s["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uri"], j["file"]);
            assert_eq!(loc["region"]["startLine"], j["line"]);
            assert_eq!(loc["region"]["startColumn"], j["column"]);
        }
        let fingerprint = r["partialFingerprints"]["portico/v1"].as_str().unwrap();
        assert!(fingerprints.insert(fingerprint.to_owned()), "{fingerprint}");
    }
    // The example has cross-file findings; make sure they are among those compared.
    assert!(results.iter().any(|r| r["relatedLocations"].is_array()));
}

/// Fingerprints of a run, by rule and start line.
fn fingerprints(dir: &Path) -> Vec<(String, u64, String)> {
    let out = portico(&["check", "--format", "sarif", dir.to_str().unwrap()], &[]);
    let log = one_document(&out);
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
                r["partialFingerprints"]["portico/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_do_not_depend_on_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&common::root().join(BROKEN), dir.path());
    let before = fingerprints(dir.path());
    // Push every finding in the policy file down by three lines.
    let policy = dir.path().join("auth/ext-auth-policy.yaml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, format!("# moved\n# down\n# three lines\n{text}")).unwrap();
    let after = fingerprints(dir.path());
    assert_eq!(before.len(), after.len());
    let mut moved = 0;
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.0, a.0);
        assert_eq!(b.2, a.2, "{} moved from line {} to {}", b.0, b.1, a.1);
        if a.1 == b.1 + 3 {
            moved += 1;
        }
    }
    assert!(moved >= 3, "the edit moved findings: {before:?} {after:?}");
}

#[test]
fn sarif_is_valid_for_every_rule_fixture_and_stdin() {
    let Some(validator) = sarif_validator() else {
        return;
    };
    // Every rule's failing fixture: the widest variety of messages, spans and related
    // locations there is. (tests/registry.rs makes sure each rule has one.)
    let mut fixtures: Vec<_> = std::fs::read_dir(common::root().join("testdata/rules"))
        .unwrap()
        .map(|e| e.unwrap().path().join("fail"))
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 60, "{fixtures:?}");
    for dir in &fixtures {
        let out = portico(&["check", "--format", "sarif", dir.to_str().unwrap()], &[]);
        assert_eq!(stderr(&out), "", "{}", dir.display());
        let log = one_document(&out);
        assert_valid_sarif(&validator, &log, &dir.display().to_string());
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{}", dir.display());
    }

    let clean = portico(&["check", "--format", "sarif", CLEAN], &[]);
    assert_eq!(clean.status.code(), Some(0));
    let log = one_document(&clean);
    assert_valid_sarif(&validator, &log, CLEAN);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));

    // Standard input has no file to point at: its name is a valid relative reference.
    let text = std::fs::read_to_string(
        common::root()
            .join(BROKEN)
            .join("auth/ext-auth-policy.yaml"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(["check", "--format", "sarif", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let log = one_document(&out);
    assert_valid_sarif(&validator, &log, "stdin");
    let location = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "%3Cstdin%3E");
}

/// Splits a workflow command as the Actions runner does and unescapes it.
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let rest = line.strip_prefix("::").unwrap();
    let (head, data) = rest.split_once("::").unwrap();
    let (command, props) = head.split_once(' ').unwrap();
    let unescape_data = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%25", "%")
    };
    let unescape_property = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let props = props
        .split(',')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap();
            (k.to_owned(), unescape_property(v))
        })
        .collect();
    (command.to_owned(), props, unescape_data(data))
}

#[test]
fn github_annotations_of_the_broken_example() {
    let out = portico(&["check", "--format", "github", BROKEN], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    snapshot("broken_github", &text);

    let json = one_document(&portico(&["check", "--format", "json", BROKEN], &[]));
    let diagnostics = json["diagnostics"].as_array().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), diagnostics.len(), "one command per finding");
    for (line, d) in lines.iter().zip(diagnostics) {
        let (command, props, message) = parse_command(line);
        let expected = match d["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        assert_eq!(command, expected);
        let keys: Vec<&str> = props.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["file", "line", "col", "endLine", "endColumn", "title"]
        );
        let value = |k: &str| props.iter().find(|(p, _)| p == k).unwrap().1.clone();
        assert_eq!(value("file"), d["file"].as_str().unwrap());
        assert_eq!(value("line"), d["line"].to_string());
        assert_eq!(value("col"), d["column"].to_string());
        assert_eq!(value("endLine"), d["endLine"].to_string());
        assert_eq!(value("endColumn"), d["endColumn"].to_string());
        assert_eq!(value("title"), d["code"].as_str().unwrap());
        // The message survives the round trip, `%` and line breaks included.
        let mut expected = d["message"].as_str().unwrap().to_owned();
        if let Some(help) = d["help"].as_str() {
            expected.push_str(&format!("\nhelp: {help}"));
        }
        for r in d["related"].as_array().into_iter().flatten() {
            expected.push_str(&format!(
                "\nrelated: {}:{}:{}: {}",
                r["file"].as_str().unwrap(),
                r["line"],
                r["column"],
                r["message"].as_str().unwrap()
            ));
        }
        assert_eq!(message, expected);
    }
}

#[test]
fn github_notices_for_infos() {
    // PC502 is an info: GitHub's lowest annotation level is a notice.
    let out = portico(
        &[
            "check",
            "--format",
            "github",
            "testdata/rules/PC502-rego-v0-syntax/fail",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(!text.is_empty());
    for line in text.lines() {
        assert!(line.starts_with("::notice file="), "{line}");
    }
}

#[test]
fn github_job_summary_is_appended_when_actions_asks_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("step_summary.md");
    // Earlier steps of the job may have written to the same file: portico appends.
    std::fs::write(&summary, "earlier step\n\n").unwrap();
    let out = portico(
        &["check", "--format", "github", BROKEN],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "");
    // stdout is the same with or without a summary.
    let without = portico(&["check", "--format", "github", BROKEN], &[]);
    assert_eq!(stdout(&out), stdout(&without));

    let text = std::fs::read_to_string(&summary).unwrap();
    let ours = text.strip_prefix("earlier step\n\n").unwrap();
    snapshot("broken_github_summary", ours);
    assert!(ours.contains("| 3 | 1 | 0 | 7 | 6 |"), "{ours}");
    let json = one_document(&portico(&["check", "--format", "json", BROKEN], &[]));
    for d in json["diagnostics"].as_array().unwrap() {
        let code = d["code"].as_str().unwrap();
        let row = format!(
            "| {} | [{code}](https://github.com/portico-dev/portico/blob/main/docs/rules/{code}.md) | `{}:{}:{}` |",
            d["severity"].as_str().unwrap(),
            d["file"].as_str().unwrap(),
            d["line"],
            d["column"]
        );
        assert!(ours.contains(&row), "{row}\n{ours}");
    }

    // A clean run says so; the file keeps both summaries.
    let out = portico(
        &["check", "--format", "github", CLEAN],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with(&format!("earlier step\n\n{ours}")));
    assert!(text.ends_with("No findings.\n\n"), "{text}");

    // Other formats never write the summary.
    let before = std::fs::read_to_string(&summary).unwrap();
    portico(
        &["check", "--format", "sarif", BROKEN],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), before);
}

#[test]
fn an_unwritable_summary_is_a_warning_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    // A directory cannot be opened for appending.
    let out = portico(
        &["check", "--format", "github", CLEAN],
        &[("GITHUB_STEP_SUMMARY", dir.path())],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).starts_with("portico: warning: cannot write the job summary"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_format_writes_one_document_on_stdout() {
    for format in ["json", "sarif"] {
        for dir in [CLEAN, BROKEN] {
            let out = portico(&["check", "--format", format, dir], &[]);
            one_document(&out);
            assert_eq!(stderr(&out), "", "{format} {dir}");
        }
    }
    // The JSON report keeps its version-1 shape (PRODUCT §5), with one key added to the
    // summary: the Gloo Platform release the API was read at (issue 18).
    let json = one_document(&portico(&["check", "--format", "json", BROKEN], &[]));
    assert_eq!(json["version"], 1);
    let keys: Vec<&String> = json["summary"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "errors",
            "warnings",
            "infos",
            "files",
            "resources",
            "glooVersion"
        ]
    );
    assert_eq!(json["summary"]["glooVersion"], "2.7");
    for format in ["human", "github"] {
        let out = portico(&["check", "--format", format, BROKEN], &[]);
        assert_eq!(stderr(&out), "", "{format}");
    }
}

#[test]
fn rules_as_json() {
    let out = portico(&["rules", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let rules = one_document(&out);
    let rules = rules.as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for (listed, rule) in rules.iter().zip(RULES) {
        let keys: Vec<&String> = listed.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["code", "slug", "severity", "summary", "helpUri"]);
        assert_eq!(listed["code"], rule.code);
        assert_eq!(listed["slug"], rule.slug);
        assert_eq!(listed["severity"], rule.default_severity.as_str());
        assert_eq!(listed["summary"], rule.summary());
        assert_eq!(
            listed["helpUri"],
            portico::report::help_uri(rule.code).as_str()
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
