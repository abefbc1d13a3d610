//! The OPA built-ins the access matrix does not take straight from regorus. They are
//! registered on every engine as regorus extensions, which its interpreter looks up before its
//! own built-ins (interpreter.rs, `eval_call_impl`, regorus 0.14.1):
//!
//! - the clock and randomness are fixed, so that a decision never depends on when, or how
//!   many times, portico runs (`time.now_ns`, `rand.intn`, `uuid.rfc4122`);
//! - the built-ins whose result can be far larger than their arguments are refused before
//!   regorus builds a result past [`MAX_ELEMENTS`] elements or [`MAX_TEXT_BYTES`] bytes, then
//!   run by regorus itself. A repository is untrusted input: `numbers.range(1, 2000000000)`
//!   aborted the process, and a chain of rules doubling a string reached 3–5 GB.
//!
//! The refusal is an evaluation error (PC513) at the call.

use std::sync::OnceLock;

use regorus::unstable::{Expr, Literal, Parser, Ref, Source, Span};
use regorus::{Extension, Value};

/// The time `time.now_ns` returns: Wednesday 15 November 2023, 12:00 UTC, in nanoseconds. A
/// weekday at noon, after the `iat` (1,700,000,000 s) and before the `exp` of the token the
/// matrix synthesizes.
pub const FIXED_NOW_NS: i64 = 1_700_049_600_000_000_000;

/// The most elements one built-in call may return (arrays of `numbers.range`, `array.concat`,
/// `net.cidr_expand`, the paths of `walk` and `graph.reachable_paths`): 2^20, 16 to 32 MiB of
/// regorus values. Policies that decide a request work on a token's scopes and a path, far
/// below it.
pub const MAX_ELEMENTS: u128 = 1 << 20;

/// The most bytes of text one built-in call may return (`concat`, `sprintf`, `replace`, the
/// encoders and marshallers): 16 MiB.
pub const MAX_TEXT_BYTES: u128 = 1 << 24;

/// The widest field Go's `fmt` pads to, which OPA's `sprintf` uses: larger widths and
/// precisions are not numbers to it, and it prints `%!(NOVERB)` or `%!(BADWIDTH)` instead
/// (`tooLarge`, `parsenum` and `intFromArg` in go/src/fmt/print.go).
const GO_MAX_WIDTH: u128 = 1_000_000;

/// Registers the replaced built-ins on `engine`.
///
/// # Errors
/// When regorus refuses an extension (it has no such built-in, or one is registered twice).
pub(crate) fn install(engine: &mut regorus::Engine) -> Result<(), String> {
    // Built once: each extension of a bounded built-in parses a call of its own.
    static EXTENSIONS: OnceLock<Result<Vec<Replaced>, String>> = OnceLock::new();
    let extensions = EXTENSIONS.get_or_init(|| {
        let mut all: Vec<Replaced> = vec![
            (
                "time.now_ns",
                0,
                Box::new(|_: Vec<Value>| Ok(Value::from(FIXED_NOW_NS))),
            ),
            ("rand.intn", 2, Box::new(rand_intn)),
            ("uuid.rfc4122", 1, Box::new(uuid_rfc4122)),
        ];
        for &(name, bound) in BOUNDED {
            let (nargs, extension) = bounded(name, bound)?;
            all.push((name, nargs, extension));
        }
        Ok(all)
    });
    for (name, nargs, extension) in extensions.as_ref().map_err(Clone::clone)? {
        engine
            .add_extension((*name).to_string(), *nargs, extension.clone_box())
            .map_err(|e| format!("{e:#}"))?;
    }
    Ok(())
}

