#!/usr/bin/env bash
# Starts (or checks) a three-node Redis Cluster on 127.0.0.1:7000-7002 for the cache's cluster
# tests: `bash scripts/redis-cluster.sh`. Idempotent; `stop` shuts the nodes down.
set -euo pipefail
PORTS=(7000 7001 7002)
DIR=${LATTICE_REDIS_CLUSTER_DIR:-/tmp/lattice-redis-cluster}

if [ "${1:-start}" = stop ]; then
  for port in "${PORTS[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
  exit 0
fi

command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install redis-server)." >&2; exit 1; }
if redis-cli -p "${PORTS[0]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; then
  echo "Redis Cluster already up on ports ${PORTS[*]}"
  exit 0
fi
for port in "${PORTS[@]}"; do
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "${DIR:?}/$port" && mkdir -p "$DIR/$port"
  redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$DIR/$port/nodes.conf" \
    --dir "$DIR/$port" --save "" --appendonly no --daemonize yes --logfile "$DIR/$port/redis.log"
done
for port in "${PORTS[@]}"; do
  for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${PORTS[@]}") --cluster-replicas 0 --cluster-yes >/dev/null
for _ in $(seq 1 100); do
  redis-cli -p "${PORTS[0]}" cluster info | grep -q 'cluster_state:ok' && { echo "Redis Cluster up on ports ${PORTS[*]}"; exit 0; }
  sleep 0.1
done
echo "Redis Cluster did not reach cluster_state:ok; see $DIR/*/redis.log" >&2
exit 1
