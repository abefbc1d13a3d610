use crate::checks::Context;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Parses every Rego module (each data value of a ConfigMap that starts with `package`, and
    /// every `.rego` file) and reports the first syntax error at its exact line and column, inside
    /// the ConfigMap's block scalar when the module lives there. Then compiles the modules of
    /// every `opaAuth` step together, as OPA does, and reports compile errors (an unsafe
    /// variable, a rule defined twice in incompatible ways) where regorus places them, and a
    /// function that calls itself, directly or through others, at its name (OPA's
    /// `rego_recursion_error`: `rule f is recursive: f -> f`). A module whose nested literals
    /// would cost the parser more than 2^20 token parses is reported as not analysed.
    ///
    /// ## Why is this bad?
    /// The ext auth service compiles the modules when it builds the AuthConfig: a module that does
    /// not parse rejects the whole AuthConfig, and every request on the routes it protects is
    /// denied.
    ///
    /// ## Example
    /// ```yaml
    /// data:
    ///   policy.rego: |
    ///     package test
    ///
    ///     import rego.v1
    ///
    ///     default allow := false
    ///
    ///     allow if {
    ///         input.http_request.method !== "GET"
    ///     }
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// data:
    ///   policy.rego: |
    ///     package test
    ///
    ///     import rego.v1
    ///
    ///     default allow := false
    ///
    ///     allow if {
    ///         input.http_request.method == "GET"
    ///     }
    /// ```
    code: "PC501",
    slug: "rego-syntax-error",
    severity: Error,
    since: "0.1.0",
}

/// What is wrong with the Rego; `message` is the parser's or compiler's.
enum RegoError<'a> {
    /// The modules of a step do not compile together.
    Compile { message: &'a str },
    /// The module `module` nests brackets too deep to be parsed in bounded time.
    TooDeep { module: &'a str, message: &'a str },
    /// The module `module` does not parse; `v1_hint` when the error is v0 syntax.
    Syntax {
        module: &'a str,
        message: &'a str,
        v1_hint: bool,
    },
}

impl RegoError<'_> {
    fn message(&self) -> String {
        match self {
            Self::Compile { message } => format!("Rego compile error: {message}"),
            Self::TooDeep { module, message } => {
                format!("Rego module {module} not analysed: {message}")
            }
            Self::Syntax {
                module, message, ..
            } => format!("Rego syntax error in {module}: {message}"),
        }
    }

    fn help(&self) -> &'static str {
        match self {
            Self::Compile { .. } => {
                "OPA compiles the modules when the ext auth service builds the AuthConfig; it \
                 rejects the AuthConfig until this compiles"
            }
            Self::TooDeep { .. } => {
                "the Rego parser portico uses takes time exponential in bracket nesting, so the \
                 module was not parsed, compiled or evaluated; build deep literals from smaller \
                 rules, or keep deep data in a data document"
            }
            Self::Syntax { v1_hint: true, .. } => {
                "OPA 1.x syntax needs `if` before rule bodies and `contains` for multi-value \
                 rules; `opa fmt --v0-v1` rewrites a v0 module, or set `rego.version: v0` in \
                 portico.yaml when the ext auth service runs OPA in v0 mode"
            }
            Self::Syntax { v1_hint: false, .. } => {
                "the ext auth service rejects the AuthConfig of every policy using this module \
                 until it parses"
            }
        }
    }

    fn finding(&self, span: Span) -> Finding {
        Finding::new(self.message(), span).help(self.help())
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for error in &ctx.rego.engines.compile_errors {
        let Some(step) = ctx.rego.steps.get(error.step) else {
            continue;
        };
        let query = ctx.span(&step.meta, &format!("{}/query", step.path));
        let located = error
            .location
            .as_ref()
            .and_then(|(m, range)| Some(ctx.rego.modules.get(*m)?.span(range)));
        let compile = RegoError::Compile {
            message: &error.message,
        };
        let mut finding = compile
            .finding(located.clone().unwrap_or_else(|| query.clone()))
            .about(&step.meta.id);
        if located.is_some() {
            finding = finding.related(query, "compiled for this query");
        }
        out.push(finding);
    }
    for module in &ctx.rego.modules {
        let Err(error) = &module.parsed else { continue };
        let name = module.display_name(ctx.model, ctx.repo);
        let message = &error.message;
        let problem = if error.too_deep {
            RegoError::TooDeep {
                module: &name,
                message,
            }
        } else {
            let v1_hint =
                message.contains("keyword is required") || message.contains("future.keywords");
            RegoError::Syntax {
                module: &name,
                message,
                v1_hint,
            }
        };
        out.push(problem.finding(module.span(&error.range)));
    }
}
