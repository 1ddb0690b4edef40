#!/usr/bin/env bash
# Fuzzes a running server against its own OpenAPI document with
# schemathesis (from PyPI), and fails on any server error (5xx), any answer
# whose status the document does not list, and any answer whose body
# breaks the document's schema.
#
#   tests/schemathesis.sh                   # about a minute on 2 cores, once built
#   ST_EXAMPLES=200 tests/schemathesis.sh   # longer, more cases per route
#   ST_SEED=N                               # repeat a run
#   ST_CHECKS=all ST_ARGS="--mode positive" # other checks, more options
#   ST_DB=postgres://…/EMPTY_DB             # serve an empty PostgreSQL database
#
# What it does:
# 1. installs schemathesis (pinned) into a venv under target/ when missing;
# 2. builds the binary (the same build as `cargo test`, so CI does not
#    compile twice) and seeds a fresh data directory with the fixtures
#    through `safedesk demo` (teams, elevators, a month of incidents,
#    vehicle lists, passages, vessels, bases), which also writes
#    DATA_DIR/admin.token;
# 3. serves that directory on a free loopback port with no rate limit, and
#    imports the cylinder fixture through the API;
# 4. runs schemathesis with the admin token on every route but the two
#    event streams, then on `DELETE /tokens/{id}` alone (it may revoke the
#    admin token, after which every answer is a 401);
# 5. stops the server and removes the data directory.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
# Newer hypothesis releases parse whole source files to describe lambdas,
# which trips a CPython 3.11.7 bug ("SystemError: AST constructor recursion
# depth mismatch") inside schemathesis's coverage phase; this one does not.
HYPOTHESIS_VERSION=6.130.12
TARGET=$(realpath "${CARGO_TARGET_DIR:-target}")
VENV=$TARGET/schemathesis-venv
# schemathesis and hypothesis keep their caches (and `st replay`'s crashes)
# in the directory they run in: this one, not the repository.
RUNDIR=$TARGET/schemathesis
EXAMPLES=${ST_EXAMPLES:-100}
SEED=${ST_SEED:-}

say() { echo "schemathesis.sh: $*" >&2; }

# 1. schemathesis, pinned, in a venv of its own.
PINS=("schemathesis==$SCHEMATHESIS_VERSION" "hypothesis==$HYPOTHESIS_VERSION")
if ! "$VENV/bin/python" -c '
import sys
from importlib.metadata import version
sys.exit(any(version(n) != v for n, v in (a.split("==") for a in sys.argv[1:])))
' "${PINS[@]}" 2>/dev/null; then
    say "installing ${PINS[*]} into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
fi

# 2. The binary, and a data directory seeded with the fixtures.
cargo test --locked --no-run --test openapi >&2
BIN=$TARGET/debug/safedesk
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
DATA=$WORK/data
SERVE_DB=()
if [ -n "${ST_DB:-}" ]; then
    # An empty PostgreSQL database instead: no fixtures but the cylinders.
    say "serving the empty database ST_DB"
    SERVE_DB=(--db "$ST_DB")
else
    say "seeding $DATA from the fixtures"
    if ! "$BIN" demo --listen 127.0.0.1:0 --data-dir "$DATA" --no-board --duration 2 \
        --quiet --color never >/dev/null 2>"$WORK/demo.log"; then
        cat "$WORK/demo.log" >&2
        say "seeding failed"
        exit 1
    fi
    rm -f "$DATA/.safedesk-demo"
fi

# 3. The server, on a port the system picks.
"$BIN" serve --listen 127.0.0.1:0 --data-dir "$DATA" "${SERVE_DB[@]}" --rate-limit off \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE=
for _ in $(seq 1 100); do
    BASE=$(sed -n 's|^safedesk: serving \(http://127\.0\.0\.1:[0-9]*\)/api/v1.*|\1|p' "$WORK/server.log")
    [ -n "$BASE" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        cat "$WORK/server.log" >&2
        say "the server did not start"
        exit 1
    fi
    sleep 0.1
done
if [ -z "$BASE" ]; then
    cat "$WORK/server.log" >&2
    say "the server did not say where it listens"
    exit 1
fi
say "server at $BASE"
TOKEN=$(cat "$DATA/admin.token")
# The cylinder register, through the import API (an import run to fuzz too).
# The fixture has rows made to be refused, so the exit status says so; what
# matters is that the run went through.
"$BIN" --api "$BASE" --token "$TOKEN" import cylinders \
    fixtures/import/cylinders-suzhou.csv >"$WORK/import.log" 2>&1 || true
if ! grep -q "rows in" "$WORK/import.log"; then
    cat "$WORK/import.log" >&2
    say "importing the cylinder fixture failed"
    exit 1
fi

# 4. The fuzzing.
#
# Left out: GET /api/v1/events and GET /api/v1/alerts/stream. They are
# server-sent event streams that by design never end (keep-alives every
# 15 s, no total timeout), so every request to them would hang until
# schemathesis's request timeout and report it as a failure. tests/events.rs
# covers them.
CHECKS=${ST_CHECKS:-not_a_server_error,status_code_conformance,response_schema_conformance}
common=(
    --url "$BASE"
    --header "Authorization: Bearer $TOKEN"
    --checks "$CHECKS"
    --max-examples "$EXAMPLES"
    --phases examples,coverage,fuzzing
    --workers 2
    --request-timeout 30
    --suppress-health-check all
    --warnings off
    --no-color
    --generation-database none
)
if [ -n "$SEED" ]; then
    common+=(--seed "$SEED")
fi
# More options for schemathesis, e.g. ST_ARGS="--mode positive".
read -r -a extra <<<"${ST_ARGS:-}"
common+=("${extra[@]}")
status=0
mkdir -p "$RUNDIR"
cd "$RUNDIR"
say "fuzzing every route but the event streams and token revocation"
"$VENV/bin/schemathesis" run "$BASE/api/v1/openapi.json" "${common[@]}" \
    --exclude-path /api/v1/events \
    --exclude-path /api/v1/alerts/stream \
    --exclude-operation-id delete_tokens_id || status=$?
# Last, as it may revoke the admin token itself.
say "fuzzing token revocation"
"$VENV/bin/schemathesis" run "$BASE/api/v1/openapi.json" "${common[@]}" \
    --include-operation-id delete_tokens_id || status=$?

if grep -q "panicked" "$WORK/server.log"; then
    grep -B2 -A8 "panicked" "$WORK/server.log" >&2
    say "the server panicked"
    status=1
fi
if [ "$status" -ne 0 ]; then
    say "FAILED (the server log: errors below)"
    grep -E "ERROR|panicked" "$WORK/server.log" | tail -40 >&2 || true
    exit 1
fi
say "passed"
