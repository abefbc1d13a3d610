use std::collections::BTreeSet;

use crate::checks::Context;
use crate::checks::rego::policy_anchor;
use crate::diagnostic::{Finding, Span};

crate::declare_rule! {
    /// ## What it does
    /// Notes a policy whose access matrix could not be evaluated because its Rego calls an OPA
    /// built-in that portico's evaluator (regorus) does not implement, such as `io.jwt.decode`
    /// or `crypto.x509.parse_certificates`. The policy's product checks (PC511, PC512) are
    /// then not run for it, and this note says so rather than passing silently. Also notes
    /// the policies left unevaluated when the 30 s portico gives all the Rego evaluation of a
    /// run was spent.
    ///
    /// ## Why is this bad?
    /// It is not a mistake in the policy; it is a gap in what portico can prove about it.
    ///
    /// ## Example
    /// ```rego
    /// allow if {
    ///     …
    ///     bearer := substring(input.http_request.headers.authorization, 7, -1)
    ///     [_, payload, _] := io.jwt.decode(bearer)
    ///     product in payload.scp
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rego
    /// # The ext auth service has already validated the token: read its claims.
    /// allow if {
    ///     …
    ///     product in input.state.jwtAccessToken.scp
    /// }
    /// ```
    code: "PC514",
    slug: "access-matrix-not-evaluated",
    severity: Info,
    since: "0.1.0",
}

/// Why a policy's access matrix was not evaluated.
enum NotEvaluated<'a> {
    /// Its Rego calls `builtin`, which regorus does not implement.
    UnsupportedBuiltin { builtin: &'a str },
    /// The run's evaluation budget was spent; `message` is the evaluator's.
    RunBudget { message: &'a str },
}

impl NotEvaluated<'_> {
    fn why(&self) -> String {
        match self {
            Self::UnsupportedBuiltin { builtin } => format!(
                "its Rego calls `{builtin}`, an OPA built-in portico's evaluator does not implement"
            ),
            Self::RunBudget { message } => (*message).to_owned(),
        }
    }

    fn help(&self) -> &'static str {
        match self {
            Self::UnsupportedBuiltin { .. } => {
                "PC511 and PC512 are not checked for this policy; reading token claims from \
                 `input.state.jwtAccessToken` (already validated by the ext auth service) avoids \
                 the builtin"
            }
            Self::RunBudget { .. } => {
                "PC511 and PC512 are not checked for this policy; other policies took the time \
                 (PC513 names any that ran past their own 5 s), and checking fewer paths at once \
                 leaves more for each"
            }
        }
    }

    /// The finding about the policy `policy` (`namespace/name`) at `span`.
    fn finding(&self, policy: &str, span: Span) -> Finding {
        Finding::new(
            format!(
                "the access matrix of policy `{policy}` was not evaluated: {}",
                self.why()
            ),
            span,
        )
        .help(self.help())
    }
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut seen = BTreeSet::new();
    for d in &ctx.matrix.decisions {
        let Some(error) = &d.error else { continue };
        let not_evaluated = match (&error.unsupported_builtin, error.run_budget) {
            (Some(builtin), _) => NotEvaluated::UnsupportedBuiltin { builtin },
            (None, true) => NotEvaluated::RunBudget {
                message: &error.message,
            },
            (None, false) => continue,
        };
        if !seen.insert(d.policy) {
            continue;
        }
        let Some((span, _)) = policy_anchor(ctx, d.policy) else {
            continue;
        };
        let Some(policy) = ctx.model.ext_auth_policies.get(d.policy) else {
            continue;
        };
        out.push(
            not_evaluated
                .finding(&d.policy_name, span)
                .about(&policy.meta.id),
        );
    }
}
