//! Issue 16, YAML cost and output that can be trusted: what a hostile repository does to the
//! YAML reader's cost (anchors, aliases, merge keys) and to every report format (findings
//! without end, lines of megabytes, CR line endings, credentials in URLs, terminal escape
//! sequences). Each is bounded, reported, or shown harmlessly; the policy beside it is always
//! still checked. Boundedness is proved by outcome (a finding, a capped count, a size), never
//! by timing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{POLICY_WITH_TYPO, ROUTES};
use portico::findings_cap::{PER_FILE, PER_RESOURCE};
use serde_json::Value;

/// A repository holding the policy with a typo, its routes, and `files`.
fn repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yaml"), POLICY_WITH_TYPO).unwrap();
    std::fs::write(dir.path().join("routes.yaml"), ROUTES).unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

/// Runs `portico check --format FORMAT DIR` as a user's shell would, with `NO_COLOR` set:
/// stdout as bytes, and the GitHub job summary when the format is `github`.
fn run(dir: &Path, format: &str) -> (Vec<u8>, String) {
    let summary = dir.join("step-summary.md");
    let out = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(["check", "--format", format])
        .arg(dir)
        .env("NO_COLOR", "1")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{format}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary_text = std::fs::read_to_string(&summary).unwrap_or_default();
    let _ = std::fs::remove_file(&summary);
    (out.stdout, summary_text)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// `(file, code)` of every diagnostic of a check, asserting the policy's PC201 is among them.
fn codes(result: &portico::CheckResult) -> Vec<(String, &'static str)> {
    common::codes_beside_policy(result)
}

// ---- 22: anchors and aliases ----

/// 250 levels of anchored sequences per key, never aliased: each anchor was copied whole,
/// which made a file like this (a tenth of the one reported) take hundreds of megabytes. It is
/// now read without a finding (that the anchor is shared, not copied, is pinned by
/// `load::yaml`'s `an_alias_shares_its_anchors_collection`).
#[test]
fn nested_anchors_without_aliases_are_read() {
    let mut chains = String::new();
    for chain in 0..80 {
        chains.push_str(&format!("c{chain}: "));
        for level in 0..250 {
            chains.push_str(&format!("&c{chain}_{level} [x, "));
        }
        chains.push('x');
        chains.push_str(&"]".repeat(250));
        chains.push('\n');
    }
    assert!(chains.len() > 200_000);
    let dir = repo(&[("chains.yaml", chains.as_bytes())]);
    let found = codes(&common::check_path(dir.path()));
    assert!(!found.iter().any(|(f, _)| f == "chains.yaml"), "{found:?}");
}

/// One document of an alias bomb expanding to 141,000 nodes, under the old per-document
/// budget of 200,000, repeated 200 times: 1.2 GB and no finding before. The budget is the
/// file's: the documents past it are refused (PC004), each where its expansion passed it.
#[test]
fn the_alias_budget_is_the_files_not_each_documents() {
    let mut bomb = String::from("---\na0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for k in 1..5 {
        let previous = format!("*a{}", k - 1);
        bomb.push_str(&format!("a{k}: &a{k} [{}]\n", vec![previous; 9].join(", ")));
    }
    bomb.push_str("last: *a4\n");
    let file = bomb.repeat(200);
    let budget = portico::load::yaml::alias_budget(file.len());
    let dir = repo(&[("bombs.yaml", file.as_bytes())]);
    let result = common::check_path(dir.path());
    let found = codes(&result);
    let refused = found
        .iter()
        .filter(|(f, c)| f == "bombs.yaml" && *c == "PC004")
        .count();
    // Each document charges 9 × (10 + 91 + 820 + 7,381) + 66,430 = 141,148 nodes: the
    // file's budget (10,000 + 4 per byte) lets the first documents through, the alias that
    // passes it ends the next one, and every later document is refused at its first alias.
    let within = budget / 141_148;
    assert!((1..200).contains(&within), "budget {budget}");
    assert_eq!(refused, 200 - within, "budget {budget}: {found:?}");
    let message = result
        .diagnostics
        .iter()
        .find(|d| d.code == "PC004")
        .map(|d| d.finding.message.clone())
        .unwrap();
    assert!(message.contains(&format!("{budget} nodes")), "{message}");
}

/// A mapping of 90,000 keys merging one of 90,000 (`<<: *base`): 45 s before, a scan of the
/// output per merged key. Read, merged, no finding.
#[test]
fn merge_keys_of_ninety_thousand_keys_are_read() {
    let n = 90_000;
    let mut text = String::from("base: &base\n");
    for i in 0..n {
        text.push_str(&format!("  k{i}: {i}\n"));
    }
    text.push_str("derived:\n  <<: *base\n");
    for i in 0..n {
        text.push_str(&format!("  o{i}: {i}\n"));
    }
    let file = portico::load::source::SourceFile::new("m.yaml".into(), "m.yaml".into(), text);
    let parsed = portico::load::yaml::parse(&file);
    assert_eq!(parsed.problems, Vec::new());
    let derived = parsed.documents[0].root.get("derived").unwrap();
    match &derived.value {
        portico::load::node::Value::Map(entries) => assert_eq!(entries.len(), 2 * n),
        other => panic!("{other:?}"),
    }
}

// ---- 24: findings without end ----

/// `hosts: [1,1,…]` on one line of 200 kB: 100,000 PC101 in one resource. Every format shows
/// the first `PER_RESOURCE`, the last of them says how many more there are, and the summary
/// counts them; the human report stays small (it was the whole line once per finding).
#[test]
fn a_hundred_thousand_findings_are_capped_in_every_format() {
    let n = 100_000;
    let hosts = format!(
        "apiVersion: networking.gloo.solo.io/v2\nkind: RouteTable\nmetadata: {{name: rt, namespace: ns}}\nspec:\n  hosts: [{}]\n",
        vec!["1"; n].join(",")
    );
    let dir = repo(&[("hosts.yaml", hosts.as_bytes())]);
    let more = format!("and {} more PC101 in RouteTable/ns/rt", n - PER_RESOURCE);

    let (json, _) = run(dir.path(), "json");
    let report: Value = serde_json::from_slice(&json).unwrap();
    let pc101: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "PC101")
        .collect();
    assert_eq!(pc101.len(), PER_RESOURCE);
    assert_eq!(pc101.last().unwrap()["note"], Value::from(more.clone()));
    assert_eq!(report["summary"]["capped"], Value::from(n - PER_RESOURCE));
    assert_eq!(report["summary"]["errors"], Value::from(PER_RESOURCE + 1));

    let (sarif, _) = run(dir.path(), "sarif");
    let sarif: Value = serde_json::from_slice(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.iter().filter(|r| r["ruleId"] == "PC101").count(),
        PER_RESOURCE
    );
    assert!(
        results
            .iter()
            .any(|r| r["message"]["text"].as_str().unwrap().ends_with(&more))
    );

    let (github, summary) = run(dir.path(), "github");
    let github = text(&github);
    assert_eq!(github.matches("title=PC101::").count(), PER_RESOURCE);
    assert!(github.contains(&format!("%0Anote: {more}")), "{github}");
    assert!(
        summary.contains(&format!(
            "{} more findings are not reported",
            n - PER_RESOURCE
        )),
        "{summary}"
    );

    let (human, _) = run(dir.path(), "human");
    let human = text(&human);
    assert!(human.contains(&format!("(note: {more})")), "{human}");
    assert!(
        human.contains(&format!("{} more findings not shown", n - PER_RESOURCE)),
        "{}",
        &human[human.len().saturating_sub(400)..]
    );
    // 51 findings of a few lines each, the long line cut to a window around each label.
    assert!(human.len() < 100_000, "{} bytes", human.len());
}

