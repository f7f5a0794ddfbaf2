#!/usr/bin/env bash
# The idle-session scale test: starts the scale server, holds S sessions to it from holder processes,
# and prints the SCALE line (heap and RSS per session in the server, broadcast time to all of them, and
# the CPU a broadcast costs the server and the holders per session reached).
#
# Usage: teleport-benchmark/run-scale.sh [--sessions 10000] [--processes K] [--sources A,B,...]
#                                        [--rounds 11] [--warmup-rounds 20] [--holder-io-threads 1] [--runs 1]
#   --sessions max  as many as the machine allows: the open-file limit of one process, less what the
#                   server needs for itself, over several holder processes and loopback source addresses.
#   --runs R        repeats the whole test R times (a new server each time).
# Builds the jar if it is missing. Runs nothing else; measure on an otherwise idle machine.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
JAR="$HERE/target/teleport-benchmark.jar"
SESSIONS=10000
RUNS=1
CLIENT_ARGS=()

while [ $# -gt 0 ]; do
  case "$1" in
    --sessions) SESSIONS="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --processes|--sources|--rounds|--warmup-rounds|--holder-io-threads) CLIENT_ARGS+=("$1" "$2"); shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 64 ;;
  esac
done

[ -f "$JAR" ] || "$ROOT/mvnw" -q -B -f "$ROOT/pom.xml" -pl teleport-benchmark -am package -DskipTests
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$SESSIONS" = max ]; then
  # The JVM raises its own soft limit to the hard one; the server's own descriptors (jars, epoll,
  # eventfds, listener, control session) stay well under 100. The client spreads the sessions over
  # holder processes and loopback source addresses as their limits need.
  SESSIONS=$(( $(ulimit -Hn) - 100 ))
fi

for run in $(seq 1 "$RUNS"); do
  PORT=$((20000 + RANDOM % 12000))
  java -XX:ActiveProcessorCount=2 -Xms1g -Xmx1g -jar "$JAR" scale-server --host 127.0.0.1 --port "$PORT" \
    > "$HERE/target/scale-server.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true' EXIT
  for i in $(seq 1 100); do
    kill -0 "$SERVER" 2>/dev/null || { echo "scale server died (target/scale-server.log)" >&2; exit 1; }
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
  done
  java -Xmx1g -jar "$JAR" scale-client --host 127.0.0.1 --port "$PORT" --sessions "$SESSIONS" ${CLIENT_ARGS[@]+"${CLIENT_ARGS[@]}"} \
    2> "$HERE/target/scale-client.log" | grep '^SCALE '
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  trap - EXIT
done