/// A replaced built-in: its name, its number of arguments and the extension standing for it.
type Replaced = (&'static str, u8, Box<dyn Extension>);

/// What a call would build, or why it is refused.
type Bound = fn(&[Value]) -> Result<(), String>;

/// The built-ins whose result can outgrow their arguments, each with the bound checked before
/// regorus runs it. Those left out return at most about the size of their arguments (`lower`,
/// `split`, `substring`, `union`, …), so a chain of them cannot grow.
const BOUNDED: &[(&str, Bound)] = &[
    ("numbers.range", range),
    ("numbers.range_step", range_step),
    ("array.concat", array_concat),
    ("net.cidr_expand", cidr_expand),
    ("walk", walk),
    ("graph.reachable_paths", reachable_paths),
    ("concat", concat),
    ("sprintf", sprintf),
    ("replace", replace),
    ("strings.replace_n", replace_n),
    ("regex.replace", regex_replace),
    ("json.marshal", json_marshal),
    ("json.marshal_with_options", json_marshal_with_options),
    ("yaml.marshal", yaml_marshal),
    ("hex.encode", |a| encoded(a, 2, 1)),
    ("base64.encode", |a| encoded(a, 4, 3)),
    ("base64url.encode", |a| encoded(a, 4, 3)),
    ("base64url.encode_no_pad", |a| encoded(a, 4, 3)),
    ("urlquery.encode", |a| encoded(a, 3, 1)),
    ("urlquery.encode_object", |a| encoded(a, 3, 1)),
    ("bits.lsh", bits_lsh),
];

/// The extension for built-in `name`: the bound, then regorus' own implementation.
fn bounded(name: &'static str, bound: Bound) -> Result<(u8, Box<dyn Extension>), String> {
    let &(builtin, nargs) = regorus::unstable::BUILTINS
        .get(name)
        .ok_or_else(|| format!("regorus has no built-in `{name}`"))?;
    // Regorus' built-ins take the call's expressions, for the positions of their errors; an
    // extension is only given the values, so the built-in gets a call of its own to point at
    // (the interpreter places the error at the policy's call).
    let (span, params) = call_site(name, nargs)?;
    let extension = move |args: Vec<Value>| -> anyhow::Result<Value> {
        bound(&args).map_err(anyhow::Error::msg)?;
        // Strict, as the engine evaluates built-ins (regorus' default).
        builtin(&span, &params, &args, true)
            .map_err(|e| anyhow::Error::msg(super::parse::error_message(&format!("{e:#}"))))
    };
    Ok((nargs, Box::new(extension)))
}

/// The span and argument expressions of a call `name(a0, a1, …)`.
fn call_site(name: &str, nargs: u8) -> Result<(Span, Vec<Ref<Expr>>), String> {
    let args: Vec<String> = (0..nargs).map(|i| format!("a{i}")).collect();
    let text = format!("{name}({})", args.join(", "));
    let source = Source::from_contents(name.to_string(), text).map_err(|e| format!("{e:#}"))?;
    let query = Parser::new(&source)
        .and_then(|mut p| p.parse_user_query())
        .map_err(|e| format!("{e:#}"))?;
    match query.stmts.first().map(|s| &s.literal) {
        Some(Literal::Expr { expr, .. }) => match expr.as_ref() {
            Expr::Call { span, params, .. } => Ok((span.clone(), params.clone())),
            _ => Err(format!("`{name}(…)` did not parse as a call")),
        },
        _ => Err(format!("`{name}(…)` did not parse as a call")),
    }
}

fn too_many_elements(what: &str, count: u128) -> Result<(), String> {
    if count <= MAX_ELEMENTS {
        return Ok(());
    }
    Err(format!(
        "{what} would make {count} elements, more than the {MAX_ELEMENTS} portico evaluates in one call (it bounds the memory a policy may take)"
    ))
}

fn too_much_text(what: &str, bytes: u128) -> Result<(), String> {
    if bytes <= MAX_TEXT_BYTES {
        return Ok(());
    }
    Err(format!(
        "{what} would make about {bytes} bytes of text, more than the {MAX_TEXT_BYTES} portico evaluates in one call (it bounds the memory a policy may take)"
    ))
}

fn integer(value: Option<&Value>) -> Option<i128> {
    match value? {
        Value::Number(n) if n.is_integer() => n.as_i128(),
        _ => None,
    }
}

fn text(value: Option<&Value>) -> Option<&str> {
    match value? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn range(args: &[Value]) -> Result<(), String> {
    let (Some(from), Some(to)) = (integer(args.first()), integer(args.get(1))) else {
        // Regorus reports wrong arguments itself.
        return Ok(());
    };
    too_many_elements(
        &format!("`numbers.range({from}, {to})`"),
        from.abs_diff(to) + 1,
    )
}

fn range_step(args: &[Value]) -> Result<(), String> {
    let (Some(from), Some(to), Some(step)) = (
        integer(args.first()),
        integer(args.get(1)),
        integer(args.get(2)),
    ) else {
        return Ok(());
    };
    let Ok(step) = u128::try_from(step) else {
        return Ok(());
    };
    if step == 0 {
        return Ok(());
    }
    too_many_elements(
        &format!("`numbers.range_step({from}, {to}, {step})`"),
        from.abs_diff(to) / step + 1,
    )
}

fn array_concat(args: &[Value]) -> Result<(), String> {
    let count: usize = args
        .iter()
        .map(|a| match a {
            Value::Array(items) => items.len(),
            _ => 0,
        })
        .sum();
    too_many_elements("`array.concat`", count as u128)
}

fn cidr_expand(args: &[Value]) -> Result<(), String> {
    let Some(cidr) = text(args.first()) else {
        return Ok(());
    };
    let Some((address, prefix)) = cidr.split_once('/') else {
        return Ok(());
    };
    let Ok(prefix) = prefix.parse::<u32>() else {
        return Ok(());
    };
    let bits: u32 = if address.contains(':') { 128 } else { 32 };
    let hosts = 1u128
        .checked_shl(bits.saturating_sub(prefix))
        .unwrap_or(u128::MAX);
    too_many_elements(&format!("`net.cidr_expand(\"{cidr}\")`"), hosts)
}

/// The size of a value written out as JSON, counted without building it: bytes, nodes and
/// depth. Counting stops once the bytes pass [`MAX_TEXT_BYTES`] (the caller refuses then), so
/// its cost is bounded too. Iterative: a value nested thousands deep must not exhaust the
/// stack.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Extent {
    bytes: u128,
    nodes: u128,
    depth: u128,
}

fn extent(value: &Value) -> Extent {
    let mut out = Extent::default();
    let mut stack: Vec<(&Value, u128)> = vec![(value, 1)];
    while let Some((value, depth)) = stack.pop() {
        out.nodes += 1;
        out.depth = out.depth.max(depth);
        out.bytes += match value {
            Value::String(s) => s.len() as u128 + 2,
            // A huge integer (from `*` in a loop) is about 0.3 decimal digits a bit.
            Value::Number(n) => n.as_big().map_or(24, |b| u128::from(b.bits()) * 3 / 10 + 2),
            Value::Array(items) => {
                stack.extend(items.iter().map(|v| (v, depth + 1)));
                items.len() as u128 + 2
            }
            Value::Set(items) => {
                stack.extend(items.iter().map(|v| (v, depth + 1)));
                items.len() as u128 + 2
            }
            Value::Object(fields) => {
                for (k, v) in fields.iter() {
                    stack.push((k, depth + 1));
                    stack.push((v, depth + 1));
                }
                fields.len() as u128 * 2 + 2
            }
            _ => 5,
        };
        if out.bytes > MAX_TEXT_BYTES {
            break;
        }
    }
    out
}

fn walk(args: &[Value]) -> Result<(), String> {
    let Some(value) = args.first() else {
        return Ok(());
    };
    // One [path, value] pair per node, each path as long as the node is deep.
    let e = extent(value);
    too_much_text("`walk`", e.bytes)?;
    too_many_elements("`walk`", e.nodes.saturating_mul(e.depth))
}

fn reachable_paths(args: &[Value]) -> Result<(), String> {
    let (Some(Value::Object(graph)), Some(start)) = (args.first(), args.get(1)) else {
        return Ok(());
    };
    // A path picks one neighbour at each node it passes and passes a node once, so there are
    // at most as many as the product of the out-degrees, per starting node.
    let starts = match start {
        Value::Array(a) => a.len(),
        Value::Set(s) => s.len(),
        _ => 0,
    };
    let mut paths = starts as u128;
    for (_, neighbours) in graph.iter() {
        let degree = match neighbours {
            Value::Array(a) => a.len(),
            Value::Set(s) => s.len(),
            _ => 0,
        };
        paths = paths.saturating_mul(degree.max(1) as u128);
    }
    too_many_elements("`graph.reachable_paths`", paths)
}

fn concat(args: &[Value]) -> Result<(), String> {
    let (Some(delimiter), Some(items)) = (text(args.first()), args.get(1)) else {
        return Ok(());
    };
    let e = extent(items);
    too_much_text(
        "`concat`",
        e.bytes
            .saturating_add(e.nodes.saturating_mul(delimiter.len() as u128)),
    )
}

fn sprintf(args: &[Value]) -> Result<(), String> {
    let Some(format) = text(args.first()) else {
        return Ok(());
    };
    let mut bytes = format.len() as u128;
    // Widths and precisions: the digits after `%` and its flags, and after a `.`; a `*`
    // takes one from the arguments, which Go caps at GO_MAX_WIDTH.
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            continue;
        }
        while chars.next_if(|c| "+-# 0".contains(*c)).is_some() {}
        loop {
            let mut digits = String::new();
            if chars.next_if_eq(&'[').is_some() {
                while chars.next_if(|c| *c != ']').is_some() {}
                chars.next();
            }
            if chars.next_if_eq(&'*').is_some() {
                bytes += GO_MAX_WIDTH;
            }
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                digits.push(d);
            }
            if !digits.is_empty() {
                let width: u128 = digits.parse().unwrap_or(u128::MAX);
                if width > GO_MAX_WIDTH {
                    return Err(format!(
                        "`sprintf` width or precision {digits} is over {GO_MAX_WIDTH}: Go's fmt, which OPA uses, does not pad that far and prints `%!(NOVERB)` instead"
                    ));
                }
                bytes += width;
            }
            if chars.next_if_eq(&'.').is_none() {
                break;
            }
        }
        chars.next();
    }
    if let Some(values) = args.get(1) {
        bytes = bytes.saturating_add(extent(values).bytes);
    }
    too_much_text("`sprintf`", bytes)
}

