#!/usr/bin/env bash
# Checks that PostgreSQL and Redis answer. With --start, starts the ones that
# are down (the commands of this project's machines; root needed).
set -u
start=0
[ "${1:-}" = "--start" ] && start=1
DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/fleettune}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
START_PG='pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'
START_REDIS='redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'

pg_up() { node -e '
  const { Client } = require("pg");
  const u = new URL(process.argv[1]); u.pathname = "/postgres";
  const c = new Client({ connectionString: u.toString(), connectionTimeoutMillis: 2000 });
  c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));' "$DATABASE_URL"; }
redis_up() { node -e '
  const Redis = require("ioredis");
  const r = new Redis(process.argv[1], { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  r.on("error", () => {});
  r.connect().then(() => r.ping()).then(() => { r.disconnect(); process.exit(0); }, () => process.exit(1));' "$REDIS_URL"; }

ok=1
if ! pg_up; then
  if [ $start = 1 ] && [ -d /etc/postgresql ]; then
    echo "services: starting PostgreSQL" >&2
    eval "$START_PG" >&2 || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  pg_up || { echo "services: PostgreSQL is unreachable at $DATABASE_URL; start it with: $START_PG" >&2; ok=0; }
fi
if ! redis_up; then
  if [ $start = 1 ] && command -v redis-server >/dev/null; then
    echo "services: starting Redis" >&2
    eval "$START_REDIS" >&2 || true
    for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  fi
  redis_up || { echo "services: Redis is unreachable at $REDIS_URL; start it with: $START_REDIS" >&2; ok=0; }
fi
[ $ok = 1 ]
