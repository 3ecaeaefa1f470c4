#!/usr/bin/env bash
# The demo: build the provider, start the embedded emulator, `terraform apply` an example
# against it, show the result, then destroy everything.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

command -v terraform >/dev/null || { echo "terraform is required on PATH (1.6 or newer)" >&2; exit 1; }

echo "==> building the provider"
cargo build --quiet --bin terraform-provider-gpucloud
bin="$root/target/debug/terraform-provider-gpucloud"

work=$(mktemp -d)
cleanup() {
  [ -n "${emu_pid:-}" ] && kill "$emu_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=${DEMO_PORT:-4010}
echo "==> starting the emulator on 127.0.0.1:$port"
"$bin" emulator --listen "127.0.0.1:$port" --step-ms 300 >"$work/emulator.log" 2>&1 &
emu_pid=$!
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$port/_admin/ledger" >/dev/null 2>&1 && break
  sleep 0.2
done

mkdir -p "$work/plugins" "$work/config"
{
  echo 'provider_installation {'
  echo '  dev_overrides {'
  for m in icgpu amd rocm shadeform gpuai; do
    ln -sf "$bin" "$work/plugins/terraform-provider-$m"
    echo "    \"registry.terraform.io/gpucloud/$m\" = \"$work/plugins\""
  done
  echo '  }'
  echo '  direct {}'
  echo '}'
} >"$work/terraformrc"
cp examples/demo/*.tf "$work/config/"

export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export GPUCLOUD_POLL_INTERVAL_MS=300
export ICGPU_ENDPOINT="http://127.0.0.1:$port/icgpu" ICGPU_TOKEN=icgpu-test-token

cd "$work/config"
echo "==> terraform apply"
terraform apply -auto-approve -input=false
echo "==> terraform output"
terraform output
echo "==> terraform plan (expect no changes)"
terraform plan -detailed-exitcode -input=false
echo "==> terraform destroy"
terraform destroy -auto-approve -input=false
echo "==> emulator ledger"
curl -s "http://127.0.0.1:$port/_admin/ledger"
echo
