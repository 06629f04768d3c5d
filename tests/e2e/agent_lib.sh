# Helpers for end-to-end tests with silang-agent processes, on top of
# lib.sh. Each agent NAME has its data directory, log and staff port under
# $WORK; every agent is SIGKILLed when the script exits.
# Usage: source agent_lib.sh SILANGD SILANGCTL SILANG_AGENT

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$1" "$2"
SILANG_AGENT=$3
declare -A AGENT_PID AGENT_PORT AGENT_ARGS

kill_all_agents() {
  for name in "${!AGENT_PID[@]}"; do
    kill -9 "${AGENT_PID[$name]}" 2>/dev/null || true
  done
}
trap 'kill_all_agents; cleanup' EXIT

agent_fail() {
  for name in "${!AGENT_PID[@]}"; do
    echo "--- agent $name log" >&2
    tail -n 15 "$WORK/agent-$name.log" >&2 || true
  done
  fail "$@"
}

# start_agent NAME LIBRARY TOKEN [FLAGS...]: (re)starts an agent on a new
# staff port; a restart keeps the data directory and the flags.
start_agent() {
  local name=$1
  if [ $# -gt 1 ]; then AGENT_ARGS[$name]="${*:2}"; fi
  read -r -a args <<< "${AGENT_ARGS[$name]}"
  local lib=${args[0]} token=${args[1]}
  rm -f "$WORK/agent-$name.port"
  SILANG_TOKEN="$token" "$SILANG_AGENT" run --core "127.0.0.1:$PORT" \
    --library "$lib" --data-dir "$WORK/agent-$name" --listen 127.0.0.1:0 \
    --port-file "$WORK/agent-$name.port" --max-backoff 0.5 --seed "$(cksum <<< "$name" | cut -d' ' -f1)" \
    --log-level info "${args[@]:2}" >> "$WORK/agent-$name.log" 2>&1 &
  AGENT_PID[$name]=$!
  for _ in $(seq 1 100); do
    [ -s "$WORK/agent-$name.port" ] && break
    sleep 0.1
  done
  [ -s "$WORK/agent-$name.port" ] || agent_fail "agent $name did not start"
  AGENT_PORT[$name]=$(cat "$WORK/agent-$name.port")
}

kill_agent() {  # SIGKILL
  kill -9 "${AGENT_PID[$1]}"
  wait "${AGENT_PID[$1]}" 2>/dev/null || true
  unset "AGENT_PID[$1]"
}

stop_agent() {  # SIGTERM: must exit 0
  kill -TERM "${AGENT_PID[$1]}"
  wait "${AGENT_PID[$1]}" || agent_fail "agent $1 exited non-zero on SIGTERM"
  unset "AGENT_PID[$1]"
}

# agent NAME SUBCOMMAND...: a staff subcommand against agent NAME.
agent() {
  local name=$1
  shift
  "$SILANG_AGENT" --agent "127.0.0.1:${AGENT_PORT[$name]}" --timeout 5 "$@"
}

# wait_for WHAT COMMAND WANT: polls COMMAND (a string for eval) for up to
# 20 s until it prints WANT.
wait_for() {
  local got=""
  for _ in $(seq 1 200); do
    got=$(eval "$2" 2>/dev/null || true)
    if [ "$got" = "$3" ]; then
      echo "ok: $1 = $3"
      return 0
    fi
    sleep 0.1
  done
  agent_fail "$1: still '$got' after 20 s, want '$3'"
}

# Restarts silangd on the port it had, so agents find it again.
restart_silangd_same_port() {
  SILANGD_LISTEN="127.0.0.1:$PORT" start_silangd
}

core_state() { ctl --json get "$1" | jq -r '.state'; }
agent_state() {
  agent "$1" --json tasks --all |
    jq -r --arg id "$2" '.tasks[] | select(.task.request.id == $id) | .task.request.state'
}
agent_version() {
  agent "$1" --json tasks --all |
    jq -r --arg id "$2" '.tasks[] | select(.task.request.id == $id) | .task.request.version'
}
# wait_synced NAME ID: agent NAME's cache holds the core's current version,
# so what its staff record next is based on what the core has.
wait_synced() {
  local want
  want=$(ctl --json get "$2" | jq -r '.version')
  wait_for "$1 has $2 at v$want" "agent_version $1 $2" "$want"
}
audit_actions() {
  ctl --json audit "$1" | jq -r '[.events[].action | sub("ACTION_"; "")] | join(",")'
}
