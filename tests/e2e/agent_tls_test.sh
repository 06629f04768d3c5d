#!/usr/bin/env bash
# silang-agent dials a TLS-only silangd, trusting a self-signed certificate
# made here (openssl req): its task stream connects and an availability
# change reaches the core. An agent without --tls-ca cannot connect.
# Usage: agent_tls_test.sh SILANGD SILANGCTL SILANG_AGENT
set -euo pipefail
source "$(dirname "$0")/agent_lib.sh" "$1" "$2" "$3"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2> /dev/null
start_silangd --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
tls() { ctl --tls-ca "$WORK/cert.pem" "$@"; }
tls library put --id BDG --name "Dispusip Kota Bandung" --lat -6.92222 \
  --lon 107.60694 --province "West Java" --island Jawa --tz WIB \
  --services loan > /dev/null
bdg=$(tls --json credential issue --role agent --library BDG --label tls |
  jq -r '.token')

start_agent BDG BDG "$bdg" --tls-ca "$WORK/cert.pem"
wait_for "agent connected over TLS" \
  "agent BDG --json status | jq -r '.connected // false'" true
agent BDG item B-9 --isbn 9780306406157 --available on-loan > /dev/null
wait_for "availability pushed over TLS" \
  "tls --json holdings list --isbn 9780306406157 | jq -r '.holdings[0].availability'" \
  AVAILABILITY_ON_LOAN

start_agent PLAIN BDG "$bdg"
sleep 1
expect_eq "plaintext agent not connected" \
  "$(agent PLAIN --json status | jq -r '.connected // false')" false
stop_agent PLAIN
stop_agent BDG
stop_silangd
echo "e2e agent tls: passed"
