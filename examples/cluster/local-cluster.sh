#!/usr/bin/env bash
# Starts a three-node Zeroserve cluster on loopback: HTTP on 8080, 8081, 8082; Hazelcast on 5701,
# 5702, 5703; data in ./cluster-data/node-N. Ctrl-C stops all three.
#   examples/cluster/local-cluster.sh            # nodes 1-3, the first deploys the examples
#   curl -s localhost:8082/v1/functions          # any node lists, deploys and invokes everything
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="${ZS_CLUSTER_DATA:-$PWD/cluster-data}"
"$here/zeroserve" --help > /dev/null   # builds the jar once, before three nodes race to

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
for n in 1 2 3; do
  args=(--http-port $((8079 + n)) --cluster-port $((5700 + n)) --data-dir "$data/node-$n")
  [ "$n" -gt 1 ] && args+=(--join 127.0.0.1:5701)
  [ "$n" -eq 1 ] && args+=(--examples)
  "$here/zeroserve" "${args[@]}" > "$data-node-$n.log" 2>&1 &
  pids+=($!)
  # The first node must be up before the others join it.
  for _ in $(seq 1 120); do curl -sf "localhost:$((8079 + n))/v2/health/ready" > /dev/null && break; sleep 0.5; done
  echo "node $n: http://127.0.0.1:$((8079 + n))  (log: $data-node-$n.log)"
done
echo "cluster up; Ctrl-C stops it"
wait
