# Sourced by bench/start-stop and bench/storm: the /etc their jobs run with. Each runs its
# measurements in a private mount namespace of its own (`unshare --mount --propagation private`,
# the script re-executing itself with --inner); there, /etc gets private copies of passwd and
# group with a vcap user if the host has none. The host's user database is never touched: no
# useradd, no userdel, no file of the host's /etc written.

# private_etc_free_id PASSWD GROUP: the first id from 1000 up that no user in PASSWD and no group
# in GROUP has (nobody's 65534 would make files of nobody look like vcap's).
private_etc_free_id() {
  local id=1000
  while awk -F: -v id="$id" '$3 == id { f = 1 } END { exit !f }' "$1" "$2"; do id=$((id + 1)); done
  echo "$id"
}

# private_etc_add_vcap DIR: unless DIR/passwd has a vcap user, adds one to DIR/passwd and a group
# of the same id to DIR/group (private_etc_free_id). Prints where vcap comes from.
private_etc_add_vcap() {
  local id
  if grep -q '^vcap:' "$1/passwd"; then echo "the host's"; return 0; fi
  id=$(private_etc_free_id "$1/passwd" "$1/group")
  echo "vcap:x:$id:$id:bpm bench:/nonexistent:/usr/sbin/nologin" >>"$1/passwd"
  echo "vcap:x:$id:" >>"$1/group"
  echo "added in the namespace"
}

# private_etc_mount DIR: /etc with copies of the host's passwd and group and vcap
# (private_etc_add_vcap), kept in DIR (under the benchmark's root), in the mount namespace of
# this shell, which must not be its parent's: the script's --inner part, which unshare runs.
# Sets private_etc_mounts (what to unmount) and private_etc_vcap (vcap's uid:gid), and prints them.
private_etc_mount() {
  local dir=$1 from ns parent_ns
  # the parent's namespace, not pid 1's: /proc/1/ns cannot always be read (a sandbox's pid 1)
  ns=$(readlink /proc/self/ns/mnt) || true
  parent_ns=$(readlink "/proc/$PPID/ns/mnt") || true
  if [ -z "$ns" ] || [ -z "$parent_ns" ] || [ "$ns" = "$parent_ns" ]; then
    echo "private_etc_mount: not in a mount namespace of its own (${ns:-?}, the parent's ${parent_ns:-?}): the host's /etc is not mounted over" >&2
    return 1
  fi
  mkdir -p "$dir/upper" "$dir/work"
  cp /etc/passwd /etc/group "$dir/upper/"
  from=$(private_etc_add_vcap "$dir/upper")
  # The copies are the upper layer of an overlay over /etc. Bound over /etc/passwd itself, a copy
  # is lost when the host's file is replaced meanwhile (useradd or userdel of a test renames a new
  # file over it: the kernel detaches mounts on the replaced file in every namespace, tried here),
  # and vcap is gone mid-run. Without overlayfs, the files are bound all the same.
  if mount -t overlay bpm-bench-etc -o "lowerdir=/etc,upperdir=$dir/upper,workdir=$dir/work" /etc 2>"$dir/mount.err"; then
    private_etc_mounts=(/etc)
  else
    echo "note: no overlay over /etc ($(tr '\n' ' ' <"$dir/mount.err")): passwd and group are bound over the host's, which a change of the host's undoes"
    mount --bind "$dir/upper/passwd" /etc/passwd
    mount --bind "$dir/upper/group" /etc/group
    private_etc_mounts=(/etc/group /etc/passwd)
  fi
  private_etc_vcap=$(awk -F: '$1 == "vcap" { print $3 ":" $4; exit }' /etc/passwd)
  echo "vcap: uid:gid $private_etc_vcap, $from"
}

# private_etc_unmount ROOT: /etc as the host has it again (only what is still mounted is
# unmounted), then checks that nothing under ROOT is mounted in the namespace: it ends with the
# last process in it anyway, but the jobs' mounts must be gone by then too.
private_etc_unmount() {
  local m
  for m in "${private_etc_mounts[@]}"; do
    if awk -v m="$m" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; then umount "$m"; fi
  done
  private_etc_mounts=()
  if grep -qF "$1" /proc/self/mountinfo; then
    echo "LEFT BEHIND: mounts under $1 in the namespace bpm ran in:"; grep -F "$1" /proc/self/mountinfo
  fi
  return 0
}
