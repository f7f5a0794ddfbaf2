#!/usr/bin/env bash
# Runs the rpc-benchmark workload on the baselines (plain Netty, gRPC, SOFABolt, RSocket) and on
# Teleport (core server with pooled and inline handlers, with the Micrometer plugin, and the Spring
# Boot server) in one go, and writes the README table to target/bench-table.md.
#
# Usage: teleport-benchmark/run-bench.sh [-c 100,500,1000] [-n 1000000] [--warmup 300] [--systems LIST]
# The harness is copied from ../shared/bench/harness (next to the repository) into $HARNESS
# (default /tmp/teleport-bench-harness) and built there; it is never copied into the repository.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
HARNESS="${HARNESS:-/tmp/teleport-bench-harness}"
CONCS=100,500,1000
N=1000000
WARMUP=300
SYSTEMS=netty,rsocket,bolt,grpc,teleport,teleport-inline,teleport-metrics,teleport-spring

while [ $# -gt 0 ]; do
  case "$1" in
    -c) CONCS="$2"; shift 2 ;;
    -n) N="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --systems) SYSTEMS="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 64 ;;
  esac
done

if [ ! -f "$HARNESS/target/rpc-bench.jar" ]; then
  SRC="$ROOT/../shared/bench/harness"
  [ -d "$SRC" ] || { echo "no harness at $SRC" >&2; exit 66; }
  rm -rf "$HARNESS" && cp -r "$SRC" "$HARNESS" && chmod -R u+w "$HARNESS"
  mvn -q -B -f "$HARNESS/pom.xml" package -DskipTests
fi
"$ROOT/mvnw" -q -B -f "$ROOT/pom.xml" -pl teleport-benchmark -am package -DskipTests
JAR="$HERE/target/teleport-benchmark.jar"
OUT="$HERE/target/bench-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

client="{java} {client_jvm_opts} -jar $JAR client --host 127.0.0.1 --port {port} -c {c} -n {n} {client_args}"
CLIENT_ARGS="--warmup $WARMUP" "$HARNESS/run.sh" -c "$CONCS" -n "$N" --systems "$SYSTEMS" --out "$OUT" \
  --define teleport "{java} {server_jvm_opts} -jar $JAR server --host 127.0.0.1 --port {port}" "$client" \
  --define teleport-inline "{java} {server_jvm_opts} -jar $JAR server --host 127.0.0.1 --port {port} --handler inline" "$client" \
  --define teleport-metrics "{java} {server_jvm_opts} -jar $JAR server --host 127.0.0.1 --port {port} --metrics" "$client" \
  --define teleport-spring "{java} {server_jvm_opts} -jar $JAR spring-server --host 127.0.0.1 --port {port}" "$client" \
  | tee "$OUT/lines.txt"

{
  echo "| system | C | TPS | mean ms | p50 ms | p99 ms | p99.9 ms | max ms | ok |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk 'NF >= 10 { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $4, $5, $6, $7, $8, $9, $10 }' "$OUT/lines.txt"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(java -version 2>&1 | head -1)."
  echo "Command: \`teleport-benchmark/run-bench.sh -c $CONCS -n $N --warmup $WARMUP\`"
} > "$HERE/target/bench-table.md"
cat "$HERE/target/bench-table.md"