/// The most text replacing matches of `old` in `s` by `new` makes: every occurrence replaced,
/// and an empty `old` matching between every two characters.
fn replaced(s: &str, old: &str, new_len: u128) -> u128 {
    let matches = if old.is_empty() {
        s.chars().count() as u128 + 1
    } else {
        s.matches(old).count() as u128
    };
    (s.len() as u128).saturating_add(matches.saturating_mul(new_len))
}

fn replace(args: &[Value]) -> Result<(), String> {
    let (Some(s), Some(old), Some(new)) =
        (text(args.first()), text(args.get(1)), text(args.get(2)))
    else {
        return Ok(());
    };
    too_much_text("`replace`", replaced(s, old, new.len() as u128))
}

fn replace_n(args: &[Value]) -> Result<(), String> {
    let (Some(Value::Object(patterns)), Some(s)) = (args.first(), text(args.get(1))) else {
        return Ok(());
    };
    let mut bytes = s.len() as u128;
    for (old, new) in patterns.iter() {
        if let (Value::String(old), Value::String(new)) = (old, new) {
            bytes = bytes.saturating_add(replaced(s, old, new.len() as u128) - s.len() as u128);
        }
    }
    too_much_text("`strings.replace_n`", bytes)
}

fn regex_replace(args: &[Value]) -> Result<(), String> {
    let (Some(s), Some(value)) = (text(args.first()), text(args.get(2))) else {
        return Ok(());
    };
    // Any position may match, and each `$name` in the replacement expands to a match, at most
    // the whole string.
    let per_match =
        (value.len() as u128).saturating_add(value.matches('$').count() as u128 * s.len() as u128);
    too_much_text("`regex.replace`", replaced(s, "", per_match))
}

