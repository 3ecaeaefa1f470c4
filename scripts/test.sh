#!/usr/bin/env bash
# The whole suite, as CI runs it: formatting, lints, unit + protocol + emulator tests, and the
# real-Terraform acceptance tests (terraform 1.11.4 from /usr/local/bin), then the generated-docs
# and examples checks.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

command -v terraform >/dev/null || { echo "terraform is required on PATH (1.6 or newer)" >&2; exit 1; }

if [ -x scripts/setup-test-deps.sh ]; then
  step "test dependencies"
  scripts/setup-test-deps.sh
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

step "cargo test (unit, protocol, emulator, client and real-Terraform acceptance tests)"
# Acceptance tests each start terraform and an emulator; two at a time fits a 2-core machine.
cargo test --all-targets --no-fail-fast -- --test-threads="${TEST_THREADS:-2}"

step "scripts/bench.py --quick (N = 20 on the debug binary cargo test built; figures, no timing assertions)"
scripts/bench.py --quick

for extra in scripts/check-docs.sh scripts/probe-compile-check.sh; do
  if [ -x "$extra" ]; then
    step "$extra"
    "$extra"
  fi
done
