#!/bin/bash
# test/vm/checks.sh MODE OUT [CHECK...]: the lifecycle checks bin/vm-test runs inside the v2vm guest, as
# root, against this checkout's bin/bpm. MODE is cgroupfs (busybox init, pure cgroup v2, this
# script in the root cgroup) or systemd (systemd PID 1, this script in the service cgroup
# /system.slice/v2vm-command.service, as monit.service on a Noble stemcell). OUT is a directory
# in the shared working directory for the details of failed checks and the counts (file
# "result": passed failed skipped start-ms... stop-ms...), which bin/vm-test turns into the
# mode's one summary line.
#
# One line per check on standard output: PASS, FAIL or SKIP, the check's name and what was seen
# or why it could not run. After every check, whatever is left of its jobs (scope, cgroup, mount,
# pid file, process; under systemd any failed unit) fails the check and is then removed, so the
# next check starts clean. Jobs live in a temporary BOSH root in the guest's /var/tmp (the
# overlay: gone at poweroff).
set -u
MODE=$1
OUT=$2
REPO=$PWD   # bin/vm-test shares the checkout as the working directory
mkdir -p "$OUT"
: >"$OUT/result"

# bpm as monit runs it here: this checkout's bin/bpm, tini as the init, without the AOT cache (a
# cache trained on the host's CPU crashes the guest's qemu64 JVM with SIGILL)
export BPM_AOT=off BPM_INIT=/usr/bin/tini
ROOT=$(mktemp -d /var/tmp/bpm-vm.XXXXXX)
chmod 755 "$ROOT"
mkdir -p "$ROOT/data/packages" "$ROOT/sys/log" "$ROOT/store"
export BPM_BOSH_ROOT=$ROOT
FAULT_CP=$(cat "$OUT/../fault-classpath" 2>/dev/null)   # written by bin/vm-test: FaultyBpm's class path

# the guest's root is the host's, read-only under a tmpfs overlay: a vcap made here vanishes at poweroff
id vcap >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin vcap

NPASS=0 NFAIL=0 NSKIP=0
START_MS=() STOP_MS=()
CHECK="" PROBLEMS=() NOTES=() JOBS=()