/// Twice `PER_FILE` findings of one rule in one file, each in its own resource (no resource
/// reaches its cap): the file's cap holds.
#[test]
fn the_cap_per_file_holds_across_resources() {
    let mut text = String::new();
    for i in 0..2 * PER_FILE {
        text.push_str(&format!(
            "---\napiVersion: networking.gloo.solo.io/v2\nkind: RouteTable\nmetadata: {{name: rt{i}, namespace: ns}}\nspec:\n  hosts: [1]\n"
        ));
    }
    let dir = repo(&[("many.yaml", text.as_bytes())]);
    let result = common::check_path(dir.path());
    let shown: Vec<_> = result
        .diagnostics
        .iter()
        .filter(|d| d.code == "PC101")
        .collect();
    assert_eq!(shown.len(), PER_FILE);
    assert_eq!(result.summary.capped, PER_FILE);
    assert_eq!(
        shown.last().unwrap().finding.note.as_deref(),
        Some(format!("and {PER_FILE} more PC101 in this file").as_str())
    );
    // The baseline records every finding, shown or not.
    let baseline = result.baseline();
    let recorded = baseline
        .entries
        .iter()
        .filter(|e| e.code == "PC101")
        .count();
    assert_eq!(recorded, 2 * PER_FILE);
}

/// One finding 300 kB into a line: the human report shows a window around it, and its header
/// says the same line and column as the JSON report.
#[test]
fn a_finding_far_into_a_long_line_shows_a_window() {
    let hosts = format!(
        "apiVersion: networking.gloo.solo.io/v2\nkind: RouteTable\nmetadata: {{name: rt, namespace: ns}}\nspec:\n  hosts: [{}, 7]\n",
        vec!["a.example.com"; 20_000].join(", ")
    );
    let dir = repo(&[("long.yaml", hosts.as_bytes())]);
    let (json, _) = run(dir.path(), "json");
    let report: Value = serde_json::from_slice(&json).unwrap();
    let d = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"] == "long.yaml")
        .unwrap();
    let (line, column) = (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap());
    assert_eq!(line, 5);
    assert!(column > 300_000, "{column}");
    let (human, _) = run(dir.path(), "human");
    let human = text(&human);
    assert!(
        human.contains(&format!("[long.yaml:{line}:{column}]")),
        "{human}"
    );
    // The line from a little before the label, the elided start marked.
    assert!(human.contains(" 5 │ …"), "{human}");
    assert!(human.contains("a.example.com, 7]\n"), "{human}");
    assert!(human.len() < 10_000, "{} bytes", human.len());
}

