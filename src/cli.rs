//! The command line of every binary: `terraform-provider-gpucloud` (multi-call: installed or
//! linked as `terraform-provider-<member>` it serves that member; `--provider <member>` picks
//! one explicitly) and the per-member release binaries, which fix their member.

use crate::framework::server::ProviderServer;
use crate::plugin::{self, Handshake, ServeOptions};
use crate::providers;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "terraform-provider-gpucloud", version, about)]
struct Cli {
    /// The member provider to serve (default: from the executable's name,
    /// terraform-provider-<member>).
    #[arg(long, global = true)]
    provider: Option<String>,
    /// Serve without Terraform's handshake and print a TF_REATTACH_PROVIDERS value.
    #[arg(long)]
    debug: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the GPU-cloud API emulator (all five APIs on one loopback port).
    Emulator(crate::emulator::EmulatorArgs),
    /// Generate the Registry documentation of every member from the live schema.
    Docs {
        /// Where the docs tree goes (one folder per member).
        #[arg(long, default_value = "docs")]
        out: std::path::PathBuf,
        /// Compare instead of writing; exit 1 when a page differs.
        #[arg(long)]
        check: bool,
    },
}

/// `terraform-provider-icgpu_v1.2.3` → `icgpu`.
fn member_from_argv0(argv0: &str) -> Option<String> {
    let base = std::path::Path::new(argv0).file_name()?.to_str()?;
    let rest = base.strip_prefix("terraform-provider-")?;
    let end = rest.find(['_', '.']).unwrap_or(rest.len());
    Some(rest[..end].to_string()).filter(|m| !m.is_empty())
}

fn unknown_member(name: Option<&str>) -> ExitCode {
    match name {
        Some(n) => eprintln!("Unknown provider {n:?}."),
        None => eprintln!("No provider chosen."),
    }
    eprintln!(
        "Choose one with --provider <name>, or install this binary as \
         terraform-provider-<name>. Members:"
    );
    for m in providers::MEMBERS {
        eprintln!("  {m}");
    }
    ExitCode::from(2)
}

/// At most this many runtime workers: RPCs mostly wait on HTTP, and every thread is started
/// anew each time Terraform starts the provider (several times per command).
const MAX_WORKERS: usize = 4;

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(MAX_WORKERS));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("Could not start the async runtime: {e}");
            ExitCode::from(1)
        })
}

fn docs(out: &std::path::Path, check: bool) -> ExitCode {
    let repo = std::path::Path::new(".");
    match crate::docs::generate(repo, out, check) {
        Ok(differing) if differing.is_empty() => ExitCode::SUCCESS,
        Ok(differing) => {
            for p in differing {
                eprintln!("stale: {}", p.display());
            }
            eprintln!("Docs differ from the live schema: run `terraform-provider-gpucloud docs`.");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("Could not write the docs: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs the command line. `fixed_member` is the member a per-member binary serves.
pub fn main(fixed_member: Option<&str>) -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Emulator(args)) => {
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(code) => return code,
            };
            return match rt.block_on(crate::emulator::run_cli(args)) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("Emulator: {e}");
                    ExitCode::from(1)
                }
            };
        }
        Some(Command::Docs { out, check }) => return docs(&out, check),
        None => {}
    }

    // Under Terraform, check the handshake before anything else: a person who runs the
    // binary by hand should first learn that it is a plugin.
    let opts = if cli.debug {
        ServeOptions::debug()
    } else {
        match Handshake::from_env() {
            Ok(h) => ServeOptions::plugin(h),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        }
    };

    let argv0 = std::env::args().next().unwrap_or_default();
    let name = cli
        .provider
        .or_else(|| fixed_member.map(str::to_string))
        .or_else(|| member_from_argv0(&argv0));
    let Some(provider) = name.as_deref().and_then(providers::member) else {
        return unknown_member(name.as_deref());
    };

    plugin::logging::init(provider.name());
    plugin::logging::install_panic_hook();
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match runtime.block_on(plugin::serve(ProviderServer::new(provider), opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::member_from_argv0;

    #[test]
    fn member_comes_from_the_executable_name() {
        assert_eq!(
            member_from_argv0("/x/terraform-provider-icgpu_v0.1.0_x5").as_deref(),
            Some("icgpu")
        );
        assert_eq!(
            member_from_argv0("terraform-provider-amd.exe").as_deref(),
            Some("amd")
        );
        assert_eq!(
            member_from_argv0("terraform-provider-gpucloud").as_deref(),
            Some("gpucloud")
        );
        assert_eq!(member_from_argv0("gpucloud"), None);
    }
}
