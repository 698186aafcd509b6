# Sourced by bin/build, bin/bpm, bin/test and .ci/run: finds a JDK >= 22 and exports JAVA_HOME.
# Order: $JAVA_HOME if it is new enough, then the JDKs under /usr/lib/jvm (newest first), then
# the java on PATH.
bpm_java_feature() { # prints the feature version of the java binary $1, or 0
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1 | grep . || echo 0
}
bpm_find_jdk() {
  local candidates=() c
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${c%/}"); done
  if command -v javac >/dev/null 2>&1; then
    c=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")"); candidates+=("$c")
  fi
  for c in "${candidates[@]}"; do
    if [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] && [ "$(bpm_java_feature "$c/bin/java")" -ge 22 ]; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "bpm: no JDK 22 or later found (looked at \$JAVA_HOME, /usr/lib/jvm/*, and javac on PATH)." >&2
  echo "bpm: install one, e.g. 'apt-get install openjdk-25-jdk-headless' or Temurin 25, or set JAVA_HOME to it." >&2
  return 1
}
# The JVM flags bin/bpm runs bpm with, and bin/aot-train records the AOT cache with (bench/README.md
# has the measurements). A bpm command lives well under a second, on machines with few CPUs: C1
# only, and only for code 10x hotter than by default (fewer compilations competing for the CPU in
# a short run), the serial collector, no hsperfdata file in /tmp.
# Output is UTF-8 and formatted the same whatever the locale (bpm_utf8_locale says why).
# The class-data archive (the AOT cache, or the JDK's CDS archive) is mapped where it was built when
# that address is free, instead of at a random one (the default since JDK 20) after which the JVM
# patches every pointer in it: 9 ms of each command and 10.8 MiB of private pages for bpm-monit.aot,
# which then stay shared page cache (-Xlog:aot: "runtime archive relocation" took 10 -> 19 ms).
# What it gives up is the random address of that class metadata alone (heap, stacks and libraries
# stay randomized); bpm reads root-owned files, not input from a network.
bpm_jvm_flags=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -XX:-UsePerfData
  -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0
  --enable-native-access=ALL-UNNAMED -Dfile.encoding=UTF-8 -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8
  -Duser.language=en -Duser.country=US)
# The flags monit's command lines add (start and stop JOB [-p PROC], with bpm-monit.aot): the
# interpreter only. Such a command runs its code once or a few times; no compiler thread works on
# it meanwhile: 2 MiB less peak RSS (43.4 -> 41.3) and 10-30 ms less CPU, measured on a cached
# start and stop. A start whose plan must be compiled starts again without them
# (RestartForCompiler), since the compiler's code is hot.
# Nor is the cache's training data replayed: JDK 25 does it on a thread of its own ("Training
# replay") that takes a lock at every class initialisation, to feed a JIT these commands do not
# have: 4 ms of every start and stop (30 interleaved pairs each, 106.4 -> 102.1 ms start,
# 85.6 -> 81.6 stop; the JVM floor 70.7 -> 66.8 ms, hyperfine, 60 runs).
bpm_monit_flags=(-Xint -XX:-AOTReplayTraining)
# bpm's output bytes never depend on the locale: plans, JSON, SARIF and OCI configs must be
# byte-identical under monit's, cron's or `env -i`'s LANG=C (or none) and in a UTF-8 terminal, and
# human text must lose no byte either. The flags above make the JVM write UTF-8; but it reads file
# names and arguments in the charset of LC_CTYPE (sun.jnu.encoding, which no flag sets), so the
# JVM gets LC_CTYPE=C.UTF-8 (built into glibc), and a user's LC_ALL becomes LANG, which still
# rules every other category. A name that is not UTF-8 is then refused with a message, never '?'.
bpm_utf8_locale() {
  if [ -n "${LC_ALL:-}" ]; then export LANG="$LC_ALL"; unset LC_ALL; fi
  export LC_CTYPE=C.UTF-8
}
# What an AOT cache is valid for: the JDK, the CPU's features and every jar of the class path, by
# size and mtime. JDK 25 checks its own version, but it uses the cached classes of a jar that was
# rebuilt since (measured), and a cache trained on a CPU with more features than this one's
# crashes the JVM with SIGILL (JDK 25.0.3 on qemu64: ../shared/reference/noble-facts.md): so
# bin/bpm compares this key with the one bin/aot-train saved.
bpm_aot_key() { # $1 = compiler/target
  printf '%s\n' "$JAVA_HOME"
  printf 'cpu%s\n' "$(bpm_cpu_flags)"
  stat -c '%n %s %.9Y' "$1/bpm-compiler.jar" "$1"/lib/*.jar
}
# The CPU's feature flags as the kernel reports them (x86 "flags", arm64 "Features"): the first such
# line of /proc/cpuinfo, read with the shell's own read (no process), the line itself rather than a
# hash of it (a hash would cost a process or a slow shell loop; the text compares as well).
bpm_cpu_flags() {
  bpm_read_cpu
  printf '%s' "$bpm_cpu"
}
bpm_read_cpu() { # sets bpm_cpu, as bpm_cpu_flags prints it, in this shell (no subshell)
  # mapfile, not a read loop: bash's read takes /proc/cpuinfo a byte per system call (950 of them
  # up to x86's flags line, 1.5 ms of every bin/bpm); mapfile reads it in blocks. The flags line
  # is the 20th on x86 and the 4th on arm64; 64 lines are one CPU's record and more.
  local line lines
  bpm_cpu=""
  [ -r /proc/cpuinfo ] || return 0
  mapfile -t -n 64 lines < /proc/cpuinfo
  for line in "${lines[@]}"; do
    case $line in flags*|Features*) bpm_cpu=${line#*:}; return 0 ;; esac
  done
}
# Whether the AOT caches of $1 (compiler/target) fit this run, without starting a process (monit
# runs bin/bpm for every start and stop: `stat` and a $(...) subshell cost a fork each): the JDK
# and CPU lines of the key bin/aot-train wrote must be this JDK's and CPU's, and no jar may be
# newer than the key (bin/aot-train writes it after the jars and the caches). Sets bpm_aot_unused
# to "" when they fit, else to cpu or key (why not).
bpm_aot_fits() {
  local home cpu j
  bpm_aot_unused=key
  { IFS= read -r home && IFS= read -r cpu; } < "$1/bpm.aot.key" || return 0
  bpm_read_cpu
  if [ "$cpu" != "cpu$bpm_cpu" ]; then bpm_aot_unused=cpu; return 0; fi
  [ "$home" = "$JAVA_HOME" ] || return 0
  for j in "$1/bpm-compiler.jar" "$1"/lib/*.jar; do
    [ "$1/bpm.aot.key" -nt "$j" ] || return 0
  done
  bpm_aot_unused=""
}
