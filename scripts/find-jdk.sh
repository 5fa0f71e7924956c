# Sourced by ./tokentrail and .ci/run: sets JAVA_HOME to a JDK 21 or newer, or exits with a
# message. Looks at JAVA_HOME first, then the usual JVM folders, then the java on PATH.

tokentrail_java_major() {
  # Prints the major version of the java binary $1, or nothing.
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1
}

tokentrail_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(tokentrail_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    major=$(tokentrail_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  fi
  return 1
}

if ! TOKENTRAIL_JDK=$(tokentrail_find_jdk); then
  echo "tokentrail: no JDK 21 or newer found (looked at JAVA_HOME=${JAVA_HOME:-<unset>}, /usr/lib/jvm/*, /opt/java/*, and javac on PATH)." >&2
  echo "tokentrail: install one (e.g. 'apt-get install openjdk-21-jdk' or Temurin 21+) or set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$TOKENTRAIL_JDK"
TOKENTRAIL_JAVA_MAJOR=$(tokentrail_java_major "$JAVA_HOME/bin/java")
export PATH="$JAVA_HOME/bin:$PATH"