fn json_marshal(args: &[Value]) -> Result<(), String> {
    let Some(value) = args.first() else {
        return Ok(());
    };
    too_much_text("`json.marshal`", extent(value).bytes)
}

fn json_marshal_with_options(args: &[Value]) -> Result<(), String> {
    let Some(value) = args.first() else {
        return Ok(());
    };
    let option = |key: &str| match args.get(1) {
        Some(Value::Object(o)) => o
            .get(&Value::from(key))
            .and_then(|v| text(Some(v)))
            .map_or(0, |s| s.len() as u128),
        _ => 0,
    };
    // Pretty output starts each node on a line of its own: the prefix, then the indent once
    // per level.
    let e = extent(value);
    let per_line = option("prefix").saturating_add(option("indent").saturating_mul(e.depth)) + 1;
    too_much_text(
        "`json.marshal_with_options`",
        e.bytes.saturating_add(e.nodes.saturating_mul(per_line)),
    )
}

fn yaml_marshal(args: &[Value]) -> Result<(), String> {
    let Some(value) = args.first() else {
        return Ok(());
    };
    // Block style indents each node two spaces a level.
    let e = extent(value);
    too_much_text(
        "`yaml.marshal`",
        e.bytes
            .saturating_add(e.nodes.saturating_mul(2 * e.depth + 1)),
    )
}

