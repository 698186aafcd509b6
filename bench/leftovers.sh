# Sourced by bench/start-stop and bench/storm, for the end of a run, outside its private mount
# namespace, once its jobs are stopped.

# bench_leftovers ROOT MARKER CGROUP...: reports what the run left and removes it: processes
# whose command line holds MARKER (killed), cgroups named CGROUP (find -name patterns; removed if
# empty), mounts under ROOT in this (the host's) namespace (kept, and then ROOT is kept too).
# Removes ROOT, and says so when nothing was left.
bench_leftovers() {
  local root=$1 marker=$2 left=() p cg name names=() list
  shift 2
  # [x]: the first character in brackets, so that grep does not find its own command line
  for p in $(grep -ls -- "[${marker:0:1}]${marker:1}" /proc/[0-9]*/cmdline); do
    p=${p#/proc/}; p=${p%/cmdline}
    [ "$p" != "$$" ] && [ "$p" != "$BASHPID" ] && left+=("$p")
  done
  if [ ${#left[@]} -gt 0 ]; then
    echo "LEFT BEHIND: processes ${left[*]}: killed"
    for p in "${left[@]}"; do kill -KILL "$p" 2>/dev/null; done
  fi
  for name in "$@"; do names+=(-o -name "$name"); done
  cg=$(find /sys/fs/cgroup -maxdepth 6 -depth -type d \( "${names[@]:1}" \) 2>/dev/null)
  if [ -n "$cg" ]; then
    [ ${#left[@]} -eq 0 ] || sleep 1
    echo "LEFT BEHIND: cgroups (removed if empty):" $cg
    for p in $cg; do rmdir "$p" 2>/dev/null; done
  fi
  if grep -qF "$root" /proc/self/mountinfo; then
    echo "LEFT BEHIND: mounts under $root (not removed):"; grep -F "$root" /proc/self/mountinfo
    return 0
  fi
  rm -rf "$root"
  printf -v list '%s, ' "$@"
  [ -n "$cg" ] || [ ${#left[@]} -gt 0 ] || echo "cleanup: $root removed; no mount, cgroup (${list%, }) or job process left"
}
