//! Release packaging: `.goreleaser.yml` builds and archives every member under the names the
//! Terraform Registry requires, and the registry manifest declares protocol 6.

use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn goreleaser() -> serde_yaml::Value {
    let text = std::fs::read_to_string(repo().join(".goreleaser.yml")).expect(".goreleaser.yml");
    serde_yaml::from_str(&text).expect("valid YAML")
}

#[test]
fn goreleaser_has_one_build_and_one_zip_archive_per_member_with_registry_names() {
    let g = goreleaser();
    assert_eq!(g["version"].as_i64(), Some(2), "GoReleaser v2 config");
    let builds = g["builds"].as_sequence().expect("builds");
    let archives = g["archives"].as_sequence().expect("archives");
    for member in gpucloud::providers::MEMBERS {
        let bin = format!("terraform-provider-{member}");
        let build: Vec<_> = builds
            .iter()
            .filter(|b| b["id"].as_str() == Some(member))
            .collect();
        assert_eq!(build.len(), 1, "one build for {member}");
        let b = build[0];
        assert_eq!(b["builder"].as_str(), Some("rust"));
        assert_eq!(b["binary"].as_str(), Some(bin.as_str()));
        assert_eq!(b["command"].as_str(), Some("zigbuild"));
        let targets: Vec<&str> = b["targets"]
            .as_sequence()
            .expect("targets")
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        for os in ["linux", "apple-darwin", "windows"] {
            for arch in ["x86_64", "aarch64"] {
                assert!(
                    targets
                        .iter()
                        .any(|t| t.starts_with(arch) && t.contains(os)),
                    "{member}: no {arch} {os} target in {targets:?}"
                );
            }
        }
        let archive: Vec<_> = archives
            .iter()
            .filter(|a| a["id"].as_str() == Some(member))
            .collect();
        assert_eq!(archive.len(), 1, "one archive for {member}");
        let a = archive[0];
        assert_eq!(a["ids"][0].as_str(), Some(*member));
        assert_eq!(a["formats"][0].as_str(), Some("zip"));
        assert_eq!(
            a["name_template"].as_str(),
            Some(format!("{bin}_{{{{ .Version }}}}_{{{{ .Os }}}}_{{{{ .Arch }}}}").as_str())
        );
        // The bin GoReleaser builds must exist in Cargo.toml.
        let cargo = std::fs::read_to_string(repo().join("Cargo.toml")).expect("Cargo.toml");
        assert!(
            cargo.contains(&format!("name = \"{bin}\"")),
            "Cargo.toml lacks [[bin]] {bin}"
        );
    }
    assert_eq!(
        g["checksum"]["name_template"].as_str(),
        Some("terraform-provider-{{ .Env.MEMBER }}_{{ .Version }}_SHA256SUMS")
    );
    assert_eq!(g["signs"][0]["artifacts"].as_str(), Some("checksum"));
    let sign_args: Vec<&str> = g["signs"][0]["args"]
        .as_sequence()
        .expect("args")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(sign_args.contains(&"--detach-sign"));
    assert!(g["checksum"]["extra_files"][0]["name_template"]
        .as_str()
        .is_some_and(|n| n.ends_with("_manifest.json")));
}

#[test]
fn registry_manifest_declares_protocol_6() {
    let text = std::fs::read_to_string(repo().join("terraform-registry-manifest.json"))
        .expect("terraform-registry-manifest.json");
    let m: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(m["version"], 1);
    assert_eq!(
        m["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
}