fn encoded(args: &[Value], times: u128, per: u128) -> Result<(), String> {
    let Some(value) = args.first() else {
        return Ok(());
    };
    too_much_text(
        "the encoding",
        extent(value).bytes.saturating_mul(times) / per + 4,
    )
}

fn bits_lsh(args: &[Value]) -> Result<(), String> {
    let (Some(Value::Number(n)), Some(shift)) = (args.first(), integer(args.get(1))) else {
        return Ok(());
    };
    let bits = n.as_big().map_or(64, |b| u128::from(b.bits()));
    let shift = u128::try_from(shift).unwrap_or(0);
    too_much_text("`bits.lsh`", bits.saturating_add(shift) / 8)
}

/// FNV-1a, 64 bits: a fixed, portable hash for the "random" values.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// `rand.intn(str, n)`: a number in `[0, n)` fixed by `str` and `n` (the hash of `str` is the
/// seed). OPA only promises the same result for the same arguments within one query; portico
/// gives it in every run.
fn rand_intn(args: Vec<Value>) -> anyhow::Result<Value> {
    let Some(seed) = text(args.first()) else {
        anyhow::bail!("`rand.intn` expects a string as its first argument");
    };
    Ok(match args.get(1) {
        Some(Value::Number(n)) => match n.as_u64() {
            Some(0) => Value::from(0u64),
            Some(n) => Value::from(fnv1a(seed) % n),
            None => Value::Undefined,
        },
        _ => anyhow::bail!("`rand.intn` expects a number as its second argument"),
    })
}

