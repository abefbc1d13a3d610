//! Generates portico's trimmed Envoy descriptor, `src/emit/envoy_descriptor.bin`.
//!
//! Run once, from this directory, whenever the envoy-types pin or the root list changes:
//!
//! ```sh
//! cargo run --release            # writes ../../src/emit/envoy_descriptor.bin
//! cargo run --release -- OUT.bin # writes elsewhere
//! ```
//!
//! Input: `src/generated/types.bin` of the envoy-types crate (pinned below and in Cargo.toml), a
//! FileDescriptorSet of every Envoy API file with PGV options and comments (about 3.4 MB).
//! envoy-types is an *optional* dependency that is never enabled: `cargo metadata
//! --all-features` downloads its sources into the cargo registry and tells us where they are,
//! without compiling it (it would drag in tonic).
//!
//! Output: the import closure of the files defining [`ROOTS`], plus every google.protobuf
//! well-known type present, each file re-encoded with prost-reflect's
//! `FileDescriptor::encode_to_vec` (which keeps extension options such as `(validate.rules)`;
//! a round trip through prost_types silently drops them) and with `source_code_info` (field 9,
//! the comments and spans, about 80 % of the bytes) removed at the wire level.

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Command;

use prost::Message as _;
use prost::bytes::Buf as _;
use prost::encoding::{WireType, decode_key, decode_varint, encode_key, encode_varint};
use prost_reflect::{DescriptorPool, FileDescriptor};

const ENVOY_TYPES_VERSION: &str = "0.7.7";

/// Messages whose definitions (and everything they import) portico validates against.
const ROOTS: &[&str] = &[
    "envoy.config.bootstrap.v3.Bootstrap",
    "envoy.config.route.v3.RouteConfiguration",
    "envoy.config.cluster.v3.Cluster",
    "envoy.config.listener.v3.Listener",
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
    "envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
    "envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
    "envoy.extensions.filters.http.router.v3.Router",
    "envoy.extensions.filters.http.header_to_metadata.v3.Config",
    "envoy.extensions.filters.http.set_metadata.v3.Config",
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
];

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../../src/emit/envoy_descriptor.bin"));

    let input = envoy_types_dir(manifest_dir)?.join("src/generated/types.bin");
    let full_bytes = std::fs::read(&input)?;
    let full = DescriptorPool::decode(full_bytes.as_slice())?;
    eprintln!(
        "input: {} ({} bytes, {} files)",
        input.display(),
        full_bytes.len(),
        full.files().len()
    );

    // Import closure (breadth first) of the root files plus the well-known types.
    let mut keep: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<FileDescriptor> = VecDeque::new();
    for root in ROOTS {
        let msg = full
            .get_message_by_name(root)
            .ok_or_else(|| format!("root message {root} is not in types.bin"))?;
        queue.push_back(msg.parent_file());
    }
    for file in full.files() {
        if file.package_name() == "google.protobuf" {
            queue.push_back(file);
        }
    }
    while let Some(file) = queue.pop_front() {
        if keep.insert(file.name().to_owned()) {
            queue.extend(file.dependencies());
        }
    }

    // Keep the input order: protoc emits dependencies before dependents.
    let mut set = Vec::new();
    let mut count = 0usize;
    for file in full.files().filter(|f| keep.contains(f.name())) {
        let stripped = strip_field(&file.encode_to_vec(), 9)?;
        // FileDescriptorSet.file = 1, length-delimited.
        encode_key(1, WireType::LengthDelimited, &mut set);
        encode_varint(stripped.len() as u64, &mut set);
        set.extend_from_slice(&stripped);
        count += 1;
    }

    // Check the result before writing it: it decodes, every root is there, PGV rules survived.
    let trimmed = DescriptorPool::decode(set.as_slice())?;
    for root in ROOTS {
        trimmed
            .get_message_by_name(root)
            .ok_or_else(|| format!("root {root} missing from the trimmed set"))?;
    }
    let rules = trimmed
        .get_extension_by_name("validate.rules")
        .ok_or("validate.rules extension missing")?;
    let vh = trimmed
        .get_message_by_name("envoy.config.route.v3.VirtualHost")
        .ok_or("VirtualHost missing")?;
    let domains = vh.get_field_by_name("domains").ok_or("domains missing")?;
    if !domains.options().has_extension(&rules) {
        return Err("(validate.rules) options were lost in re-encoding".into());
    }
    if trimmed
        .files()
        .any(|f| f.file_descriptor_proto().source_code_info.is_some())
    {
        return Err("source_code_info survived".into());
    }
    // Sanity: prost can decode it too (FileDescriptorSet is what include_bytes! consumers expect).
    prost_types::FileDescriptorSet::decode(set.as_slice())?;

    std::fs::write(&out, &set)?;
    eprintln!(
        "wrote {} ({} bytes, {} files, envoy-types {ENVOY_TYPES_VERSION})",
        out.display(),
        set.len(),
        count
    );
    for name in &keep {
        println!("{name}");
    }
    Ok(())
}

/// Copies a protobuf message, leaving out every occurrence of top-level field `number`.
/// Works on the wire format, so unknown fields and extensions pass through byte for byte.
fn strip_field(bytes: &[u8], number: u32) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut buf = bytes;
    while buf.has_remaining() {
        let start = bytes.len() - buf.remaining();
        let (tag, wire_type) = decode_key(&mut buf)?;
        match wire_type {
            WireType::Varint => {
                decode_varint(&mut buf)?;
            }
            WireType::SixtyFourBit => buf.advance(8),
            WireType::ThirtyTwoBit => buf.advance(4),
            WireType::LengthDelimited => {
                let len = usize::try_from(decode_varint(&mut buf)?)?;
                if len > buf.remaining() {
                    return Err("truncated length-delimited field".into());
                }
                buf.advance(len);
            }
            WireType::StartGroup | WireType::EndGroup => {
                return Err("groups do not occur in descriptor.proto".into());
            }
        }
        let end = bytes.len() - buf.remaining();
        if tag != number {
            out.extend_from_slice(&bytes[start..end]);
        }
    }
    Ok(out)
}

/// The unpacked envoy-types sources in the cargo registry, found through `cargo metadata`.
fn envoy_types_dir(manifest_dir: &Path) -> Result<PathBuf, Error> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--manifest-path",
        ])
        .arg(manifest_dir.join("Cargo.toml"))
        .output()?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned().into());
    }
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let packages = meta["packages"]
        .as_array()
        .ok_or("no packages in cargo metadata")?;
    for p in packages {
        if p["name"] == "envoy-types" && p["version"] == ENVOY_TYPES_VERSION {
            let manifest = p["manifest_path"].as_str().ok_or("no manifest_path")?;
            return Ok(Path::new(manifest)
                .parent()
                .ok_or("manifest_path has no parent")?
                .to_path_buf());
        }
    }
    Err(format!("envoy-types {ENVOY_TYPES_VERSION} not found by cargo metadata").into())
}
