# Shared helpers for the end-to-end tests: start and stop a real silangd on
# a free port with a private data directory, and call it with silangctl.
# Usage: source lib.sh SILANGD SILANGCTL

SILANGD=$1
SILANGCTL=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/silang-e2e.XXXXXX")
PID=""
PORT=""

cleanup() {
  if [ -n "$PID" ]; then kill -9 "$PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- silangd log" >&2
  tail -n 30 "$WORK/silangd.log" >&2 || true
  exit 1
}

# Listens on $SILANGD_LISTEN if set (a restart on the same port), else on a
# free port.
start_silangd() {
  rm -f "$WORK/port"
  "$SILANGD" --data-dir "$WORK/data" --listen "${SILANGD_LISTEN:-127.0.0.1:0}" \
    --port-file "$WORK/port" --log-level warn --timer-interval 3600 \
    --metrics-listen 127.0.0.1:0 --metrics-port-file "$WORK/metrics_port" \
    "$@" >> "$WORK/silangd.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do
    [ -s "$WORK/port" ] && break
    kill -0 "$PID" 2>/dev/null || fail "silangd exited at start-up"
    sleep 0.1
  done
  [ -s "$WORK/port" ] || fail "silangd did not start within 10 s"
  PORT=$(cat "$WORK/port")
  # A new store writes its first admin token; later starts keep it.
  ADMIN_TOKEN=$(cat "$WORK/data/admin.token")
}

kill_silangd() {  # SIGKILL: no shutdown, no flush
  kill -9 "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
}

stop_silangd() {  # SIGTERM: graceful
  kill -TERM "$PID"
  wait "$PID" || fail "silangd exited non-zero on SIGTERM"
  PID=""
}

# As the network admin, unless "$@" holds another --token.
ctl() {
  SILANG_TOKEN="$ADMIN_TOKEN" "$SILANGCTL" --server "127.0.0.1:$PORT" \
    --timeout 10 "$@"
}

# Jakarta, Bandung and Tanjung Pinang at their real places
# (../shared/data/geo/id_places.csv), lending loans and copies, all in
# partnership NET (tier 2).
put_three_libraries() {
  ctl library put --id JKT --name "Perpustakaan Nasional" --lat -6.21462 \
    --lon 106.84513 --province Jakarta --island Jawa --tz WIB \
    --services loan,copy > /dev/null
  ctl library put --id BDG --name "Dispusip Kota Bandung" --lat -6.92222 \
    --lon 107.60694 --province "West Java" --island Jawa --tz WIB \
    --services loan,copy > /dev/null
  ctl library put --id TPI --name "Perpustakaan Tanjung Pinang" --lat 0.91667 \
    --lon 104.45833 --province "Riau Islands" --island Bintan --tz WIB \
    --services loan,copy > /dev/null
  ctl partnership put --id NET --name "Jaringan uji" --members JKT,BDG,TPI \
    --valid-from 2020-01-01 --valid-until 2099-12-31 --tier 2 > /dev/null
}

# issue_token ROLE LIBRARY: a new credential's token.
issue_token() {
  ctl --json credential issue --role "$1" --library "$2" --label e2e |
    jq -r '.token'
}

# expect_eq WHAT GOT WANT
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
  echo "ok: $1 = $3"
}