/// `uuid.rfc4122(str)`: a version 4 UUID fixed by `str`.
fn uuid_rfc4122(args: Vec<Value>) -> anyhow::Result<Value> {
    let Some(seed) = text(args.first()) else {
        anyhow::bail!("`uuid.rfc4122` expects a string");
    };
    let high = fnv1a(seed);
    let low = fnv1a(&format!("{seed}\u{0}"));
    let hex = format!("{high:016x}{low:016x}");
    let mut out = String::with_capacity(36);
    for (i, c) in hex.chars().enumerate() {
        if matches!(i, 8 | 12 | 16 | 20) {
            out.push('-');
        }
        // The version (4) and the RFC 4122 variant (8 to b).
        out.push(match (i, c.to_digit(16).unwrap_or(0) & 3) {
            (12, _) => '4',
            (16, 0) => '8',
            (16, 1) => '9',
            (16, 2) => 'a',
            (16, _) => 'b',
            _ => c,
        });
    }
    Ok(Value::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(rego: &str) -> regorus::Engine {
        let mut engine = regorus::Engine::new();
        assert_eq!(install(&mut engine), Ok(()));
        let added = engine.add_policy("m.rego".to_string(), rego.to_string());
        assert!(added.is_ok(), "{added:?}");
        engine
    }

    fn eval(rego: &str, rule: &str) -> Result<Value, String> {
        engine(rego)
            .eval_rule(format!("data.x.{rule}"))
            .map_err(|e| super::super::parse::error_message(&format!("{e:#}")))
    }

    #[test]
    fn the_clock_and_randomness_are_fixed() {
        let rego = "package x\n\nnow := time.now_ns()\n\ncoin := rand.intn(\"coin\", 2)\n\nid := uuid.rfc4122(\"a\")\n\nday := time.weekday(time.now_ns())\n";
        assert_eq!(eval(rego, "now"), Ok(Value::from(FIXED_NOW_NS)));
        assert_eq!(eval(rego, "day"), Ok(Value::from("Wednesday")));
        let coin = eval(rego, "coin");
        for _ in 0..5 {
            assert_eq!(eval(rego, "coin"), coin);
        }
        let id = eval(rego, "id").map(|v| v.as_string().map(|s| s.to_string()).ok());
        let id = id.ok().flatten().unwrap_or_default();
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(id.chars().nth(14), Some('4'), "{id}");
    }

    #[test]
    fn ordinary_calls_run_unchanged() {
        let rego = "package x\n\nr := numbers.range(1, 3)\n\ns := sprintf(\"%05d-%s\", [42, \"a\"])\n\nc := concat(\"/\", [\"a\", \"b\"])\n\nj := json.marshal({\"a\": [1]})\n\nbad := sprintf(1, [])\n";
        assert_eq!(eval(rego, "s"), Ok(Value::from("00042-a")));
        assert_eq!(eval(rego, "c"), Ok(Value::from("a/b")));
        assert_eq!(eval(rego, "j"), Ok(Value::from("{\"a\":[1]}")));
        assert_eq!(
            eval(rego, "r"),
            Ok(Value::from(vec![
                Value::from(1),
                Value::from(2),
                Value::from(3)
            ]))
        );
        // Regorus' own errors still come through, without the call portico made for it.
        let bad = eval(rego, "bad").err().unwrap_or_default();
        assert!(!bad.contains("a0"), "{bad}");
        assert!(bad.contains("sprintf"), "{bad}");
    }

    #[test]
    fn large_results_are_refused_before_they_are_built() {
        let refused = |call: &str| {
            let rego = format!("package x\n\nr := {call}\n");
            eval(&rego, "r").err().unwrap_or_default()
        };
        assert!(refused("numbers.range(1, 2000000000)").contains("2000000000 elements"));
        assert!(refused("numbers.range_step(0, 4000000000, 2)").contains("2000000001 elements"));
        assert!(refused("net.cidr_expand(\"::/0\")").contains("elements"));
        assert!(refused("sprintf(\"%0999999999d\", [1])").contains("NOVERB"));
        let doubling = "package x\n\ns0 := \"xxxxxxxxxxxxxxxx\"\ns1 := concat(\"\", [s0, s0, s0, s0, s0, s0, s0, s0])\ns2 := concat(\"\", [s1, s1, s1, s1, s1, s1, s1, s1])\ns3 := concat(\"\", [s2, s2, s2, s2, s2, s2, s2, s2])\ns4 := concat(\"\", [s3, s3, s3, s3, s3, s3, s3, s3])\ns5 := concat(\"\", [s4, s4, s4, s4, s4, s4, s4, s4])\ns6 := concat(\"\", [s5, s5, s5, s5, s5, s5, s5, s5])\ns7 := concat(\"\", [s6, s6, s6, s6, s6, s6, s6, s6])\n";
        assert_eq!(
            eval(doubling, "s6").map(|v| v.as_string().map(|s| s.len()).ok()),
            Ok(Some(16 << 18))
        );
        assert!(
            eval(doubling, "s7")
                .err()
                .unwrap_or_default()
                .contains("bytes of text")
        );
        assert!(refused("replace(sprintf(\"%0500000d\", [1]), \"\", \"abcdefghijklmnopqrstuvwxyz0123456789\")").contains("bytes"));
        assert!(refused("bits.lsh(1, 1000000000)").contains("bytes"));
    }

    #[test]
    fn extent_counts_without_recursion() {
        let mut deep = Value::from(1);
        for _ in 0..10_000 {
            deep = Value::from(vec![deep]);
        }
        let e = extent(&deep);
        assert_eq!((e.nodes, e.depth), (10_001, 10_001));
    }
}
