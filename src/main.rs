//! `terraform-provider-gpucloud`: one binary, many providers (see `gpucloud::cli`).

fn main() -> std::process::ExitCode {
    gpucloud::cli::main(None)
}
