//! The rule registry: codes, docs, fixtures, and the generated rule pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod doc_excerpt;

use std::collections::BTreeSet;
use std::fmt::Write;

use portico::checks::docs::{index_page, rule_page};
use portico::checks::registry::{RETIRED, RULES};

/// `PC` and three digits.
fn is_code(code: &str) -> bool {
    code.len() == 5 && code.starts_with("PC") && code[2..].chars().all(|c| c.is_ascii_digit())
}

#[test]
fn codes_are_unique_well_formed_and_ordered() {
    let mut seen = BTreeSet::new();
    let mut previous = "";
    for rule in RULES {
        assert!(is_code(rule.code), "bad code {}", rule.code);
        assert!(seen.insert(rule.code), "duplicate code {}", rule.code);
        assert!(
            rule.code > previous,
            "registry out of order at {}",
            rule.code
        );
        previous = rule.code;
        assert!(
            rule.slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "slug {} is not kebab-case",
            rule.slug
        );
        for prefix in ["no-", "avoid-", "prefer-", "use-"] {
            assert!(
                !rule.slug.starts_with(prefix),
                "slug {} should name the problem",
                rule.slug
            );
        }
    }
    let slugs: BTreeSet<_> = RULES.iter().map(|r| r.slug).collect();
    assert_eq!(slugs.len(), RULES.len(), "duplicate slug");
}

/// A retired code is well formed, listed once with what became of it, and used by no rule.
#[test]
fn retired_codes_stay_retired() {
    let mut seen = BTreeSet::new();
    for (code, why) in RETIRED {
        assert!(is_code(code), "bad retired code {code}");
        assert!(seen.insert(*code), "{code} is retired twice");
        assert!(!why.trim().is_empty(), "{code} is retired without a reason");
        assert!(
            RULES.iter().all(|r| r.code != *code),
            "{code} is retired but a rule uses it again"
        );
    }
}

/// Every code, live and retired, with what identifies and governs it: a rule removed,
/// renumbered, renamed, moved between preview and stable or given another default severity
/// shows in review as a change to this table (cargo-deny's `codes_unique`).
#[test]
fn code_table() {
    let mut table = String::new();
    for rule in RULES {
        writeln!(
            table,
            "{:<6} {:<44} {:<8} {:<8} {}",
            rule.code,
            rule.slug,
            rule.default_severity.as_str(),
            rule.status.as_str(),
            rule.since
        )
        .unwrap();
    }
    for (code, why) in RETIRED {
        writeln!(table, "{code:<6} retired: {why}").unwrap();
    }
    insta::with_settings!({snapshot_path => "snapshots/registry", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("codes", table);
    });
}

/// Every rule names the release that added it: a version, and none later than this crate's.
#[test]
fn every_rule_says_which_release_added_it() {
    let version = |text: &str| -> Option<(u64, u64, u64)> {
        let mut parts = text.split('.').map(|p| p.parse().ok());
        let v = (parts.next()??, parts.next()??, parts.next()??);
        parts.next().is_none().then_some(v)
    };
    let current = version(env!("CARGO_PKG_VERSION")).unwrap();
    for rule in RULES {
        let since = version(rule.since)
            .unwrap_or_else(|| panic!("{}: since `{}` is not X.Y.Z", rule.code, rule.since));
        assert!(
            since <= current,
            "{}: since {} is after this release",
            rule.code,
            rule.since
        );
    }
}

#[test]
fn every_rule_is_documented() {
    for rule in RULES {
        let md = rule.markdown();
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(md.contains(heading), "{} lacks `{heading}`", rule.code);
        }
        assert!(!rule.summary().is_empty(), "{} has no summary", rule.code);
    }
}

