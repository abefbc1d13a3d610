use crate::checks::Context;
use crate::diagnostic::{Finding, Span};
use crate::model::scopes::SourceState;

crate::declare_rule! {
    /// ## What it does
    /// Reports a scope source that is read fine but declares no scope.
    ///
    /// ## Why is this bad?
    /// It was listed to declare the products' scopes; declaring none usually means the wrong
    /// file (the user pool instead of its resource server, a realm export without client
    /// scopes) or a declaration portico could not recognise.
    ///
    /// ## Example
    /// A Cognito export (`idp/resource-servers.json`) that lists no resource server:
    /// ```json
    /// {"ResourceServers": []}
    /// ```
    ///
    /// ## Use instead
    /// List the export that holds the resource server and its scopes:
    /// ```json
    /// {"ResourceServers": [{… "Identifier": "https://api.example.com", … "Scopes": [{"ScopeName": "tracks", …}]}]}
    /// ```
    code: "PC310",
    slug: "empty-scope-source",
    severity: Warning,
    since: "0.1.0",
}

fn check(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for loaded in ctx.scope_sources {
        let (SourceState::Read(source), Some(file)) = (&loaded.state, loaded.file) else {
            continue;
        };
        if !source.scopes.is_empty() {
            continue;
        }
        out.push(
            Finding::new(
                format!("scope source ({:?}) declares no scope", source.format),
                Span::new(file, 0..0),
            )
            .help("list the file that declares the products' scopes"),
        );
    }
}
