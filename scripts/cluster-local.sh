#!/usr/bin/env bash
# Three Forum nodes on one MariaDB database and one Redis, behind HAProxy, on this machine
# (docs/guide/cluster.md, "Three nodes behind HAProxy, locally"; decision 0046).
#   bash scripts/cluster-local.sh            # http://127.0.0.1:8080, nodes on 3001-3003
# Settings: DATABASE_URL (default mysql://root@127.0.0.1:3306/lattice_cluster, created if missing),
# REDIS_URL (default redis://127.0.0.1:6379), NODES (3), BALANCER_PORT (8080), FIRST_PORT (3001),
# STICKY=1 for cookie stickiness. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node24.sh >/dev/null

NODES=${NODES:-3}
BALANCER_PORT=${BALANCER_PORT:-8080}
FIRST_PORT=${FIRST_PORT:-3001}
export DATABASE_URL=${DATABASE_URL:-mysql://root@127.0.0.1:3306/lattice_cluster}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export REDIS_KEY_PREFIX=${REDIS_KEY_PREFIX:-lattice:local-cluster:}
# Every node must sign and check tokens and live pages with the same secrets.
export JWT_SECRET=${JWT_SECRET:-local-cluster-jwt-secret-of-more-than-32-bytes}
export LIVE_SECRET=${LIVE_SECRET:-local-cluster-live-secret-of-more-than-32-characters}
export FORUM_SEED_ON_START=never HOST=127.0.0.1
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
[ -x "$HAPROXY" ] || { echo "HAProxy is missing: apt-get install haproxy (or set HAPROXY)." >&2; exit 1; }

dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

if [[ "$DATABASE_URL" == mysql://* ]] && command -v mariadb >/dev/null; then
  name=${DATABASE_URL##*/}
  mariadb -uroot -h127.0.0.1 -e "CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
fi
# On MySQL, migrations and seeds are deploy steps (once, before the nodes), not done at start.
npm run --silent lattice -- db:migrate
npm run --silent lattice -- db:seed

servers=""
for i in $(seq 1 "$NODES"); do
  port=$((FIRST_PORT + i - 1))
  servers+="  server n$i 127.0.0.1:$port check${STICKY:+ cookie n$i}"$'\n'
  PORT=$port node -r @swc-node/register src/main.ts >"$dir/n$i.log" 2>&1 &
  pids+=($!)
  echo "node n$i: http://127.0.0.1:$port (log: $dir/n$i.log)"
done

cat >"$dir/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  timeout http-keep-alive 10s
  timeout check 2s
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 503
frontend lattice
  bind 127.0.0.1:$BALANCER_PORT
  default_backend forum
backend forum
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  option forwardfor
  http-response set-header X-Lattice-Backend %[srv_name]
${STICKY:+  cookie LATTICE_NODE insert indirect nocache httponly}
  default-server inter 200ms fastinter 200ms downinter 200ms fall 2 rise 1
$servers
CFG
"$HAPROXY" -f "$dir/haproxy.cfg" -db &
pids+=($!)
echo "balancer: http://127.0.0.1:$BALANCER_PORT (config: $dir/haproxy.cfg). Ctrl-C stops everything."
wait -n "${pids[@]}"
