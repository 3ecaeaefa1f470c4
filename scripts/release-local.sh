#!/usr/bin/env bash
# Builds this host's release archives in the Terraform Registry layout, plus a
# filesystem_mirror that `terraform init` can install from — no GoReleaser needed.
#
#   scripts/release-local.sh [--version 0.1.0] [--out dist/local] [--profile release|dev]
#                            [--bin-dir DIR]   (package binaries already built into DIR)
#
# Output, for each member:
#   <out>/terraform-provider-<member>_<version>_<os>_<arch>.zip
#   <out>/terraform-provider-<member>_<version>_manifest.json
#   <out>/terraform-provider-<member>_<version>_SHA256SUMS
#   <out>/mirror/registry.terraform.io/gpucloud/<member>/terraform-provider-<member>_<version>_<os>_<arch>.zip
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
out=dist/local
profile=release
bin_dir=
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --bin-dir) bin_dir=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) echo "unsupported OS $(uname -s)" >&2; exit 1 ;;
esac
case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

members="icgpu amd rocm shadeform gpuai"
if [ -z "$bin_dir" ]; then
  bins=""
  for m in $members; do bins="$bins --bin terraform-provider-$m"; done
  # shellcheck disable=SC2086
  cargo build --quiet --profile "$profile" $bins
  target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  case "$profile" in dev) sub=debug ;; *) sub=$profile ;; esac
  bin_dir="$target_dir/$sub"
fi

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
for m in $members; do
  name="terraform-provider-${m}_${version}"
  stage=$(mktemp -d)
  cp "$bin_dir/terraform-provider-$m" "$stage/terraform-provider-$m"
  cp LICENSE CHANGELOG.md "$stage/"
  (cd "$stage" && python3 - "$out/${name}_${os}_${arch}.zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(os.listdir(".")):
        info = zipfile.ZipInfo(f, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = (0o755 if f.startswith("terraform-provider-") else 0o644) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(f, "rb") as fh:
            z.writestr(info, fh.read())
PY
  )
  rm -rf "$stage"
  cp terraform-registry-manifest.json "$out/${name}_manifest.json"
  (cd "$out" && sha256sum "${name}_${os}_${arch}.zip" "${name}_manifest.json" >"${name}_SHA256SUMS")
  mirror="$out/mirror/registry.terraform.io/gpucloud/$m"
  mkdir -p "$mirror"
  cp "$out/${name}_${os}_${arch}.zip" "$mirror/"
done
echo "archives and mirror in $out (version $version, ${os}_${arch})"
