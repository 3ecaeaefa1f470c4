//! `terraform-provider-icgpu`: the release binary of the `icgpu` member (GoReleaser builds one
//! binary per member; all share the library).

fn main() -> std::process::ExitCode {
    gpucloud::cli::main(Some("icgpu"))
}