/// Each code block of a rule's `## Example` is an excerpt of its `fail/` fixture, and of
/// `## Use instead` of its `pass/` fixture (see `doc_excerpt` for what an excerpt may leave
/// out), so the documentation shows what the rule is tested on.
#[test]
fn rule_examples_are_excerpts_of_their_fixtures() {
    use doc_excerpt::{Item, Outcome, blocks, find, fixture_files, items, parts};
    let mut compared = 0;
    let mut problems = Vec::new();
    for rule in RULES {
        let markdown = rule.markdown();
        let fixture = common::root()
            .join("testdata/rules")
            .join(format!("{}-{}", rule.code, rule.slug));
        for (heading, side) in [("## Example", "fail"), ("## Use instead", "pass")] {
            for block in blocks(&markdown, heading) {
                let files = fixture_files(&fixture.join(side), &block.lang);
                for part in parts(items(&block.text, &block.lang, true)) {
                    compared += 1;
                    // The file that holds the most of the part names the line that differs.
                    let mut closest: Option<(usize, &str)> = None;
                    for (name, lines) in &files {
                        match find(&part, lines) {
                            Outcome::Found => {
                                closest = None;
                                break;
                            }
                            Outcome::Missing(k) => {
                                if closest.is_none_or(|(best, _)| k > best) {
                                    closest = Some((k, name));
                                }
                            }
                        }
                    }
                    let Some((k, name)) = closest else {
                        continue;
                    };
                    let Item::Line(line) = &part[k] else {
                        unreachable!("a part is missing at one of its lines")
                    };
                    problems.push(format!(
                        "{} {heading}: line {} of the `{}` block, `{}`, is in no file of {side}/ \
                         where the lines before it are (closest: {side}/{name})",
                        rule.code, line.number, block.lang, line.text
                    ));
                }
            }
        }
    }
    assert!(compared > 100, "only {compared} example blocks found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The excerpt matching itself: what it lets documentation leave out, and what it catches.
#[test]
fn excerpt_matching_allows_omissions_and_catches_drift() {
    use doc_excerpt::{Item, Outcome, find, items};
    let fixture = "\
# a comment
spec:
  hosts: [api.example.com]
  http:
    - name: pets-api
      matchers:
        - uri: {prefix: /pets}
      forwardTo:
        destinations:
          - ref: {name: pets, namespace: petstore}
    - name: users-api # portico-ignore: PC201 -- kept
      matchers:
        - uri: {prefix: /users}
";
    let lines: Vec<_> = items(fixture, "yaml", false)
        .into_iter()
        .filter_map(|i| match i {
            Item::Line(line) => Some(line),
            Item::Gap => None,
        })
        .collect();
    let missing = |doc: &str| {
        let part = items(doc, "yaml", true);
        match find(&part, &lines) {
            Outcome::Found => None,
            Outcome::Missing(k) => match &part[k] {
                Item::Line(line) => Some(line.text.clone()),
                Item::Gap => Some("…".to_owned()),
            },
        }
    };
    // Siblings left out, a block that starts inside a list item, comments, elisions.
    for excerpt in [
        "http:\n  - name: users-api # portico-ignore: PC201 -- kept\n    matchers:\n",
        "name: pets-api\nforwardTo:\n  destinations:\n",
        "spec:   # the table\n  http:\n    - name: pets-api\n",
        "- ref: {name: pets, …}\n",
        "spec:\n  hosts: […]\n  # …\n        - uri: {prefix: /users}\n",
    ] {
        assert_eq!(missing(excerpt), None, "{excerpt}");
    }
    // A changed value, a missing or changed directive, lines out of order, a line under the
    // wrong parent, a flow mapping that is not the fixture's.
    for (drift, line) in [
        (
            "http:\n  - name: pets-api\n    matchers:\n      - uri: {prefix: /users}\n",
            "uri: {prefix: /users}",
        ),
        ("- name: users-api\n  matchers:\n", "name: users-api"),
        (
            "name: users-api # portico-ignore: PC202 -- kept\n",
            "name: users-api # portico-ignore: PC202 -- kept",
        ),
        ("- name: pets-api\n  forwardTo:\n  matchers:\n", "matchers:"),
        (
            "spec:\n  http:\n  hosts: [api.example.com]\n",
            "hosts: [api.example.com]",
        ),
        (
            "destinations:\n  - ref: {name: pets}\n",
            "ref: {name: pets}",
        ),
    ] {
        assert_eq!(missing(drift).as_deref(), Some(line), "{drift}");
    }
}

#[test]
fn every_rule_has_fixtures_and_every_fixture_a_rule() {
    let dir = common::root().join("testdata/rules");
    let dirs: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = RULES
        .iter()
        .map(|r| format!("{}-{}", r.code, r.slug))
        .collect();
    let missing: Vec<_> = expected.difference(&dirs).collect();
    let stray: Vec<_> = dirs.difference(&expected).collect();
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");
    assert!(stray.is_empty(), "fixtures without a rule: {stray:?}");
    for name in &expected {
        for side in ["pass", "fail"] {
            assert!(
                dir.join(name).join(side).is_dir(),
                "{name}/{side} is missing"
            );
        }
    }
}

/// The triage pass reports exactly the rules about suppressions and the baseline, and no other
/// rule has a check function that would have to know about them.
#[test]
fn triage_reports_the_suppression_and_baseline_rules() {
    let triage: Vec<&str> = RULES
        .iter()
        .filter(|r| matches!(r.check, portico::checks::Check::Triage))
        .map(|r| r.code)
        .collect();
    assert_eq!(triage, ["PC903", "PC904", "PC905", "PC906"]);
    assert!(
        RULES
            .iter()
            .any(|r| matches!(r.check, portico::checks::Check::Trees(_)))
    );
}

#[test]
fn rule_pages_are_current() {
    let docs = common::root().join("docs/rules");
    for rule in RULES {
        common::assert_generated(&docs.join(format!("{}.md", rule.code)), &rule_page(rule));
    }
    common::assert_generated(&docs.join("README.md"), &index_page());
    let pages: BTreeSet<String> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    let expected: BTreeSet<String> = RULES.iter().map(|r| format!("{}.md", r.code)).collect();
    assert_eq!(
        pages, expected,
        "docs/rules holds pages for codes that no longer exist"
    );
}

#[test]
fn schemas_are_current() {
    use portico::schema::kind::SchemaKind;
    use portico::schema_text;
    let dir = common::root().join("schemas");
    for kind in SchemaKind::ALL {
        common::assert_generated(&dir.join(kind.file_name()), &schema_text(kind));
    }
}

/// The README's architecture table names modules that exist, in the order `src/lib.rs` gives
/// the pipeline, and lists every stage directory under `src/`.
#[test]
fn architecture_table_matches_the_code() {
    let root = common::root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let table = readme
        .split("## Architecture")
        .nth(1)
        .and_then(|rest| {
            rest.split("\n\n")
                .find(|block| block.starts_with("| stage"))
        })
        .unwrap();
    let mut stages = Vec::new();
    for line in table.lines().skip(2) {
        let cells: Vec<&str> = line.split(" | ").collect();
        let module = cells[1].trim_matches('`');
        let path = module
            .split(['`', '<'])
            .next()
            .unwrap()
            .trim_end_matches('/');
        assert!(
            root.join(path).exists(),
            "README names {path}, which does not exist"
        );
        stages.push(cells[0].trim_start_matches("| ").to_owned());
    }
    for entry in std::fs::read_dir(root.join("src")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                stages.contains(&name),
                "src/{name} is missing from the README table"
            );
        }
    }
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let doc: String = lib
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join(" ");
    let order: Vec<usize> = stages
        .iter()
        .filter_map(|s| doc.find(&format!("[`{s}`]")))
        .collect();
    assert!(order.len() >= 8, "src/lib.rs names {} stages", order.len());
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "src/lib.rs gives the stages in another order than the README: {stages:?}"
    );
}