// ---- 26: CR line endings ----

/// The policy with its lines ended by CR alone, as YAML 1.2 allows: every format reports
/// PC201 on the line and column it has with LF endings (JSON, SARIF and GitHub said line 1).
#[test]
fn cr_line_endings_give_the_same_positions_in_every_format() {
    let lf = repo(&[]);
    let (json, _) = run(lf.path(), "json");
    let expected = pc201_position(&serde_json::from_slice(&json).unwrap());
    assert!(expected.0 > 1, "{expected:?}");

    let cr = tempfile::tempdir().unwrap();
    std::fs::write(
        cr.path().join("policy.yaml"),
        POLICY_WITH_TYPO.replace('\n', "\r"),
    )
    .unwrap();
    std::fs::write(cr.path().join("routes.yaml"), ROUTES.replace('\n', "\r")).unwrap();
    let (line, column) = expected;

    let (json, _) = run(cr.path(), "json");
    assert_eq!(
        pc201_position(&serde_json::from_slice(&json).unwrap()),
        expected
    );

    let (sarif, _) = run(cr.path(), "sarif");
    let sarif: Value = serde_json::from_slice(&sarif).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "PC201")
        .unwrap();
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(line), Some(column))
    );

    let (github, _) = run(cr.path(), "github");
    assert!(
        text(&github).contains(&format!("file=policy.yaml,line={line},col={column},")),
        "{}",
        text(&github)
    );

    let (human, _) = run(cr.path(), "human");
    let human = text(&human);
    assert!(
        human.contains(&format!("[policy.yaml:{line}:{column}]")),
        "{human}"
    );
    // The snippet shows the lines one by one, numbered like the report, not one line with
    // carriage returns in it.
    assert!(!human.contains('\r'), "{human:?}");
    assert!(
        human.contains(&format!(" {line} │ ")),
        "the snippet numbers the line: {human}"
    );
}

fn pc201_position(report: &Value) -> (u64, u64) {
    let d = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "PC201")
        .unwrap();
    (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
}

// ---- 28: credentials in URLs ----

