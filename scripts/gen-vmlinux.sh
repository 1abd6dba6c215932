#!/usr/bin/env bash
# Regenerate the vendored vmlinux.h from the running kernel's BTF.
# Usage: scripts/gen-vmlinux.sh [OUTPUT] [BTF_FILE]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
case "$(uname -m)" in
  x86_64) arch=x86 ;;
  aarch64|arm64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
out="${1:-$root/vmlinux/$arch/vmlinux.h}"
btf="${2:-/sys/kernel/btf/vmlinux}"
if [[ ! -r "$btf" ]]; then
  echo "gen-vmlinux: no kernel BTF at $btf (CONFIG_DEBUG_INFO_BTF=y is needed)" >&2
  exit 3
fi
mkdir -p "$(dirname "$out")"
tmp="$(mktemp "${out}.XXXXXX")"
bpftool btf dump file "$btf" format c > "$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$out"
echo "gen-vmlinux: wrote $out" >&2
