#!/usr/bin/env bash
# End to end with silangd and three silang-agent processes: Jakarta borrows,
# Bandung and Tanjung Pinang lend, both lenders auto-responding from their
# local item tables. A loan runs to completion after Bandung answers
# unfilled. Then a second loan runs while silangd is SIGKILLed and
# restarted (twice) and agents are SIGKILLed and restarted, with staff
# recording actions at the agents throughout. At the end every action was
# applied exactly once, in order: the audit trails are complete and no
# outbox holds anything. Also: an agent may act and subscribe only for its
# own library.
# Usage: agent_life_test.sh SILANGD SILANGCTL SILANG_AGENT
set -euo pipefail
source "$(dirname "$0")/agent_lib.sh" "$1" "$2" "$3"

start_silangd
put_three_libraries
# The core believes Bandung's copy is on the shelf; Bandung's own agent
# knows better (its item table has no copy), so it answers unfilled.
ctl holdings put BDG --isbn 0-306-40615-2 --item B-1 --available on-shelf > /dev/null

librarian=$(issue_token librarian JKT)
jkt=$(issue_token agent JKT)
bdg=$(issue_token agent BDG)
tpi=$(issue_token agent TPI)
submit() {
  ctl --token "$librarian" --as JKT --json submit --borrower JKT \
    --patron "$1" --isbn 9780306406157 --key "$1" | jq -r '.request.id'
}

start_agent JKT JKT "$jkt"
start_agent BDG BDG "$bdg" --auto-respond
start_agent TPI TPI "$tpi" --auto-respond
wait_for "JKT agent connected" "agent JKT --json status | jq -r '.connected'" true
# Tanjung Pinang's item goes on its shelf: pushed to the core's holdings.
agent TPI item T-1 --isbn 9780306406157 --available on-shelf --call "025.5 SIL" > /dev/null
wait_for "TPI holding at the core" \
  "ctl --json holdings list --isbn 9780306406157 | jq -r '.holdings[] | select(.library_id == \"TPI\") | .availability'" \
  AVAILABILITY_ON_SHELF

# --- Security: an agent acts and subscribes only for its own library.
r1=$(submit P-0001)
expect_eq "first lender" "$(ctl --json get "$r1" | jq -r '.rota[0].library_id')" BDG
wait_for "r-1 at TPI after BDG's automatic unfilled" "core_state $r1" REQUEST_STATE_WILL_SUPPLY
if ctl --token "$bdg" --as TPI ship "$r1" 2> "$WORK/err"; then
  agent_fail "agent of BDG acted as TPI"
fi
grep -q PERMISSION_DENIED "$WORK/err" || agent_fail "as TPI: $(cat "$WORK/err")"
if ctl --token "$bdg" --as BDG ship "$r1" 2> "$WORK/err"; then
  agent_fail "agent of BDG acted on a request it no longer holds"
fi
grep -q PERMISSION_DENIED "$WORK/err" || agent_fail "not its request: $(cat "$WORK/err")"
echo "ok: agent of BDG refused for TPI and for a request it does not hold"
start_agent SPY TPI "$bdg"
wait_for "BDG's credential subscribing to TPI's tasks" \
  "agent SPY --json status | jq -r '.last_error' | grep -o PERMISSION_DENIED" \
  PERMISSION_DENIED
kill_agent SPY

# --- A loan to completion, every step recorded by staff at an agent.
expect_eq "BDG answered by itself" \
  "$(agent BDG --json outbox --all | jq -r '.entries[0] | "\(.action) \(.reason) \(.automatic)"')" \
  "ACTION_UNFILLED REASON_NOT_ON_SHELF true"