/// A JWKS URL over plain http with a user name and password: PC403 (plain http) and PC408
/// (credentials) fire, and the password appears in no format, no job summary and no baseline.
#[test]
fn a_password_in_a_url_reaches_no_report() {
    let policy = POLICY_WITH_TYPO.to_owned()
        + "  config:\n    glooAuth:\n      configs:\n        - oauth2:\n            accessTokenValidation:\n              jwt:\n                remoteJwks:\n                  url: http://portal:s3cr3t-pw@idp.example.com/keys\n";
    let dir = repo(&[("policy.yaml", policy.as_bytes())]);
    let result = common::check_path(dir.path());
    let found = codes(&result);
    for code in ["PC403", "PC408"] {
        assert!(
            found.contains(&("policy.yaml".to_owned(), code)),
            "{code}: {found:?}"
        );
    }
    let pc403 = result
        .diagnostics
        .iter()
        .find(|d| d.code == "PC403")
        .unwrap();
    assert_eq!(
        pc403.finding.message,
        "remote JWKS URL `http://portal:***@idp.example.com/keys` uses plain http"
    );
    // PC408 points at the user information.
    let pc408 = result
        .diagnostics
        .iter()
        .find(|d| d.code == "PC408")
        .unwrap();
    assert_eq!(
        &policy[pc408.finding.span.range.clone()],
        "portal:s3cr3t-pw"
    );
    for format in ["human", "json", "sarif", "github"] {
        let (out, summary) = run(dir.path(), format);
        let out = text(&out);
        assert!(!out.contains("s3cr3t"), "{format}: {out}");
        assert!(!summary.contains("s3cr3t"), "{format} summary: {summary}");
        assert!(
            out.contains("portal:***@idp.example.com"),
            "{format}: {out}"
        );
    }
    let baseline = dir.path().join("baseline.json");
    let status = Command::new(env!("CARGO_BIN_EXE_portico"))
        .args(["check", "--write-baseline"])
        .arg(&baseline)
        .arg(dir.path())
        .stdin(Stdio::null())
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let written = std::fs::read_to_string(&baseline).unwrap();
    assert!(written.contains("PC408"), "{written}");
    assert!(!written.contains("s3cr3t"), "{written}");
}

// ---- 29: terminal escape sequences ----

/// Escape sequences in a file's contents, in a value a message quotes, and in a file name:
/// no format writes a control character other than line feed (and the human report's own
/// layout), even with `NO_COLOR`; JSON and SARIF escape them and read back the same text.
#[test]
#[cfg(unix)]
fn escape_sequences_reach_no_terminal() {
    // Set the title, clear the screen, write the clipboard; a C1 CSI; a bidi override.
    let attack = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}\u{9b}31m\u{202e}";
    // A raw control character is not YAML: PC001, whose snippet shows the line.
    let raw = format!("a: 1\nb: x{attack}y\n");
    // A double-quoted escape puts one in a value: the PC201 message quotes the label.
    let quoted = POLICY_WITH_TYPO.replace(
        "usagePlans: dev-portl}",
        "usagePlans: \"dev-portl\\e[2J\\e]0;pwned\\a\\u009b\\u202e\"}",
    );
    let name = format!("evil{attack}.yaml");
    let dir = repo(&[
        (name.as_str(), raw.as_bytes()),
        ("policy.yaml", quoted.as_bytes()),
    ]);
    let forbidden = |c: char| portico::diagnostic::escaped(c).is_some();
    for format in ["human", "github", "json", "sarif"] {
        let (out, summary) = run(dir.path(), format);
        let out = text(&out);
        let bad: Vec<char> = out.chars().filter(|&c| forbidden(c)).collect();
        assert!(bad.is_empty(), "{format}: {bad:?} in {out:?}");
        let bad: Vec<char> = summary.chars().filter(|&c| forbidden(c)).collect();
        assert!(bad.is_empty(), "{format} summary: {bad:?}");
        match format {
            "human" | "github" => {
                // Shown, not dropped: the reader sees what is there.
                assert!(out.contains("\\u{1b}]0;pwned\\u{7}"), "{format}: {out}");
                assert!(out.contains("\\u{202e}"), "{format}: {out}");
            }
            _ => {
                // Escaped JSON that reads back as the original text.
                assert!(out.contains("\\u001b]0;pwned\\u0007"), "{format}: {out}");
                let report: Value = serde_json::from_str(&out).unwrap();
                let mut all = Vec::new();
                strings(&report, &mut all);
                assert!(
                    all.iter().any(|s| s.contains("\u{1b}]0;pwned\u{7}")),
                    "{format}"
                );
                assert!(
                    all.iter()
                        .any(|s| s.contains('\u{9b}') && s.contains('\u{202e}')),
                    "{format}"
                );
            }
        }
    }
    let result = common::check_path(dir.path());
    let found = codes(&result);
    assert!(found.contains(&(name.clone(), "PC001")), "{found:?}");
}

/// Every string of a JSON document, keys included.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}
