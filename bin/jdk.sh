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
