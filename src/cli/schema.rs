//! `portico schema`: the JSON Schema of one kind on stdout, or of every kind written into a
//! directory (`--out DIR`).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use portico::schema::kind::SchemaKind;
use portico::schema_text;

use super::terminal::write_stdout;

pub fn run(kind: Option<&str>, out: Option<&Path>) -> Result<ExitCode, String> {
    let names = || {
        SchemaKind::ALL
            .iter()
            .map(|k| k.cli_name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let kinds: Vec<SchemaKind> = match kind {
        Some(name) => vec![SchemaKind::parse(name).ok_or_else(|| {
            let suggestion =
                portico::suggest::closest(name, SchemaKind::ALL.iter().map(|k| k.cli_name()))
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
            format!("unknown kind `{name}`{suggestion} (kinds: {})", names())
        })?],
        None if out.is_some() => SchemaKind::ALL.to_vec(),
        None => {
            return Err(format!(
                "name a kind ({}) or use --out DIR for all of them",
                names()
            ));
        }
    };
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for kind in kinds {
                let path = dir.join(kind.file_name());
                std::fs::write(&path, schema_text(kind))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                let _ = writeln!(std::io::stderr(), "wrote {}", path.display());
            }
        }
        None => {
            for kind in kinds {
                write_stdout(&schema_text(kind))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