wait_synced TPI "$r1"
agent TPI ship "$r1" --tracking POS-1 > /dev/null
wait_for "JKT sees r-1 shipped" "agent_state JKT $r1" REQUEST_STATE_SHIPPED
wait_synced JKT "$r1"
agent JKT receive "$r1" > /dev/null
agent JKT check-out "$r1" > /dev/null
agent JKT request-renewal "$r1" > /dev/null
wait_for "TPI sees the renewal request" "agent_state TPI $r1" REQUEST_STATE_RENEWAL_REQUESTED
wait_synced TPI "$r1"
agent TPI approve-renewal "$r1" > /dev/null
wait_for "r-1 renewed" "core_state $r1" REQUEST_STATE_ON_LOAN
wait_synced JKT "$r1"
agent JKT return "$r1" --tracking POS-2 > /dev/null
wait_for "TPI sees the return" "agent_state TPI $r1" REQUEST_STATE_RETURN_SHIPPED
wait_synced TPI "$r1"
agent TPI check-in "$r1" > /dev/null
wait_for "r-1 complete" "core_state $r1" REQUEST_STATE_COMPLETE
expect_eq "r-1 audit" "$(audit_actions "$r1")" \
  "SUBMIT,ROUTE,UNFILLED,ROUTE,WILL_SUPPLY,SHIP,RECEIVE,CHECK_OUT,REQUEST_RENEWAL,APPROVE_RENEWAL,SHIP_RETURN,CHECK_IN"

# --- A second loan through crashes.
r2=$(submit P-0002)
wait_for "r-2 at TPI" "core_state $r2" REQUEST_STATE_WILL_SUPPLY
wait_synced TPI "$r2"

kill_silangd
# Staff keep working: acknowledged locally, queued.
agent TPI ship "$r2" --tracking POS-3 --note "sent while the core was down" > /dev/null
expect_eq "TPI outbox while the core is down" \
  "$(agent TPI --json outbox | jq -r '[.entries[] | "\(.action) \(.state)"] | join(",")')" \
  "ACTION_SHIP OUTBOX_STATE_PENDING"
# The agent dies too, and comes back with its outbox.
kill_agent TPI
start_agent TPI
expect_eq "TPI outbox after SIGKILL" \
  "$(agent TPI --json outbox | jq -r '.entries | length')" 1
wait_for "TPI sees the core down" "agent TPI --json status | jq -r '.connected // false'" false
restart_silangd_same_port
wait_for "TPI outbox drained" "agent TPI --json outbox | jq -r '.entries | length'" 0
wait_for "JKT sees r-2 shipped after the restart" "agent_state JKT $r2" REQUEST_STATE_SHIPPED
wait_synced JKT "$r2"

# JKT records two actions and is killed at once; the second is chained to
# the first and both arrive once, in order.
agent JKT receive "$r2" > /dev/null
agent JKT check-out "$r2" --note "patron P-0002" > /dev/null
kill_agent JKT
start_agent JKT
wait_for "r-2 on loan" "core_state $r2" REQUEST_STATE_ON_LOAN
wait_synced JKT "$r2"

# The core dies again while the borrower ships the item back.
kill_silangd
agent JKT return "$r2" --tracking POS-4 > /dev/null
restart_silangd_same_port
wait_for "TPI sees r-2 coming back" "agent_state TPI $r2" REQUEST_STATE_RETURN_SHIPPED
wait_synced TPI "$r2"
agent TPI check-in "$r2" > /dev/null
wait_for "r-2 complete" "core_state $r2" REQUEST_STATE_COMPLETE

expect_eq "r-2 audit: every action once, in order" "$(audit_actions "$r2")" \
  "SUBMIT,ROUTE,UNFILLED,ROUTE,WILL_SUPPLY,SHIP,RECEIVE,CHECK_OUT,SHIP_RETURN,CHECK_IN"
expect_eq "r-2 ship note" \
  "$(ctl --json audit "$r2" | jq -r '.events[] | select(.action == "ACTION_SHIP") | .note')" \
  "sent while the core was down"
for name in JKT BDG TPI; do
  expect_eq "$name outbox empty" "$(agent "$name" --json outbox | jq -r '.entries | length')" 0
done
expect_eq "JKT actions delivered" \
  "$(agent JKT --json outbox --all | jq -r '[.entries[] | select(.state == "OUTBOX_STATE_DELIVERED") | .action | sub("ACTION_"; "")] | join(",")')" \
  "RECEIVE,CHECK_OUT,REQUEST_RENEWAL,SHIP_RETURN,RECEIVE,CHECK_OUT,SHIP_RETURN"

for name in JKT BDG TPI; do stop_agent "$name"; done
stop_silangd
echo "e2e agent life: passed"
