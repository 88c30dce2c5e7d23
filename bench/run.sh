#!/usr/bin/env bash
# Builds the node and the benchmarks, then runs one benchmark in a JVM of its own:
#   bench/run.sh ColdStartBench [-Druns=15 ...]
# The same mains also run with exec:java (see RESULTS.md). This script resolves the other modules
# from the reactor instead of ~/.m2 and copies the classpath before the run, so that a build that
# installs or recompiles the modules meanwhile cannot swap classes under a running benchmark; and it
# fixes the JVM's flags. MAVEN_FLAGS is passed to Maven (e.g. -o); SKIP_BUILD=1 reuses the last copy.
set -euo pipefail
cd "$(dirname "$0")/.."
bench="$1"
shift
# The scheduler's simulator and placement micro-benchmark run from its test classes (JDK + JMH only):
#   bench/run.sh SimulationMain [-Dnodes=100 ...]      bench/run.sh PlacementBench [JMH options, e.g. -f 1 -wi 3 -i 5]
if [[ "$bench" == SimulationMain || "$bench" == PlacementBench ]]; then
  # shellcheck disable=SC2086
  ./mvnw -q ${MAVEN_FLAGS:-} -pl scheduler test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt
  cp="scheduler/target/test-classes:scheduler/target/classes:$(cat scheduler/target/test-classpath.txt)"
  if [[ "$bench" == PlacementBench ]]; then
    exec java -cp "$cp" org.openjdk.jmh.Main PlacementBench "$@"
  fi
  exec java -Xmx3g -XX:+UseG1GC "$@" -cp "$cp" io.zeroserve.scheduler.sim.SimulationMain
fi
lib=bench/target/bench-lib
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  # shellcheck disable=SC2086
  ./mvnw -q ${MAVEN_FLAGS:-} -pl bench -am package dependency:build-classpath -Dmaven.test.skip=true \
    -Dmdep.outputFile=target/classpath.txt
  rm -rf "$lib" && mkdir -p "$lib"
  tr ':' '\n' < bench/target/classpath.txt | while read -r entry; do
    if [[ -d "$entry" ]]; then
      echo "expected a jar on the classpath, found the directory $entry" >&2
      exit 1
    fi
    cp "$entry" "$lib/"
  done
  cp -r bench/target/classes "$lib/classes"
fi
exec java -Xmx1g -XX:+UseG1GC "$@" -cp "$lib/classes:$lib/*" "io.zeroserve.bench.$bench"
