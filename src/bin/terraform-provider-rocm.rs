//! `terraform-provider-rocm`: the release binary of the `rocm` member (GoReleaser builds one
//! binary per member; all share the library).

fn main() -> std::process::ExitCode {
    gpucloud::cli::main(Some("rocm"))
}
