#!/usr/bin/env bash
# End to end: silangd started with a small soft open-file limit (a login
# shell's 1,024, here 256) raises it to the hard limit before it opens the
# store, so a grown store's table files and every agent's connection fit,
# and warns when even that is low.
set -euo pipefail
source "$(dirname "$0")/lib.sh" "$1" "$2"

real_silangd=$SILANGD
SILANGD="$WORK/silangd-low-limit"
printf '#!/bin/sh\nexec prlimit --nofile=256:2048 "%s" "$@"\n' "$real_silangd" > "$SILANGD"
chmod +x "$SILANGD"

start_silangd
expect_eq "health" "$(ctl health)" "SERVING"
soft=$(awk '/^Max open files/ { print $4 }' "/proc/$PID/limits")
hard=$(awk '/^Max open files/ { print $5 }' "/proc/$PID/limits")
expect_eq "soft open-file limit" "$soft" "2048"
expect_eq "hard open-file limit" "$hard" "2048"
# Still below what a national network needs: silangd says so.
grep -q "open-file limit 2048 is low: .* more than about 1024 libraries" \
  "$WORK/silangd.log" || fail "no warning of a low open-file limit"
stop_silangd
echo "PASS"