# ---- results -------------------------------------------------------------------------------
begin() { CHECK=$1; PROBLEMS=(); NOTES=(); JOBS=(); echo "== $CHECK" >>"$OUT/details.log"; }
bad() { PROBLEMS+=("$*"); echo "problem: $*" >>"$OUT/details.log"; }
note() { NOTES+=("$*"); }
joined() { local out="" n; for n; do out+="${out:+; }$n"; done; echo "$out"; }
# ends the check: what its jobs left fails it, then PASS or FAIL with what was seen
end() {
  left "${JOBS[@]}"
  if [ ${#PROBLEMS[@]} -eq 0 ]; then
    NPASS=$((NPASS + 1)); echo "PASS $CHECK: $(joined "${NOTES[@]}")"
  else
    NFAIL=$((NFAIL + 1)); echo "FAIL $CHECK: $(joined "${PROBLEMS[@]}")"
  fi
}
skip() { NSKIP=$((NSKIP + 1)); echo "SKIP $1: $2"; }

# ---- bpm -----------------------------------------------------------------------------------
# bpm ARGS...: runs bin/bpm; sets RC, BOUT, BERR (files) and MS (wall time in ms)
BOUT=$(mktemp) BERR=$(mktemp)
bpm() {
  local t0; t0=$(date +%s%N)
  timeout -k 5 300 "$REPO/bin/bpm" "$@" >"$BOUT" 2>"$BERR"
  RC=$?
  MS=$((($(date +%s%N) - t0) / 1000000))
  { echo "\$ bpm $* -> $RC in $MS ms"; cat "$BOUT" "$BERR"; } >>"$OUT/details.log"
}
lasterr() { tail -n 1 "$BERR"; }
# start JOB / stop JOB: bpm start or stop, timed; a failure is a problem of the check
start() {
  bpm start "$@"; START_MS+=("$MS")
  [ "$RC" = 0 ] || bad "bpm start $* exited $RC: $(lasterr)"
  [ "$RC" = 0 ]
}
stop() {
  bpm stop "$@"; STOP_MS+=("$MS")
  [ "$RC" = 0 ] || bad "bpm stop $* exited $RC: $(lasterr)"
}

# mkjob JOB SCRIPT [YAML]: packages/JOB/bin/run (SCRIPT, with its #! line) and jobs/JOB/config/bpm.yml
# with one process named like the job, plus YAML lines under it
mkjob() {
  JOBS+=("$1")
  mkdir -p "$ROOT/jobs/$1/config" "$ROOT/packages/$1/bin"
  printf '%s\n' "$2" >"$ROOT/packages/$1/bin/run"
  chmod 755 "$ROOT/packages/$1/bin/run" "$ROOT/packages/$1/bin" "$ROOT/packages/$1" "$ROOT/jobs/$1" "$ROOT/jobs/$1/config"
  printf 'processes:\n- name: %s\n  executable: /var/vcap/packages/%s/bin/run\n%s' "$1" "$1" "${3:-}" \
    >"$ROOT/jobs/$1/config/bpm.yml"
}
pidfile() { echo "$ROOT/sys/run/bpm/$1/$1.pid"; }
stdout_log() { cat "$ROOT/sys/log/$1/$1.stdout.log" 2>/dev/null; }
stderr_log() { cat "$ROOT/sys/log/$1/$1.stderr.log" 2>/dev/null; }
# the live init (tini) the pid file names, or nothing
live() {
  local p; p=$(cat "$(pidfile "$1")" 2>/dev/null) || return 0
  [ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = tini ] && echo "$p"
  return 0
}
# the job's running inits: tinis running its executable whose parent is not one of them (a child
# tini has just forked still looks like tini until it execs the job)
instances() {
  local p n=0
  for p in $(pgrep -x tini); do
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "/packages/$1/bin/run" || continue
    [ "$(cat "/proc/$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)/comm" 2>/dev/null)" = tini ] && continue
    n=$((n + 1))
  done
  echo "$n"
}
# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s
wait_for() {
  local s=$1; shift
  local end=$(($(date +%s) + s))
  until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}
output_has() { stdout_log "$1" | grep -q -- "$2"; }
is_live() { [ -n "$(live "$1")" ]; }

# ---- cgroups and scopes --------------------------------------------------------------------
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }
# limit FILE PID: the nearest value of FILE other than "max" from the pid's cgroup up (the limit
# that binds it, wherever the driver put it), as "VALUE PATH"; nothing if none
limit() {
  local d="/sys/fs/cgroup$(cgroup_of "$2")" v
  while [ "$d" != /sys/fs/cgroup ] && [ -n "$d" ]; do
    v=$(cat "$d/$1" 2>/dev/null)
    if [ -n "$v" ] && [ "$v" != max ]; then echo "$v ${d#/sys/fs/cgroup}"; return; fi
    d=${d%/*}
  done
}
# the scope bpm 1.4.33+ runs a job in (bpm-behaviour.md 4.11), from the caller's 0:: path and the container id
scope_unit() {
  local IFS=/ parts i slice=system.slice unique=""
  read -ra parts <<<"${1#/}"
  for ((i = 0; i < ${#parts[@]}; i++)); do
    if [[ ${parts[i]} == *.slice ]]; then
      slice=${parts[i]}
      [ $((i + 1)) -lt ${#parts[@]} ] && unique="${parts[i + 1]//[^A-Za-z0-9_-]/-}-"
      break
    fi
  done
  if [ -z "$unique" ]; then
    for i in "${parts[@]}"; do [ -n "$i" ] && { unique="${i//[^A-Za-z0-9_-]/-}-"; break; }; done
  fi
  echo "$slice ${unique}bpm-$2.scope"
}
# check_limits JOB PID MEMORY_BYTES PIDS: the job's cgroupfs values, and under systemd its scope
check_limits() {
  local j=$1 pid=$2 mem=$3 pids=$4 m p s cg
  cg=$(cgroup_of "$pid")
  m=$(limit memory.max "$pid"); p=$(limit pids.max "$pid")
  [ "${m%% *}" = "$mem" ] || bad "memory.max above the init's cgroup $cg is '${m:-max}', not $mem"
  [ "${p%% *}" = "$pids" ] || bad "pids.max above the init's cgroup $cg is '${p:-max}', not $pids"
  note "init in $cg, memory.max=$mem and pids.max=$pids (at ${m#* })"
  # for check_swap: memory.swap.max as bpm left it, or nothing where the kernel has no such file
  SWAP=""
  [ -e "/sys/fs/cgroup$cg/memory.swap.max" ] && { SWAP=$(limit memory.swap.max "$pid"); SWAP=${SWAP:-max}; }
  [ "$MODE" = systemd ] || return 0
  local own unit show
  own=$(cgroup_of $$)
  [ -n "${5:-}" ] && own=$5
  read -r slice unit <<<"$(scope_unit "$own" "bpm-$j")"
  show=$(systemctl show "$unit" -p MemoryMax,TasksMax,ControlGroup,ActiveState 2>&1 | tr '\n' ' ')
  echo "systemctl show $unit: $show" >>"$OUT/details.log"
  for want in "MemoryMax=$mem" "TasksMax=$pids" "ControlGroup=/$slice/$unit" "ActiveState=active"; do
    [[ " $show" == *" $want "* ]] || bad "systemctl show $unit: want $want, got: $show"
  done
  case $cg in "/$slice/$unit"|"/$slice/$unit/"*) ;; *) bad "the init is in $cg, not in the scope /$slice/$unit" ;; esac
  note "$unit active with MemoryMax=$mem TasksMax=$pids"
}

# left JOB...: whatever is left of the jobs fails the check, and is removed; under systemd any
# bpm scope (but KEEP's, a job running on purpose between checks) and any failed unit too
KEEP=""
left() {
  local j p c m u
  for j; do
    [ -e "$(pidfile "$j")" ] && { bad "left: pid file $(pidfile "$j")"; rm -f "$(pidfile "$j")"; }
    p=$(pgrep -f "/packages/$j/bin/" | tr '\n' ' ')
    [ -n "$p" ] && { bad "left: processes $p"; kill -KILL $p 2>/dev/null; }
    for c in $(find /sys/fs/cgroup -type d \( -name "bpm-$j" -o -name "bpm-$j.*" -o -name "*-bpm-bpm-$j.scope" \) 2>/dev/null); do
      bad "left: cgroup ${c#/sys/fs/cgroup} (processes: $(cat "$c/cgroup.procs" 2>/dev/null | tr '\n' ' '))"
      [ -e "$c/cgroup.kill" ] && echo 1 >"$c/cgroup.kill" 2>/dev/null
    done
    for m in $(awk -v j="/$j" '{ if (index($5, "'"$ROOT"'") == 1 && index($5, j) > 0) print $5 }' /proc/self/mountinfo | sort -r); do
      bad "left: mount $m"; umount -l "$m" 2>/dev/null
    done
  done
  if [ "$MODE" = systemd ]; then
    for u in $(systemctl list-units --all --plain --no-legend 'bpm*' '*-bpm-*' 2>/dev/null | awk '{print $1}'); do
      [ -n "$KEEP" ] && [[ $u == *-bpm-bpm-$KEEP.scope ]] && continue
      bad "left: unit $u ($(systemctl show "$u" -p ActiveState,Result --value 2>/dev/null | tr '\n' ' '))"
      systemctl stop "$u" 2>/dev/null; systemctl reset-failed "$u" 2>/dev/null
    done
    for u in $(systemctl list-units --failed --plain --no-legend 2>/dev/null | awk '{print $1}'); do
      bad "failed unit $u"; systemctl reset-failed "$u" 2>/dev/null
    done
  fi
  sleep 0.2
  find /sys/fs/cgroup -depth -type d \( -name "bpm-*" -o -name "*-bpm-bpm-*" \) -exec rmdir {} \; 2>/dev/null
  return 0
}

# ---- the checks ----------------------------------------------------------------------------
STAYS='trap "echo got TERM; exit 0" TERM; echo up; while :; do sleep 0.2; done'

check_start_stop_list() {
  begin start-stop
  local j=vm-basic pid
  mkjob $j "#!/bin/sh
$STAYS" "  limits:
    memory: 64M
    processes: 50
"
  if start $j && wait_for 60 output_has $j up; then
    pid=$(live $j)
    [ -n "$pid" ] || bad "the pid file names no live tini: $(cat "$(pidfile $j)" 2>&1)"
    [ "$(instances $j)" = 1 ] || bad "$(instances $j) instances running, not 1"
    note "started in ${START_MS[-1]} ms"
    bpm pid $j
    [ "$RC" = 0 ] && [ "$(cat "$BOUT")" = "$pid" ] || bad "bpm pid printed '$(cat "$BOUT")' (exit $RC), the pid file names $pid"
    bpm list
    grep -w "$j" "$BOUT" | grep -q running || bad "bpm list does not show $j running: $(tr '\n' '|' <"$BOUT")"
    [ -n "$pid" ] && check_limits $j "$pid" 67108864 50
    stop $j
    output_has $j "got TERM" || bad "the job did not get TERM"
    note "stopped in ${STOP_MS[-1]} ms"
  else
    bad "the job did not say up: $(stdout_log $j) $(stderr_log $j)"
  fi
  end
  check_swap
}

# swap 0 where swap can be limited (issue 13: decided from the job's parent cgroup, not the root,
# which never has memory.swap.max); the VM has no swap, so the value is all there is to check
check_swap() {
  if [ -z "${SWAP+set}" ]; then
    skip memory-swap-0 "start-stop saw no running job"
  elif [ -z "$SWAP" ]; then
    skip memory-swap-0 "the job's cgroup has no memory.swap.max (a kernel without swap accounting)"
  else
    begin memory-swap-0
    [ "${SWAP%% *}" = 0 ] || bad "the job's memory.swap.max is '${SWAP%% *}', not 0: a job past its memory limit would swap (on a VM with swap) instead of being OOM-killed"
    note "memory.swap.max=0 at ${SWAP#* }"
    end
  fi
}

# bpm features tells the host shape: cgroup v2, and under systemd the systemd driver
check_features() {
  begin features
  bpm features
  local cg; cg=$(grep '^cgroup ' "$BOUT")
  [[ $cg == *v2* ]] || bad "bpm features' cgroup line does not say v2: '$cg'"
  [ "$MODE" != systemd ] || grep -qi systemd "$BOUT" || bad "bpm features does not mention systemd: $(grep -i cgroup "$BOUT" | tr -s ' ' | tr '\n' '|')"
  note "$(echo "$cg" | tr -s ' '); $(grep '^cgroup-driver ' "$BOUT" | tr -s ' ')"
  end
}

check_run() {
  begin run
  local j=vm-errand
  mkjob $j '#!/bin/sh
echo "errand-out"; echo "errand-err" >&2; echo "cgroup $(cat /proc/self/cgroup)"; exit 3' "  limits:
    memory: 32M
"
  bpm run $j
  [ "$RC" = 3 ] || bad "bpm run exited $RC, not the errand's 3: $(lasterr)"
  grep -q errand-out "$BOUT" || bad "bpm run did not print the errand's output: $(head -c 300 "$BOUT")"
  grep -q errand-err "$BERR" || bad "bpm run did not print the errand's standard error"
  output_has $j errand-out || bad "the errand's output is not in its log"
  note "exit status 3 and output passed through in $MS ms ($(grep -o 'cgroup .*' "$BOUT"))"
  end
}

check_oom() {
  begin memory-oom-kill
  local j=vm-hog pid ev
  OOM_LISTED=""
  # tail keeps everything it reads from /dev/zero (no newline ever comes): it grows until killed
  mkjob $j '#!/bin/sh
echo up; tail /dev/zero; echo "hog exited $?"; exec sleep 1000' "  limits:
    memory: 48M
"
  if start $j && wait_for 120 output_has $j "hog exited"; then
    pid=$(live $j)
    output_has $j "hog exited 137" || bad "the hog ended otherwise than by SIGKILL: $(stdout_log $j | tail -n 1)"
    ev=$(limit memory.max "$pid")
    ev=$(awk '$1 == "oom_kill" {print $2}' "/sys/fs/cgroup${ev#* }/memory.events" 2>/dev/null)
    [ "${ev:-0}" -ge 1 ] || bad "memory.events oom_kill is '${ev:-}', not >= 1"
    note "the hog past 48M was SIGKILLed, memory.events oom_kill=$ev, the job stays (init $pid)"
    [ -n "$pid" ] || bad "the job did not survive its hog's OOM kill"
    bpm list --json
    OOM_LISTED=$(tr -d ' \n' <"$BOUT" | grep -o "\"job\":\"$j\"[^}]*" | sed -n 's/.*"oomKills":\([0-9]*\).*/\1/p')
    stop $j
  else
    bad "the hog did not end within 120 s: $(stdout_log $j | tail -n 2) $(stderr_log $j | tail -n 2)"
  fi
  end
  check_oom_reported $j
}

# issue 13: an OOM kill reaches bpm list (oomKills in --json) and bpm.log (oom-killed, at stop)
check_oom_reported() {
  local logged; logged=$(grep -h oom-killed "$ROOT/sys/log/$1/bpm.log" 2>/dev/null | head -n 1)
  if [ -z "${OOM_LISTED:-}" ] && [ -z "$logged" ]; then
    skip memory-oom-reported "neither bpm list --json (oomKills) nor bpm.log (oom-killed) tells the OOM kill: this bpm does not report them"
    return
  fi
  begin memory-oom-reported
  [ "${OOM_LISTED:-0}" -ge 1 ] || bad "bpm list --json shows oomKills '${OOM_LISTED:-}' for $1"
  [ -n "$logged" ] || bad "bpm.log has no oom-killed event after the stop"
  note "bpm list --json: oomKills $OOM_LISTED; bpm.log: $(echo "$logged" | cut -c1-200)"
  end
}

check_processes() {
  begin processes-fork-bomb
  local j=vm-forks pid pe n
  # dash fails a fork at once (bash would retry for half a minute); the bomb's sleeps stay
  mkjob $j '#!/bin/sh
echo up; ( while :; do sleep 1000 & done ); echo "bomb stopped"; exec sleep 1000' "  limits:
    processes: 20
"
  if start $j && wait_for 120 output_has $j "bomb stopped"; then
    pid=$(live $j)
    pe=$(limit pids.max "$pid")
    n=$(wc -l <"/sys/fs/cgroup${pe#* }/cgroup.procs" 2>/dev/null)
    local events; events=$(awk '$1 == "max" {print $2}' "/sys/fs/cgroup${pe#* }/pids.events" 2>/dev/null)
    [ "${pe%% *}" = 20 ] || bad "pids.max is '${pe%% *}', not 20"
    [ "${events:-0}" -ge 1 ] || bad "pids.events max is '${events:-}': the limit was never hit"
    [ "$(cat "/sys/fs/cgroup${pe#* }/pids.current")" -le 20 ] || bad "pids.current above 20"
    stderr_log $j | grep -qi "fork" || bad "the job's standard error does not show a failed fork"
    note "the bomb stopped at pids.max=20 (pids.events max=$events, $n processes in ${pe#* }: $(stderr_log $j | grep -i fork | head -n 1))"
    stop $j
  else
    bad "the bomb did not stop within 120 s: $(stdout_log $j) $(stderr_log $j | tail -n 2)"
    stop $j
  fi
  end
}

check_open_files() {
  begin open-files
  local j=vm-files
  mkjob $j '#!/bin/bash
echo "nofile $(ulimit -Sn) $(ulimit -Hn)"
( n=0; while exec {fd}</dev/null; do n=$((n+1)); [ $n -ge 100000 ] && break; done; echo "opened $n" )
echo up; exec sleep 1000' "  limits:
    open_files: 64
"
  if start $j && wait_for 60 output_has $j up; then
    output_has $j "nofile 64 64" || bad "ulimit -n in the job: $(stdout_log $j | head -n 1), not 64 64"
    local n; n=$(stdout_log $j | sed -n 's/^opened //p')
    [ -n "$n" ] && [ "$n" -lt 64 ] || bad "the job opened '${n:-?}' files"
    stderr_log $j | grep -q "Too many open files" || bad "no EMFILE (Too many open files) in the job's standard error"
    note "RLIMIT_NOFILE 64/64, the job opened $n files, then EMFILE"
    stop $j
  else
    bad "the job did not say up: $(stdout_log $j) $(stderr_log $j | tail -n 2)"
  fi
  end
}

check_stop_escalation() {
  begin stop-escalation
  local j=vm-stubborn t0 s
  mkjob $j '#!/bin/sh
trap "echo got TERM \$(date +%s)" TERM; trap "echo got QUIT \$(date +%s)" QUIT
echo up; while :; do sleep 0.2; done'
  if start $j && wait_for 60 output_has $j up; then
    local pid; pid=$(live $j)
    t0=$(date +%s%N)
    stop $j
    s=$((($(date +%s%N) - t0) / 1000000))
    output_has $j "got TERM" || bad "the job did not get TERM"
    output_has $j "got QUIT" || bad "the job did not get QUIT"
    local term quit; term=$(stdout_log $j | sed -n 's/^got TERM //p' | head -n 1); quit=$(stdout_log $j | sed -n 's/^got QUIT //p' | head -n 1)
    [ -n "$term" ] && [ -n "$quit" ] && { [ $((quit - term)) -ge 14 ] && [ $((quit - term)) -le 20 ] || bad "QUIT came $((quit - term)) s after TERM, not 15"; }
    [ $s -ge 17000 ] && [ $s -le 60000 ] || bad "bpm stop took $s ms: not TERM + 15 s + QUIT + 2 s + KILL"
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null || bad "the init $pid is still there"
    note "a job ignoring TERM and QUIT: QUIT $((quit - term)) s after TERM, killed, bpm stop took $s ms"
  else
    bad "the job did not say up"
  fi
  end
}

check_faults() {
  if [ -z "$FAULT_CP" ]; then
    skip start-killed "no class path for FaultyBpm (bin/vm-test writes it from compiler/target/test-classes)"
    return
  fi
  local phase j=vm-fault
  for phase in PREPARED HOOKED CGROUP TAPE_BUILT LAUNCHED STATE_SAVED; do
    begin "start-killed-at-$phase"
    mkjob $j "#!/bin/sh
$STAYS"
    printf '#!/bin/sh\necho hooked\n' >"$ROOT/packages/$j/bin/pre-start"; chmod 755 "$ROOT/packages/$j/bin/pre-start"
    printf '  limits:\n    memory: 64M\n    processes: 30\n  hooks:\n    pre_start: /var/vcap/packages/%s/bin/pre-start\n' $j \
      >>"$ROOT/jobs/$j/config/bpm.yml"
    local t0; t0=$(date +%s%N)
    timeout -k 5 300 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -XX:-UsePerfData -cp "$FAULT_CP" io.bpm.compiler.cli.FaultyBpm "$phase" - start $j >>"$OUT/details.log" 2>&1
    local rc=$?
    [ $rc = 137 ] || bad "FaultyBpm $phase exited $rc, not 137 (SIGKILL)"
    note "killed at $phase, $(instances $j) instance(s) then"
    if start $j && wait_for 60 output_has $j up; then
      [ "$(instances $j)" = 1 ] || bad "$(instances $j) instances after the next start, not 1"
      is_live $j || bad "the pid file names no live init"
      local pid; pid=$(live $j)
      local n0=${#NOTES[@]}
      [ -n "$pid" ] && check_limits $j "$pid" 67108864 30
      NOTES=("${NOTES[@]:0:n0}")   # the limits' details are start-stop's to tell
      note "the next start made one instance with its limits"
      stop $j
      note "the stop left nothing"
    fi
    end
    rm -rf "$ROOT/sys/log/$j"
  done
}

# at_once VERB DIR: bpm VERB on every storm job at the same time; sets MS to the wall time of all
at_once() {
  local i rc t0; t0=$(date +%s%N)
  for i in $(seq -w 1 "$STORM"); do
    (timeout -k 5 600 "$REPO/bin/bpm" "$1" "storm-$i" >"$2/$1-$i" 2>&1; echo $? >"$2/rc-$1-$i") &
  done
  wait
  MS=$((($(date +%s%N) - t0) / 1000000))
  for i in $(seq -w 1 "$STORM"); do
    rc=$(cat "$2/rc-$1-$i"); [ "$rc" = 0 ] || bad "bpm $1 storm-$i exited $rc: $(tail -n 1 "$2/$1-$i")"
  done
}

# How many jobs start at once. Under TCG a guest did not finish 20 bpm JVMs started at once within
# 600 s (measured with the host at load 4: every start was killed by its timeout), so the VM runs
# a storm of 5 by default (BPM_VM_STORM=20 for the full one); the 20-job storm runs on the host in
# bench/storm, and the VM's summary says so.
STORM=$(printf '%02d' "${BPM_VM_STORM:-5}")

check_boot_storm() {
  begin "boot-storm-$STORM"
  local i n=0 s1 d
  d=$(mktemp -d)
  for i in $(seq -w 1 "$STORM"); do mkjob "storm-$i" "#!/bin/sh
$STAYS"; done
  local kills; kills=$(dmesg 2>/dev/null | grep -c "Killed process")
  at_once start "$d"; s1=$MS
  kills=$(($(dmesg 2>/dev/null | grep -c "Killed process") - kills))
  [ $kills = 0 ] || bad "the guest's OOM killer killed $kills processes during the starts ($(free -m | awk '/Mem:/ {print $2}') MiB; V2VM_MEM): $(dmesg | grep "Killed process" | tail -n 3 | tr '\n' ' ')"
  all_live() { local i; for i in $(seq -w 1 "$STORM"); do is_live "storm-$i" || return 1; done; }
  wait_for 120 all_live
  for i in $(seq -w 1 "$STORM"); do is_live "storm-$i" && n=$((n + 1)); done
  [ "$n" = "$((10#$STORM))" ] || bad "$n of $STORM jobs running"
  for i in $(seq -w 1 "$STORM"); do [ "$(instances "storm-$i")" = 1 ] || bad "storm-$i: $(instances "storm-$i") instances"; done
  at_once stop "$d"
  cat "$d"/* >>"$OUT/details.log"; rm -rf "$d"
  note "$STORM jobs started at once in $s1 ms ($n running, one instance each), stopped at once in $MS ms"
  end
}

# the real monit as the systemd service monit.service (as on a stemcell) drives bpm with a control
# file as a BOSH job has it
check_monit() {
  local j=vm-monit m=$ROOT/monit pid first
  if ! command -v monit >/dev/null; then
    skip monit "no monit in the guest (the host's /: apt-get install monit; .ci/run does)"; return
  fi
  begin monit-start
  KEEP=$j
  mkjob $j "#!/bin/sh
$STAYS" "  limits:
    memory: 64M
    processes: 40
"
  mkdir -p "$m"
  # monit gives its programs an environment of its own: the wrapper is what BOSH's job templates get
  printf '#!/bin/sh\nexport BPM_BOSH_ROOT=%s BPM_INIT=/usr/bin/tini BPM_AOT=off JAVA_HOME=%s\nexec %s "$@"\n' \
    "$ROOT" "$JAVA_HOME" "$REPO/bin/bpm" >"$m/bpm"
  chmod 700 "$m/bpm"
  cat >"$m/monitrc" <<EOF
set daemon 1
set logfile $m/monit.log
set pidfile $m/monit.pid
set idfile $m/monit.id
set statefile $m/monit.state
set httpd unixsocket $m/monit.sock
  allow vm:test

check process $j
  with pidfile $(pidfile $j)
  start program "$m/bpm start $j" with timeout 180 seconds
  stop program "$m/bpm stop $j" with timeout 180 seconds
  group vcap
EOF
  chmod 600 "$m/monitrc"
  mon() { timeout 60 monit -c "$m/monitrc" "$@" >>"$OUT/details.log" 2>&1; }
  systemd-run --unit=monit --quiet /usr/bin/monit -I -c "$m/monitrc"
  wait_for 60 test -S "$m/monit.sock" || bad "monit's control socket did not appear"
  local mcg; mcg=$(systemctl show monit -p ControlGroup --value)
  [ "$mcg" = /system.slice/monit.service ] || bad "monit runs in '$mcg', not /system.slice/monit.service"
  local t0; t0=$(date +%s)
  mon start $j
  if wait_for 180 is_live $j; then
    pid=$(live $j)
    note "monit (in $mcg) started the job in $(($(date +%s) - t0)) s"
    check_limits $j "$pid" 67108864 40 "$mcg"
  else
    bad "monit did not start the job within 180 s: $(tail -n 3 "$m/monit.log" | tr '\n' ' ')"
  fi
  JOBS=(); end

  begin monit-restart
  first=$(live $j)
  t0=$(date +%s)
  mon restart $j
  restarted() { local p; p=$(live $j); [ -n "$p" ] && [ "$p" != "$first" ] && [ "$(instances $j)" = 1 ]; }
  if wait_for 240 restarted; then
    output_has $j "got TERM" || bad "the old instance did not get TERM"
    note "monit restart: a new init $(live $j) after $(($(date +%s) - t0)) s, one instance"
  else
    bad "no new instance within 240 s of monit restart: $(tail -n 3 "$m/monit.log" | tr '\n' ' ')"
  fi
  JOBS=(); end

  begin monit-crash-restart
  first=$(live $j)
  t0=$(date +%s)
  [ -n "$first" ] && kill -KILL "$first"
  if wait_for 240 restarted; then
    local cg; cg=$(cgroup_of "$(live $j)")
    note "the init killed with -9, monit started it again in $(($(date +%s) - t0)) s (init $(live $j) in $cg)"
    local n0=${#NOTES[@]}
    check_limits $j "$(live $j)" 67108864 40 "$mcg"
    NOTES=("${NOTES[@]:0:n0}")
  else
    bad "monit did not start the killed job again within 240 s: $(tail -n 3 "$m/monit.log" | tr '\n' ' ')"
  fi
  JOBS=(); end

  begin monit-stop
  JOBS=($j) KEEP=""
  t0=$(date +%s)
  mon stop $j
  gone() { [ ! -e "$(pidfile $j)" ] && [ "$(instances $j)" = 0 ]; }
  wait_for 180 gone || bad "monit stop did not end the job within 180 s"
  note "monit stop: nothing left after $(($(date +%s) - t0)) s"
  systemctl stop monit
  grep -q "failed to" "$m/monit.log" && bad "monit.log: $(grep "failed to" "$m/monit.log" | head -n 2 | tr '\n' ' ')"
  end
  cp "$m/monit.log" "$OUT/monit.log" 2>/dev/null
}

unset SWAP
echo "vm-test $MODE: guest $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB, this shell in cgroup $(cgroup_of $$), $(stat -fc %T /sys/fs/cgroup), systemd PID 1: $([ -d /run/systemd/system ] && echo yes || echo no)"
# all checks, or those named after OUT (BPM_VM_CHECKS of bin/vm-test), e.g. "boot_storm monit"
ALL="start_stop_list features run oom processes open_files stop_escalation faults boot_storm monit"
CHECKS="${*:3}"
for c in ${CHECKS:-$ALL}; do
  case " $ALL " in *" $c "*) ;; *) echo "checks.sh: no check $c (checks: $ALL)" >&2; exit 2 ;; esac
  if [ $c = monit ] && [ "$MODE" != systemd ]; then
    skip monit "cgroupfs mode has no systemd to run monit as a service (the systemd mode does)"
  else
    check_$c
  fi
done

median() { [ $# -gt 0 ] || { echo -; return; }; printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "$NPASS $NFAIL $NSKIP $(median "${START_MS[@]}") $(median "${STOP_MS[@]}") ${#START_MS[@]} ${#STOP_MS[@]}" >"$OUT/result"
rm -f "$BOUT" "$BERR"
rm -rf "$ROOT"
[ "$NFAIL" = 0 ]
