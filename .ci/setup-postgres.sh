#!/usr/bin/env bash
# Install the PostgreSQL server binaries the plans tests need (Debian, as root; only the
# package registry is reachable). Idempotent: does nothing when initdb is already there.
# The tests start their own throwaway cluster (initdb/pg_ctl run as the 'postgres' OS
# user, unix socket in a temp dir), so no service is started here; set
# WIJKKOMPAS_TEST_POSTGRES_URL to test against a server of your own instead.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "setup-postgres: PostgreSQL server binaries present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-postgres: not root and no PostgreSQL found; the PostgreSQL tests will skip" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# the Debian package creates the 'postgres' OS user; its default cluster is not needed
apt-get install -y -q --no-install-recommends postgresql
ls /usr/lib/postgresql/*/bin/initdb
id postgres
