#!/usr/bin/env bash
# End to end, with real processes: seed a network with silangctl as the
# bootstrap admin, issue each library its own credential, drive a loan from
# submit to complete (the first lender answers unfilled), then
# SIGKILL silangd, restart it on the same data directory and find the
# request and its whole audit trail intact. Also checks that a write
# acknowledged just before SIGKILL survives, and idempotent resubmission.
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$1" "$2"

start_silangd
expect_eq "health" "$(ctl health)" "SERVING"

put_three_libraries
ctl holdings put BDG --isbn 0-306-40615-2 --item B-1 --available on-shelf > /dev/null
ctl holdings put TPI --isbn 9780306406157 --item T-1 --available on-shelf > /dev/null

# Each library acts with its own credential.
jkt=$(issue_token librarian JKT)
bdg=$(issue_token agent BDG)
tpi=$(issue_token agent TPI)
as_jkt() { ctl --token "$jkt" --as JKT "$@"; }
as_bdg() { ctl --token "$bdg" --as BDG "$@"; }
as_tpi() { ctl --token "$tpi" --as TPI "$@"; }

# Without a credential nothing is served.
if SILANG_TOKEN= "$SILANGCTL" --server "127.0.0.1:$PORT" --timeout 10 get r-1 2> "$WORK/err"; then
  fail "call without a credential accepted"
fi
grep -q UNAUTHENTICATED "$WORK/err" || fail "no credential: $(cat "$WORK/err")"

# Submit: routed in the same call, nearest on-shelf lender first.
sub=$(as_jkt --json submit --borrower JKT --patron P-0001 --isbn 9780306406157 \
  --title "Test book" --key e2e-key-1)
id=$(jq -r '.request.id' <<< "$sub")
expect_eq "submitted id" "$id" "r-1"
expect_eq "first lender" "$(jq -r '.request.current_lender_id' <<< "$sub")" "BDG"
expect_eq "state" "$(jq -r '.request.state' <<< "$sub")" "REQUEST_STATE_SENT_TO_LENDER"
expect_eq "rota size" "$(jq '.request.rota | length' <<< "$sub")" "2"

state() { ctl --json get "$id" | jq -r '.state'; }
version() { ctl --json get "$id" | jq -r '.version'; }

# Bandung cannot find it: the request moves to Tanjung Pinang by itself.
# Bandung's agent may not act for Tanjung Pinang.
if ctl --token "$bdg" --as TPI will-supply "$id" 2> "$WORK/err"; then
  fail "agent of BDG acted for TPI"
fi
grep -q PERMISSION_DENIED "$WORK/err" || fail "foreign agent: $(cat "$WORK/err")"
as_bdg unfilled "$id" --reason not-on-shelf --expected-version 1 > /dev/null
expect_eq "lender after unfilled" "$(ctl --json get "$id" | jq -r '.current_lender_id')" "TPI"
# A stale version is refused and changes nothing.
if as_tpi will-supply "$id" --expected-version 1 2> "$WORK/err"; then
  fail "stale version accepted"
fi
grep -q ABORTED "$WORK/err" || fail "stale version: $(cat "$WORK/err")"
expect_eq "version after refused call" "$(version)" "2"

as_tpi will-supply "$id" > /dev/null
as_tpi ship "$id" --tracking POS-123 > /dev/null
as_jkt receive "$id" > /dev/null
as_jkt check-out "$id" > /dev/null
as_jkt renew "$id" > /dev/null
as_tpi approve-renewal "$id" > /dev/null
as_jkt return "$id" --tracking POS-456 > /dev/null
as_tpi check-in "$id" > /dev/null
expect_eq "final state" "$(state)" "REQUEST_STATE_COMPLETE"

before=$(ctl --json audit "$id")
events=$(jq '.events | length' <<< "$before")
expect_eq "audit actions" \
  "$(jq -r '[.events[].action] | join(",")' <<< "$before")" \
  "ACTION_SUBMIT,ACTION_ROUTE,ACTION_UNFILLED,ACTION_ROUTE,ACTION_WILL_SUPPLY,ACTION_SHIP,ACTION_RECEIVE,ACTION_CHECK_OUT,ACTION_REQUEST_RENEWAL,ACTION_APPROVE_RENEWAL,ACTION_SHIP_RETURN,ACTION_CHECK_IN"

# A second request, acknowledged, then SIGKILL at once.
sub2=$(as_jkt --json submit --borrower JKT --patron P-0002 --isbn 9780306406157 --key e2e-key-2)
id2=$(jq -r '.request.id' <<< "$sub2")
as_jkt cancel "$id2" > /dev/null
kill_silangd

start_silangd
expect_eq "state after SIGKILL" "$(state)" "REQUEST_STATE_COMPLETE"
after=$(ctl --json audit "$id")
expect_eq "audit events after SIGKILL" "$(jq '.events | length' <<< "$after")" "$events"
[ "$before" = "$after" ] || fail "audit trail changed across SIGKILL"
echo "ok: audit trail identical across SIGKILL ($events events)"
expect_eq "acknowledged cancel survived SIGKILL" \
  "$(ctl --json get "$id2" | jq -r '.state')" "REQUEST_STATE_CANCEL_PENDING"

# Idempotent resubmission after the restart returns the same request.
again=$(as_jkt --json submit --borrower JKT --patron P-0001 --isbn 9780306406157 \
  --title "Test book" --key e2e-key-1)
expect_eq "resubmit id" "$(jq -r '.request.id' <<< "$again")" "r-1"
expect_eq "resubmit created" "$(jq -r '.created // false' <<< "$again")" "false"
# New requests continue the id sequence.
sub3=$(as_jkt --json submit --borrower JKT --patron P-0003 --isbn 9780306406157 --key e2e-key-3)
expect_eq "next id after restart" "$(jq -r '.request.id' <<< "$sub3")" "r-3"

stop_silangd
echo "e2e loan life: passed"
