//! Hostile Rego (issue 16): a repository's Rego is untrusted input. Memory bombs, recursion,
//! slow policies and expensive modules each get a diagnostic in bounded time and memory, never
//! an abort; the clock and randomness never change a decision between runs. The fixtures are
//! the repositories under `testdata/hostile/rego-*/`, each saying what it reproduces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use portico::access::{Budgets, Matrix, MatrixInput, evaluate_within};
use serde_json::Value as Json;

/// What one run of the binary did.
struct Run {
    /// The exit code; `None` when a signal ended it (an abort is SIGABRT).
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs `portico ARGS` with a wall-time bound (`deadline`, then it is killed and the test
/// fails) and, as a safety net for the machine only, 8 GiB of address space: the product must
/// bound itself well below it (each test checks the peak it reports).
fn run(args: &[&str], deadline: Duration) -> Run {
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 8388608; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_portico"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("portico {args:?} ran past {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        took: started.elapsed(),
    }
}

fn hostile(name: &str) -> String {
    common::root()
        .join("testdata/hostile")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// `portico check --format json --timings` on a fixture: the diagnostics, and the peak memory
/// in MiB the run reports (Linux).
fn check(dir: &str, deadline: Duration) -> (Run, Vec<Json>, f64) {
    let run = run(&["check", "--format", "json", "--timings", dir], deadline);
    assert!(
        matches!(run.code, Some(0 | 1)),
        "{dir}: exit {:?} (a signal ends it with none)\n{}",
        run.code,
        run.stderr
    );
    let report: Json = serde_json::from_str(&run.stdout).unwrap();
    let diagnostics = report["diagnostics"].as_array().unwrap().clone();
    let peak = run
        .stderr
        .lines()
        .filter(|l| l.trim_end().ends_with("total"))
        .find_map(|l| {
            let mut words = l.split_whitespace();
            while let Some(w) = words.next() {
                if words.clone().next() == Some("MiB") {
                    return words.next().and(w.parse::<f64>().ok());
                }
            }
            None
        })
        .unwrap_or(0.0);
    (run, diagnostics, peak)
}

fn with_code<'a>(diagnostics: &'a [Json], code: &str) -> Vec<&'a Json> {
    diagnostics.iter().filter(|d| d["code"] == code).collect()
}

#[test]
fn memory_bombs_are_refused_at_the_call() {
    // Before: SIGABRT (exit 134) with no report, 3 to 5 GB, or 42 s and 2 GB.
    for (fixture, says, line) in [
        (
            "rego-memory-range",
            "`numbers.range(1, 2000000000)` would make 2000000000 elements",
            36,
        ),
        (
            "rego-memory-string-doubling",
            "`concat` would make about",
            56,
        ),
        (
            "rego-memory-array-doubling",
            "`array.concat` would make 2097152 elements",
            54,
        ),
        (
            "rego-memory-sprintf-width",
            "width or precision 999999999 is over 1000000",
            36,
        ),
    ] {
        let (run, diagnostics, peak) = check(&hostile(fixture), Duration::from_secs(120));
        assert_eq!(run.code, Some(1), "{fixture}");
        let found = with_code(&diagnostics, "PC513");
        assert_eq!(found.len(), 1, "{fixture}: {diagnostics:#?}");
        let message = found[0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{fixture}: {message}");
        // At the call, in the ConfigMap.
        assert_eq!(found[0]["line"], line, "{fixture}: {message}");
        assert!(peak > 0.0, "{fixture}: no peak in {}", run.stderr);
        assert!(peak < 512.0, "{fixture}: {peak} MiB");
    }
}

#[test]
fn a_recursive_function_is_a_compile_error() {
    // Before: the stack overflowed and the process aborted.
    let (run, diagnostics, _) = check(&hostile("rego-recursive-function"), Duration::from_secs(60));
    assert_eq!(run.code, Some(1));
    let found = with_code(&diagnostics, "PC501");
    assert_eq!(found.len(), 1, "{diagnostics:#?}");
    assert_eq!(
        found[0]["message"],
        "Rego compile error: rule f is recursive: f -> f"
    );
    assert_eq!(
        (&found[0]["line"], &found[0]["column"]),
        (&36.into(), &5.into())
    );
    // Nothing was evaluated, so no evaluation error besides.
    assert!(
        with_code(&diagnostics, "PC513").is_empty(),
        "{diagnostics:#?}"
    );
}

/// A repository of one policy over `routes` routes whose module is `rego` (the fixtures'
/// layout).
fn repository(dir: &Path, rego: &str, routes: usize) {
    let body: String = rego
        .lines()
        .map(|l| {
            if l.is_empty() {
                "\n".to_string()
            } else {
                format!("    {l}\n")
            }
        })
        .collect();
    let template =
        std::fs::read_to_string(hostile("rego-recursive-function") + "/repo.yaml").unwrap();
    let (head, rest) = template.split_once("  policy.rego: |\n").unwrap();
    let (_, tail) = rest.split_once("---\n").unwrap();
    let (tables, route) = tail.split_once("    - name: route-0\n").unwrap();
    let mut text = format!("{head}  policy.rego: |\n{body}---\n{tables}");
    for i in 0..routes {
        text.push_str(&format!("    - name: route-{i}\n{route}"));
    }
    std::fs::write(dir.join("repo.yaml"), text).unwrap();
}

#[test]
fn long_chains_do_not_exhaust_the_stack() {
    // Before: 9,000 rules each reading the next, or a value nested 9,000 deep, overflowed the
    // main thread's stack and aborted.
    let mut chain = String::from("package test\n\ndefault allow := false\n\n");
    for i in 0..9_000 {
        chain.push_str(&format!("a{i} := a{}\n", i + 1));
    }
    chain.push_str("a9000 := 1\n\nallow if a0 == 1\n");
    let mut nested = String::from("package test\n\ndefault allow := false\n\nv0 := 1\n");
    for i in 1..9_000 {
        nested.push_str(&format!("v{i} := [v{}]\n", i - 1));
    }
    nested.push_str("\nallow if count(v8999) == 1\n");
    let mut functions = String::from("package test\n\ndefault allow := false\n\nf0(x) := x\n");
    for i in 1..9_000 {
        functions.push_str(&format!("f{i}(x) := f{}(x)\n", i - 1));
    }
    functions.push_str("\nallow if f8999(1) == 1\n");
    for rego in [chain, nested, functions] {
        let dir = tempfile::tempdir().unwrap();
        repository(dir.path(), &rego, 1);
        let (_, diagnostics, _) = check(&dir.path().to_string_lossy(), Duration::from_secs(120));
        // Evaluated: no error, or at worst out of time in a slow build.
        for d in with_code(&diagnostics, "PC513") {
            assert!(d["message"].as_str().unwrap().contains("ran past"), "{d:#}");
        }
        assert!(
            with_code(&diagnostics, "PC501").is_empty(),
            "{diagnostics:#?}"
        );
    }
}

#[test]
fn the_clock_and_randomness_do_not_change_decisions() {
    // Before: the policy allowed only in business hours and on one side of a coin, so the
    // matrix (and the exit code) changed between runs and by the time of day.
    let dir = hostile("rego-clock-and-coin");
    let mut seen = Vec::new();
    for _ in 0..5 {
        let run = run(
            &["matrix", "--format", "json", &dir],
            Duration::from_secs(60),
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        seen.push(run.stdout);
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:#?}");
    let matrix: Json = serde_json::from_str(&seen[0]).unwrap();
    let decisions = matrix["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), 2, "{matrix:#}");
    // A Wednesday at noon UTC, and the seeded coin: allowed.
    for d in decisions {
        assert_eq!(d["allowed"], true, "{matrix:#}");
    }
    // The report says which built-ins did not answer for real, and the clock they used.
    assert_eq!(
        matrix["fixedBuiltins"],
        serde_json::json!({"builtins": ["rand.intn", "time.now_ns"], "clock": "2023-11-15T12:00:00Z"}),
        "{matrix:#}"
    );
    let table = run(&["matrix", &dir], Duration::from_secs(60));
    assert!(
        table
            .stdout
            .contains("evaluated with a fixed clock (2023-11-15T12:00:00Z) and fixed randomness: rand.intn, time.now_ns"),
        "{}",
        table.stdout
    );
}

#[test]
fn a_slow_policy_is_reported_once_within_its_budget() {
    // Before: 3 min 7 s over 23 routes and 92 identical PC513.
    let (run, diagnostics, _) = check(&hostile("rego-slow-policy"), Duration::from_secs(120));
    assert_eq!(run.code, Some(1));
    let found = with_code(&diagnostics, "PC513");
    assert_eq!(found.len(), 1, "{diagnostics:#?}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("one evaluation ran past 2 s"),
        "{:#}",
        found[0]
    );
    // The first evaluation spends its 2 s; the other 45 are not made.
    assert!(run.took < Duration::from_secs(30), "{:?}", run.took);
}

/// The matrix of a repository, evaluated within `budgets`.
fn matrix_within(dir: &Path, budgets: Budgets) -> (Matrix, Duration) {
    let result = common::check_path(dir);
    let analysis = &result.analysis;
    let started = Instant::now();
    let matrix = evaluate_within(
        &MatrixInput {
            model: &result.model,
            index: &analysis.index,
            selections: &analysis.selections,
            rego: &analysis.rego,
            providers: &[],
            facts: &analysis.facts,
        },
        budgets,
    );
    (matrix, started.elapsed())
}

#[test]
fn each_policy_and_the_run_have_one_budget() {
    // Every evaluation of this policy would run for minutes: whichever time is the shortest
    // stops it, and the policy's other decisions share that one error.
    let dir = Path::new(&hostile("rego-slow-policy")).to_path_buf();
    let long = Duration::from_secs(600);
    let short = Duration::from_millis(300);
    for (budgets, says, run_budget) in [
        (
            Budgets {
                evaluation: short,
                policy: long,
                run: long,
            },
            "one evaluation ran past 0.3 s",
            false,
        ),
        (
            Budgets {
                evaluation: long,
                policy: short,
                run: long,
            },
            "its evaluations ran past 0.3 s, the most portico gives one policy",
            false,
        ),
        (
            Budgets {
                evaluation: long,
                policy: long,
                run: short,
            },
            "the 0.3 s portico gives all the policies of a run were spent",
            true,
        ),
    ] {
        let (matrix, took) = matrix_within(&dir, budgets);
        // 23 routes, no scope and the product's scope.
        assert_eq!(matrix.decisions.len(), 46, "{budgets:?}");
        let errors: Vec<_> = matrix
            .decisions
            .iter()
            .map(|d| d.error.clone().expect("every decision failed"))
            .collect();
        assert!(
            errors.iter().all(|e| std::sync::Arc::ptr_eq(e, &errors[0])),
            "{budgets:?}"
        );
        assert!(errors[0].message.contains(says), "{}", errors[0].message);
        assert_eq!(errors[0].run_budget, run_budget, "{budgets:?}");
        // One evaluation of 0.3 s, not 46.
        assert!(took < Duration::from_secs(10), "{budgets:?}: {took:?}");
    }
}

#[test]
fn a_run_out_of_time_notes_the_policies_left() {
    // The run's budget spent on one policy: the other is noted (PC514), not failed.
    let dir = tempfile::tempdir().unwrap();
    let slow = std::fs::read_to_string(hostile("rego-slow-policy") + "/repo.yaml").unwrap();
    std::fs::write(dir.path().join("slow.yaml"), &slow).unwrap();
    let other = slow
        .replace("name: hostile,", "name: other,")
        .replace("hostile-policy", "other-policy")
        .replace("name: pets,", "name: other-pets,")
        .replace("apiProductId: petstore", "apiProductId: other")
        .replace("usagePlans: dev-portal", "usagePlans: other");
    std::fs::write(dir.path().join("other.yaml"), other).unwrap();
    let (matrix, _) = matrix_within(
        dir.path(),
        Budgets {
            evaluation: Duration::from_millis(300),
            policy: Duration::from_secs(600),
            run: Duration::from_millis(400),
        },
    );
    let ended: std::collections::BTreeMap<&str, (bool, &str)> = matrix
        .decisions
        .iter()
        .filter_map(|d| {
            let e = d.error.as_ref()?;
            Some((&*d.policy_name, (e.run_budget, e.message.as_str())))
        })
        .collect();
    // Two policies are one worker's share: the first spends 0.3 s of the run's 0.4 s on its
    // one evaluation and fails; the second has 0.1 s left, which the run's end takes.
    assert_eq!(ended.len(), 2, "{ended:#?}");
    let mut kinds: Vec<(bool, &str)> = ended.into_values().collect();
    kinds.sort_unstable();
    assert!(
        !kinds[0].0 && kinds[0].1.contains("one evaluation ran past 0.3 s"),
        "{kinds:#?}"
    );
    assert!(
        kinds[1].0 && kinds[1].1.contains("of a run were spent"),
        "{kinds:#?}"
    );
}

#[test]
fn an_expensive_module_is_not_parsed() {
    // Before: 30 s to parse 8 KB.
    let (run, diagnostics, _) = check(&hostile("rego-parse-work"), Duration::from_secs(60));
    assert_eq!(run.code, Some(1));
    let found = with_code(&diagnostics, "PC501");
    assert_eq!(found.len(), 1, "{diagnostics:#?}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("not analysed: its nested literals would cost the parser more than"),
        "{:#}",
        found[0]
    );
    assert!(run.took < Duration::from_secs(30), "{:?}", run.took);
}

#[test]
fn tab_indented_rego_is_located_by_characters() {
    // Before: column 27, three past the error for each of the two tabs.
    let (_, diagnostics, _) = check(&hostile("rego-tab-indented"), Duration::from_secs(60));
    let found = with_code(&diagnostics, "PC501");
    assert_eq!(found.len(), 1, "{diagnostics:#?}");
    assert_eq!(
        (&found[0]["line"], &found[0]["column"]),
        (&37.into(), &21.into())
    );
    let text = std::fs::read_to_string(hostile("rego-tab-indented") + "/repo.yaml").unwrap();
    let line = text.lines().nth(36).unwrap();
    assert_eq!(line.chars().nth(20), Some('='), "{line:?}");
    assert_eq!(line.chars().nth(19), Some('='), "{line:?}");
}

#[test]
fn copies_of_a_repository_do_not_multiply_the_matrix() {
    // Before: every copy of a policy decided every instance of every route, and label
    // delegation makes N copies of a repository hold N^2 instances of each route: 50 copies of
    // the example took 354 MiB and 100 copies 2.2 GiB, all for decisions the matrix then
    // dropped as duplicates. Now one decision per route name, policy and profile is made.
    let dir = tempfile::tempdir().unwrap();
    let example = common::root().join("testdata/repos/portal-okta");
    std::fs::copy(
        example.join("portico.yaml"),
        dir.path().join("portico.yaml"),
    )
    .unwrap();
    for i in 0..50 {
        common::copy_tree(
            &example,
            &dir.path().join(format!("copy-{i}")),
            &|_, rel| rel.to_string(),
        );
        std::fs::remove_file(dir.path().join(format!("copy-{i}/portico.yaml"))).unwrap();
    }
    let (run, _, peak) = check(&dir.path().to_string_lossy(), Duration::from_secs(120));
    assert!(peak > 0.0, "no peak in {}", run.stderr);
    assert!(peak < 150.0, "{peak} MiB");
    let matrix = self::run(
        &["matrix", "--format", "json", &dir.path().to_string_lossy()],
        Duration::from_secs(120),
    );
    let matrix: Json = serde_json::from_str(&matrix.stdout).unwrap();
    let decisions = matrix["decisions"].as_array().unwrap();
    // The example's decisions for each of the 50 copies of its policy, no more.
    let single = self::run(
        &["matrix", "--format", "json", &example.to_string_lossy()],
        Duration::from_secs(60),
    );
    let single: Json = serde_json::from_str(&single.stdout).unwrap();
    assert_eq!(
        decisions.len(),
        50 * single["decisions"].as_array().unwrap().len(),
        "{matrix:#}"
    );
}
