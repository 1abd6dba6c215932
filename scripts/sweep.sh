#!/usr/bin/env bash
# Removes what a killed or crashed test run can leave on the machine, so the
# next run starts from a clean one: processes the tests started (they carry
# BINDTRACE_TEST_RUN in their environment), test pins under /sys/fs/bpf,
# bt-* network namespaces, the cgroups the tests created (listed in
# /run/bindtrace-tests/cgroups as they are made) and the tests' tmpfs mounts.
# Prints one line of what it removed. Run it only when no test run is active.
set -uo pipefail

procs=0 pins=0 netns=0 cgroups=0 mounts=0

# 1. Processes: everything carrying the tests' marker, except this script and
#    its ancestors (test.sh runs ctest with the marker only in ctest's own env).
self_and_ancestors=" $$ "
p=$$
while [ "$p" -gt 1 ] 2>/dev/null; do
  p="$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null)" || break
  [ -n "$p" ] || break
  self_and_ancestors+="$p "
done
for env in /proc/[0-9]*/environ; do
  pid="${env#/proc/}"; pid="${pid%/environ}"
  case "$self_and_ancestors" in *" $pid "*) continue ;; esac
  if grep -qz '^BINDTRACE_TEST_RUN=' "$env" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null && procs=$((procs + 1))
  fi
done
[ "$procs" -gt 0 ] && sleep 0.2  # let the kills land before cgroups are removed

# 2. Test pins (only when bpffs is mounted; the tests mount it themselves).
if [ -d /sys/fs/bpf ]; then
  for pin in /sys/fs/bpf/bt-test-* /sys/fs/bpf/bt-hostile-* /sys/fs/bpf/bt-cli-validation-* \
             /sys/fs/bpf/bindtrace-test; do
    [ -e "$pin" ] || continue
    rm -rf "$pin" 2>/dev/null && pins=$((pins + 1))
  done
fi

# 3. Network namespaces the tests named bt-*.
if command -v ip >/dev/null; then
  for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^bt-/ {print $1}'); do
    ip netns delete "$ns" 2>/dev/null && netns=$((netns + 1))
  done
fi

# 4. The tests' tmpfs mounts (source bindtrace-test), deepest first.
for m in $(awk '$1 == "bindtrace-test" {print $2}' /proc/self/mounts | sort -r); do
  umount -l "$m" 2>/dev/null && mounts=$((mounts + 1))
done

# 5. Cgroups the tests created, deepest first; a leftover process goes to the
#    root cgroup first (a cgroup with members cannot be removed).
registry=/run/bindtrace-tests/cgroups
if [ -f "$registry" ]; then
  while IFS= read -r dir; do
    [ -d "$dir" ] || continue
    root="$(findmnt -n -o TARGET -T "$dir" 2>/dev/null)"
    if [ -n "$root" ] && [ -f "$dir/cgroup.procs" ]; then
      while read -r member; do echo "$member" >"$root/cgroup.procs" 2>/dev/null; done <"$dir/cgroup.procs"
    fi
    rmdir "$dir" 2>/dev/null && cgroups=$((cgroups + 1))
  done < <(sort -u "$registry" | awk '{print length($0) "\t" $0}' | sort -rn | cut -f2-)
  : >"$registry"
fi

if [ $((procs + pins + netns + cgroups + mounts)) -eq 0 ]; then
  echo "sweep: nothing left over by test runs"
else
  echo "sweep: removed $procs test processes, $pins test pins, $netns netns, $cgroups cgroups, $mounts mounts"
fi
