#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `source .ci/postgres.sh` starts one in a temp
# folder on a free port, exports EVERAI_TEST_PG_URL, and stops and removes it when the shell
# exits. initdb refuses to run as root, so the cluster runs as the `postgres` user (created when
# missing). Needs initdb and pg_ctl: on PATH, or in Debian's /usr/lib/postgresql/*/bin.

pg_bin=""
if ! command -v initdb >/dev/null; then
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$pg_bin" ]; then
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  PATH="$pg_bin:$PATH"
fi
id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres

pg_dir="$(mktemp -d /tmp/everai-pg.XXXXXX)"
chown postgres "$pg_dir"
# A free port: the kernel picks one for a socket we close at once.
pg_port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
as_postgres() { runuser -u postgres -- env PATH="$PATH" "$@"; }
as_postgres initdb --pgdata "$pg_dir/data" --username postgres --auth trust --no-sync >/dev/null
as_postgres pg_ctl --pgdata "$pg_dir/data" --log "$pg_dir/log" --wait \
  --options "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$pg_dir -c fsync=off -c max_connections=300" start >/dev/null

stop_postgres() {
  as_postgres pg_ctl --pgdata "$pg_dir/data" --mode immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_postgres EXIT
export EVERAI_TEST_PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
echo "PostgreSQL for the tests at $EVERAI_TEST_PG_URL"
