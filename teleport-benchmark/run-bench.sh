#!/usr/bin/env bash
# Runs the rpc-benchmark workload on the baselines (plain Netty, gRPC, SOFABolt, RSocket) and on
# Teleport (core server with pooled and inline handlers (teleport-nonblocking: pooled, the route @NonBlocking), on erpc v6's protocol, with the Micrometer
# plugin, and the Spring Boot server) in one go, and writes the README table to target/bench-table.md.
#
# Usage: teleport-benchmark/run-bench.sh [-c 100,500,1000] [-n 1000000] [--warmup 300] [--systems LIST]
#                                        [--rounds R]
# The harness is copied from ../shared/bench/harness (next to the repository) into $HARNESS
# (default /tmp/teleport-bench-harness) and built there; it is never copied into the repository.
# With --rounds R the whole run (every system at every level) is repeated R times, and the table
# shows, per system and level, the round with the median TPS (the lower one of the middle two for
# an even R; its latencies with it) and the lowest and highest TPS of all rounds: on a shared
# machine one run moves by 10 to 20%. A system that failed in a round is left out of that round.
# A second table gives each system's server and client CPU per call (median of the rounds): every
# JVM runs with target/teleport-benchmark-cpu-agent.jar, and cpu-report charges a process what it
# spent while the client measured its calls.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
HARNESS="${HARNESS:-/tmp/teleport-bench-harness}"
CONCS=100,500,1000
N=1000000
WARMUP=300
SYSTEMS=netty,rsocket,bolt,grpc,teleport,teleport-erpc,teleport-inline,teleport-metrics,teleport-spring
ROUNDS=1

while [ $# -gt 0 ]; do
  case "$1" in
    -c) CONCS="$2"; shift 2 ;;
    -n) N="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --systems) SYSTEMS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 64 ;;
  esac
done

if [ ! -f "$HARNESS/target/rpc-bench.jar" ]; then
  SRC="$ROOT/../shared/bench/harness"
  [ -d "$SRC" ] || { echo "no harness at $SRC" >&2; exit 66; }
  rm -rf "$HARNESS" && cp -r "$SRC" "$HARNESS" && chmod -R u+w "$HARNESS"
  "$ROOT/mvnw" -q -B -f "$HARNESS/pom.xml" package -DskipTests   # the wrapper: a machine with only a JDK has no mvn
fi
"$ROOT/mvnw" -q -B -f "$ROOT/pom.xml" -pl teleport-benchmark -am package -DskipTests
JAR="$HERE/target/teleport-benchmark.jar"
# Every JVM, ours and the baselines', reports its CPU time (cpu-report charges it per measured call).
AGENT="$HERE/target/teleport-benchmark-cpu-agent.jar"
export SERVER_JVM_OPTS="${SERVER_JVM_OPTS:--XX:ActiveProcessorCount=2 -Xms1g -Xmx1g} -javaagent:$AGENT"
export CLIENT_JVM_OPTS="${CLIENT_JVM_OPTS:--XX:ActiveProcessorCount=2 -Xms2g -Xmx2g} -javaagent:$AGENT"
OUT="$HERE/target/bench-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

client="{java} {client_jvm_opts} -jar $JAR client --host 127.0.0.1 --port {port} -c {c} -n {n} {client_args}"
: > "$OUT/lines.txt"
for ROUND in $(seq 1 "$ROUNDS"); do
  echo "== round $ROUND of $ROUNDS ==" >&2
  CLIENT_ARGS="--warmup $WARMUP" "$HARNESS/run.sh" -c "$CONCS" -n "$N" --systems "$SYSTEMS" --out "$OUT/round-$ROUND" \
    --define teleport "{java} {server_jvm_opts} -jar $JAR server --host 127.0.0.1 --port {port}" "$client" \
    --define teleport-erpc "{java} {server_jvm_opts} -jar $JAR server --host 127.0.0.1 --port {port} --protocol erpc-v6" "$client --protocol erpc-v6" \
    --define teleport-inline "{java} {server_jvm_opts} -jar $JAR server --host 127.0.0.1 --port {port} --handler inline" "$client" \
    --define teleport-nonblocking "{java} {server_jvm_opts} -jar $JAR server --host 127.0.0.1 --port {port} --nonblocking" "$client" \
    --define teleport-metrics "{java} {server_jvm_opts} -jar $JAR server --host 127.0.0.1 --port {port} --metrics" "$client" \
    --define teleport-spring "{java} {server_jvm_opts} -jar $JAR spring-server --host 127.0.0.1 --port {port}" "$client" \
    | tee -a "$OUT/lines.txt" || echo "round $ROUND: a system failed (NA in $OUT/lines.txt; logs in $OUT/round-$ROUND)" >&2
done

{
  if [ "$ROUNDS" = 1 ]; then
    echo "| system | C | TPS | × netty | mean ms | p50 ms | p99 ms | p99.9 ms | max ms | ok |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  else
    echo "| system | C | TPS (median of $ROUNDS) | TPS range | × netty | mean ms | p50 ms | p99 ms | p99.9 ms | max ms | ok |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  fi
  # Rows in the order of the first round; per system and level, the round with the median TPS.
  awk -v rounds="$ROUNDS" '
    NF >= 10 && $4 != "NA" {
      key = $1 " " $2
      if (!(key in count)) { order[++keys] = key }
      count[key]++; line[key, count[key]] = $0; tps[key, count[key]] = $4 + 0
    }
    END {
      for (k = 1; k <= keys; k++) {
        key = order[k]; n = count[key]
        # sort this key'"'"'s rounds by TPS (insertion sort: n is small)
        for (i = 1; i <= n; i++) idx[i] = i
        for (i = 2; i <= n; i++) { j = i; while (j > 1 && tps[key, idx[j - 1]] > tps[key, idx[j]]) { t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t; j-- } }
        median[key] = line[key, idx[int((n + 1) / 2)]]; low[key] = tps[key, idx[1]]; high[key] = tps[key, idx[n]]
      }
      for (k = 1; k <= keys; k++) {
        key = order[k]
        split(median[key], f, " ")
        split(median["netty " f[2]], b, " ")
        ratio = b[4] > 0 ? sprintf("%.2f", f[4] / b[4]) : "-"
        if (rounds == 1) {
          printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[4], ratio, f[5], f[6], f[7], f[8], f[9], f[10]
        } else {
          printf "| %s | %s | %s | %d to %d | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[4], low[key], high[key], ratio, f[5], f[6], f[7], f[8], f[9], f[10]
        }
      }
    }' "$OUT/lines.txt"
  echo
  # CPU per call of every server and client: process CPU time while the client measured its N calls.
  java -jar "$JAR" cpu-report "$OUT"/round-* || echo "(no CPU series: see $OUT)"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(java -version 2>&1 | head -1)."
  echo "Command: \`teleport-benchmark/run-bench.sh -c $CONCS -n $N --warmup $WARMUP --rounds $ROUNDS\`"
} > "$HERE/target/bench-table.md"
cat "$HERE/target/bench-table.md"
