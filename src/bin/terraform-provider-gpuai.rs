//! `terraform-provider-gpuai`: the release binary of the `gpuai` member (GoReleaser builds one
//! binary per member; all share the library).

fn main() -> std::process::ExitCode {
    gpucloud::cli::main(Some("gpuai"))
}
