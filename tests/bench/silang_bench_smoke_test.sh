#!/bin/bash
# silang-bench at a tiny scale against its own silangd: it settles the loaded
# store, every operation must print a RESULT line with a positive rate,
# twenty agents' task streams must stay open and receive events, and the
# inside-silangd table must count one synced write per submit.
# Usage: silang_bench_smoke_test.sh SILANG_BENCH SILANGD
set -euo pipefail
OUT=$(mktemp "${TMPDIR:-/tmp}/silang-bench-smoke.XXXXXX")
trap 'rm -f "$OUT"' EXIT
"$1" --silangd "$2" --libraries 200 --titles 1000 --max-holders 50 \
  --concurrency 4 --seconds 2 --warmup 0.2 --agent-streams 20 >"$OUT" 2>&1 || {
  cat "$OUT"; echo "FAIL: silang-bench exited non-zero" >&2; exit 1; }
cat "$OUT"
# After loading, it settles the store and measures on a restarted silangd.
grep -q "^settle: stopped silangd, compacted the loaded store offline" "$OUT" || {
  echo "FAIL: no settle line" >&2; exit 1; }
for op in submit loan_life health; do
  line=$(grep "^RESULT op=$op " "$OUT") || {
    echo "FAIL: no RESULT line for $op" >&2; exit 1; }
  qps=$(sed -n 's/.* qps=\([0-9.]*\) .*/\1/p' <<<"$line")
  awk -v q="$qps" 'BEGIN { exit !(q > 0) }' || {
    echo "FAIL: $op qps=$qps" >&2; exit 1; }
  echo "ok: $op qps=$qps"
done
# RocksDB's flushes and compactions are a part of silangd's CPU per op.
grep -qE '^op .* srv_cpu +srv_bg +cli_cpu$' "$OUT" || {
  echo "FAIL: no srv_cpu srv_bg cli_cpu columns" >&2; exit 1; }
for op in submit loan_life health; do
  # The first table's row (K is a number; progress lines say "K=4:"):
  # ... srv_cpu srv_bg cli_cpu.
  read -r srv bg <<<"$(awk -v op="$op" '$1 == op && $2 ~ /^[0-9]+$/ {
    print $(NF-2), $(NF-1); exit }' "$OUT")"
  awk -v s="$srv" -v b="$bg" 'BEGIN { exit !(s != "" && b != "" && b >= 0 && b <= s) }' || {
    echo "FAIL: $op srv_cpu=$srv srv_bg=$bg" >&2; exit 1; }
  echo "ok: $op srv_cpu=$srv srv_bg=$bg"
done
# Twenty library agents held their task streams through the phases and
# were sent the changes to their libraries' requests.
grep -q "^AGENT_STREAMS open=20 " "$OUT" || {
  echo "FAIL: the agents' streams did not open" >&2; exit 1; }
events=$(sed -n 's/^AGENT_STREAMS events=\([0-9]*\)$/\1/p' "$OUT")
[ "${events:-0}" -gt 0 ] || { echo "FAIL: agents got no events" >&2; exit 1; }
echo "ok: agents got $events events"
# From silangd's metrics: a submit is one synced write, a health check none.
row() { awk -v op="$1" '/^inside silangd/ { t = 1; next }
  t && $1 == op { print $(NF-1); exit }' "$OUT"; }
for want in "submit 0.95 1.05" "health 0 0" "loan_life 6 8.5"; do
  read -r op lo hi <<<"$want"
  w=$(row "$op")
  awk -v w="$w" -v lo="$lo" -v hi="$hi" \
    'BEGIN { exit !(w != "" && w >= lo && w <= hi) }' || {
    echo "FAIL: $op writes/op=$w, want $lo..$hi" >&2; exit 1; }
  echo "ok: $op writes/op=$w"
done
