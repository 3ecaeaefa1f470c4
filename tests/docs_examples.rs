//! Registry docs and examples stay true to the live schema: committed docs equal freshly
//! generated ones, every attribute is described, and every example is `terraform fmt`-clean and
//! passes `terraform validate` against the built provider.

use crate::support::{Emulator, Tf};
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_docs_match_the_live_schema() {
    let differing = gpucloud::docs::generate(repo(), &repo().join("docs"), true).expect("render");
    assert!(
        differing.is_empty(),
        "docs are stale; run `cargo run -- docs --out docs`. Differing: {differing:?}"
    );
}

#[test]
fn every_attribute_has_a_description() {
    let mut missing = Vec::new();
    for member in gpucloud::providers::MEMBERS {
        let provider = gpucloud::providers::member(member).expect("member exists");
        let server = gpucloud::framework::server::ProviderServer::new(provider);
        missing.extend(gpucloud::docs::missing_descriptions(&server));
    }
    assert!(
        missing.is_empty(),
        "attributes without a description: {missing:#?}"
    );
}

#[test]
fn examples_are_terraform_fmt_clean() {
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-recursive", "-list=true", "examples"])
        .current_dir(repo())
        .output()
        .expect("terraform fmt runs");
    assert!(
        out.status.success(),
        "examples need `terraform fmt -recursive examples`: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Every folder under examples/<member>/ holding a .tf file.
fn example_dirs() -> Vec<(String, PathBuf)> {
    let mut dirs = Vec::new();
    for member in gpucloud::providers::MEMBERS {
        let mut stack = vec![repo().join("examples").join(member)];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut has_tf = false;
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "tf") {
                    has_tf = true;
                }
            }
            if has_tf {
                dirs.push((member.to_string(), dir));
            }
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn every_member_has_examples_for_each_type() {
    for member in gpucloud::providers::MEMBERS {
        let provider = gpucloud::providers::member(member).expect("member exists");
        let server = gpucloud::framework::server::ProviderServer::new(provider);
        let base = repo().join("examples").join(member);
        assert!(
            base.join("provider/provider.tf").exists(),
            "{member}: no provider example"
        );
        for name in server.resource_schemas().keys() {
            let f = base.join("resources").join(name).join("resource.tf");
            assert!(f.exists(), "no example {}", f.display());
        }
        for name in server.data_source_schemas().keys() {
            let f = base.join("data-sources").join(name).join("data-source.tf");
            assert!(f.exists(), "no example {}", f.display());
        }
        for name in server.ephemeral_resource_schemas().keys() {
            let f = base
                .join("ephemeral-resources")
                .join(name)
                .join("ephemeral-resource.tf");
            assert!(f.exists(), "no example {}", f.display());
        }
    }
}

#[test]
fn examples_pass_terraform_validate() {
    let emu = Emulator::start();
    for (member, dir) in example_dirs() {
        let tf = Tf::new(&emu);
        for e in std::fs::read_dir(&dir).expect("read example dir").flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "tf") && !p.ends_with("import-by-string-id.tf") {
                let name = p
                    .file_name()
                    .expect("file name")
                    .to_string_lossy()
                    .into_owned();
                tf.write(&name, &std::fs::read_to_string(&p).expect("read example"));
            }
        }
        // Examples may use other members (e.g. a data source feeding a resource).
        let members: Vec<&str> = gpucloud::providers::MEMBERS.to_vec();
        let mut req = String::from("terraform {\n  required_providers {\n");
        for m in &members {
            req.push_str(&format!("    {m} = {{ source = \"gpucloud/{m}\" }}\n"));
        }
        req.push_str("  }\n}\n");
        if !tf.path().join("versions.tf").exists()
            && !std::fs::read_dir(tf.path())
                .expect("dir")
                .flatten()
                .any(|e| {
                    std::fs::read_to_string(e.path())
                        .unwrap_or_default()
                        .contains("required_providers")
                })
        {
            tf.write("versions.tf", &req);
        }
        let out = tf.run(&["validate", "-no-color"]);
        assert!(
            out.status.success(),
            "{member} example {} fails terraform validate:\n{}",
            dir.display(),
            crate::support::describe(&out)
        );
    }
}

/// The import IDs in `import.sh` and `import-by-string-id.tf`.
fn example_import_ids(dir: &Path) -> Vec<String> {
    let sh = std::fs::read_to_string(dir.join("import.sh")).unwrap_or_default();
    let block = std::fs::read_to_string(dir.join("import-by-string-id.tf")).unwrap_or_default();
    let commands = sh
        .lines()
        .filter_map(|l| l.trim().strip_prefix("terraform import "))
        .filter_map(|rest| rest.split_whitespace().nth(1).map(String::from));
    let blocks = block
        .lines()
        .filter_map(|l| l.trim().strip_prefix("id"))
        .filter_map(|rest| rest.trim().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').to_string());
    commands.chain(blocks).collect()
}

#[test]
fn import_examples_fit_each_resources_declared_id_form() {
    for member in gpucloud::providers::MEMBERS {
        let provider = gpucloud::providers::member(member).expect("member exists");
        for r in provider.resources() {
            let ty = format!("{member}_{}", r.type_name());
            let form = r.import_form();
            let dir = repo()
                .join("examples")
                .join(member)
                .join("resources")
                .join(&ty);
            let ids = example_import_ids(&dir);
            if !form.is_supported() {
                assert!(
                    ids.is_empty(),
                    "{ty} cannot be imported but documents {ids:?}"
                );
                continue;
            }
            assert!(
                !ids.is_empty(),
                "{ty}: no import example in {}",
                dir.display()
            );
            for id in ids {
                if let Err(d) = form.parse(&ty, &id) {
                    panic!("{ty}: the documented import ID {id:?} does not fit: {d:?}");
                }
            }
            assert!(
                form.parse(&ty, &form.example()).is_ok(),
                "{ty}: the form's own example must fit"
            );
        }
    }
}
