#!/usr/bin/env bash
# Runs the benchmark harness (dev.keel.bench.Harness) with the JVM settings every figure uses:
# heap pinned (-Xms = -Xmx) and pre-touched, off-heap limit raised for the state arena, G1.
# Build first: mvn -B -q -pl benchmarks -am package -DskipTests
# Usage: benchmarks/run-harness.sh --query keyed-aggregate --events 20000000 --model exactly_once --interval 1
# Env: JAVA (default: java on PATH), HARNESS_HEAP (default 2g), HARNESS_DIRECT (default 8g),
#      HARNESS_JAR (default benchmarks/target/benchmarks.jar).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar=${HARNESS_JAR:-$here/target/benchmarks.jar}
if [[ ! -f "$jar" ]]; then
  echo "no $jar: build with mvn -B -q -pl benchmarks -am package -DskipTests" >&2
  exit 2
fi
heap=${HARNESS_HEAP:-2g}
exec "${JAVA:-java}" \
  -Xms"$heap" -Xmx"$heap" -XX:+AlwaysPreTouch -XX:+UseG1GC \
  -XX:MaxDirectMemorySize="${HARNESS_DIRECT:-8g}" \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED \
  -Djava.util.logging.config.file=/dev/null \
  -cp "$jar" dev.keel.bench.Harness "$@"
