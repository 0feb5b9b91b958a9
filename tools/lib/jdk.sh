# Sourced by tools/*: sets JAVA_HOME to a JDK >= 25 (the release pom.xml compiles for), or exits with one line.
# Order: $JAVA_HOME if it is new enough, then the newest JDK under /usr/lib/jvm, then `java` on PATH.

_dma4j_jdk_major() {   # JDK home -> major version, or nothing
  local rel=$1/release v
  [ -x "$1/bin/javac" ] || return 0
  if [ -f "$rel" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
  else
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  fi
  echo "$v"
}

dma4j_find_jdk() {
  local cand best="" best_v=0 v seen=""
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(_dma4j_jdk_major "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then export JAVA_HOME; _dma4j_maven_opts "$v"; return 0; fi
    seen="JAVA_HOME=$JAVA_HOME is ${v:-not a JDK}"
  fi
  for cand in /usr/lib/jvm/*/ $(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent/bin/javac)")")"); do
    cand=${cand%/}
    v=$(_dma4j_jdk_major "$cand")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ "$v" -gt "$best_v" ]; then best=$cand; best_v=$v; fi
  done
  if [ -n "$best" ]; then export JAVA_HOME=$best; _dma4j_maven_opts "$best_v"; return 0; fi
  echo "dma4j needs a JDK 25 or newer and found none${seen:+ ($seen)}; install a JDK 25 (e.g. Temurin 25) under /usr/lib/jvm or set JAVA_HOME to one" >&2
  exit 1
}

# Maven 3.8's bundled Guava calls sun.misc.Unsafe, which JDK 23+ warns about on every run.
_dma4j_maven_opts() {
  if [ "$1" -ge 23 ]; then
    case " ${MAVEN_OPTS:-} " in *sun-misc-unsafe*) ;; *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;; esac
  fi
}
