# Sourced by bench/start-stop and bench/storm from the checkout's top, after bin/jdk.sh: the JVM
# floor of a bpm command, to time in the same run as bpm. It is what any bpm written in Java pays
# before doing anything: `java` with bin/bpm's flags and an AOT cache trained with them, running
# a main (io.bpm.bench.FloorMain, alone in bench/target/bpm-bench-floor.jar) that makes one FFM
# downcall of bpm's own shape (libc's syscall, getpid) and exits, named with -cp and its class as
# bin/bpm names bpm's (-jar would open the jar first). bin/bpm's bash wrapper (a few ms) is not
# part of it.

jvm_floor_jar="$(pwd -P)/bench/target/bpm-bench-floor.jar"

# The JDK bin/bpm runs (the one bin/build recorded), else the one bin/jdk.sh finds.
jvm_floor_jdk() {
  if [ -f compiler/target/bpm.jdk ]; then read -r JAVA_HOME <compiler/target/bpm.jdk; export JAVA_HOME; else bpm_find_jdk; fi
}

# jvm_floor_train DIR: records DIR/floor.aot as bin/aot-train records bpm's (the two steps,
# -XX:AOTMode=record then create, with bpm_jvm_flags), trained on the floor itself, then checks
# that the JVM uses it (-XX:AOTMode=on fails otherwise). Prints what it made; returns 1 without a
# cache (DIR/train.log says why).
jvm_floor_train() {
  local dir=$1 java="$JAVA_HOME/bin/java" t0 t1
  mkdir -p "$dir"
  rm -f "$dir/floor.aot"
  t0=${EPOCHREALTIME/./}
  if LC_CTYPE=C.UTF-8 "$java" "${bpm_jvm_flags[@]}" -XX:AOTMode=record "-XX:AOTConfiguration=$dir/floor.aotconf" \
       -cp "$jvm_floor_jar" io.bpm.bench.FloorMain >>"$dir/train.log" 2>&1 &&
     LC_CTYPE=C.UTF-8 "$java" "${bpm_jvm_flags[@]}" -XX:AOTMode=create "-XX:AOTConfiguration=$dir/floor.aotconf" \
       "-XX:AOTCache=$dir/floor.aot" -cp "$jvm_floor_jar" io.bpm.bench.FloorMain >>"$dir/train.log" 2>&1 &&
     LC_CTYPE=C.UTF-8 "$java" "${bpm_jvm_flags[@]}" -XX:AOTMode=on "-XX:AOTCache=$dir/floor.aot" \
       -cp "$jvm_floor_jar" io.bpm.bench.FloorMain >>"$dir/train.log" 2>&1; then
    t1=${EPOCHREALTIME/./}
    echo "JVM floor: $jvm_floor_jar with bin/bpm's flags, AOT cache $(( $(stat -c %s "$dir/floor.aot") / 1048576 )) MiB trained in $(( (t1 - t0) / 1000 )) ms"
    rm -f "$dir/floor.aotconf"
    return 0
  fi
  rm -f "$dir/floor.aot" "$dir/floor.aotconf"
  echo "note: the JVM floor's AOT cache could not be made or used, its cases are skipped: $(tail -n 3 "$dir/train.log" | tr '\n' ' ')"
  return 1
}

# jvm_floor_command DIR: sets the array jvm_floor to the floor's command, as bin/bpm runs java
# for monit's commands (its flags and bpm_monit_flags, its log options, the cache), if
# DIR/floor.aot was made; to nothing otherwise. Run it
# as `LC_CTYPE=C.UTF-8 "${jvm_floor[@]}"`: bin/bpm gives java that locale (bpm_utf8_locale).
jvm_floor_command() {
  jvm_floor=()
  [ -f "$1/floor.aot" ] || return 0
  jvm_floor=("$JAVA_HOME/bin/java" "${bpm_jvm_flags[@]}" "${bpm_monit_flags[@]}" -Xlog:disable -Xlog:all=warning:stderr
    "-XX:AOTCache=$1/floor.aot" -Xlog:aot*=off:stderr -Xlog:cds*=off:stderr -cp "$jvm_floor_jar" io.bpm.bench.FloorMain)
}