/// Data flows one way: no two of the pipeline's top-level modules import each other, directly
/// or through others (paths `crate::<module>` outside `#[cfg(test)]`), and the rules import
/// neither the emitter nor the triage pass.
#[test]
fn the_stages_import_each_other_one_way() {
    const STAGES: [&str; 10] = [
        "load", "schema", "model", "rego", "access", "checks", "triage", "emit", "report", "config",
    ];
    let src = common::root().join("src");
    let mut edges: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        std::collections::BTreeMap::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let relative = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let top = relative.split('/').next().unwrap().trim_end_matches(".rs");
        let Some(from) = STAGES.iter().find(|s| **s == top) else {
            continue;
        };
        if !relative.ends_with(".rs") || relative.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if let Some(to) = STAGES.iter().find(|s| **s == name)
                    && to != from
                {
                    edges.entry(from).or_default().insert(to);
                }
            }
        }
    }
    for banned in ["emit", "triage"] {
        assert!(
            !edges.get("checks").is_some_and(|to| to.contains(banned)),
            "checks imports {banned}"
        );
    }
    // A module that reaches itself through its imports closes a cycle.
    for start in STAGES {
        let mut seen = std::collections::BTreeSet::new();
        let mut next: Vec<&str> = edges.get(start).into_iter().flatten().copied().collect();
        while let Some(module) = next.pop() {
            assert_ne!(
                module, start,
                "{start} imports itself through {seen:?}: {edges:?}"
            );
            if seen.insert(module) {
                next.extend(edges.get(module).into_iter().flatten().copied());
            }
        }
    }
}
