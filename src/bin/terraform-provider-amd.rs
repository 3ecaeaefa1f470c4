//! `terraform-provider-amd`: the release binary of the `amd` member (GoReleaser builds one
//! binary per member; all share the library).

fn main() -> std::process::ExitCode {
    gpucloud::cli::main(Some("amd"))
}
