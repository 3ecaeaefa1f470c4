//! `terraform-provider-shadeform`: the release binary of the `shadeform` member (GoReleaser builds one
//! binary per member; all share the library).

fn main() -> std::process::ExitCode {
    gpucloud::cli::main(Some("shadeform"))
}
