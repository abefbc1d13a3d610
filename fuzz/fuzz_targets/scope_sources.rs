//! Scope-source readers (Terraform through hcl-edit, CloudFormation, JSON exports): any text
//! is read or refused with an error, never a panic; declared spans stay inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portico::load::source::SourceFile;

fuzz_target!(|input: (bool, &str)| {
    let (terraform, text) = input;
    let name = if terraform {
        "idp/scopes.tf"
    } else {
        "idp/scopes.json"
    };
    let file = SourceFile::new(name.into(), name.into(), text.to_string());
    let documents = if terraform {
        Vec::new()
    } else {
        portico::load::yaml::parse(&file).documents
    };
    if let Ok(source) = portico::model::scopes::read(&file, &documents) {
        for scope in &source.scopes {
            assert!(scope.span.end <= text.len());
        }
    }
});
