#!/usr/bin/env bash
# Sets up and runs Silang on a fresh Debian 12 machine with a small demo
# network built from ../shared/data: twelve member libraries at real
# Indonesian places (GeoNames coordinates), partnerships at island and
# national tiers, and real MARC21 catalogue records with holdings. Then it
# walks one loan request through its whole life and leaves silangd serving.
#
# Environment: SILANG_PORT (default 7420), SILANG_DEMO_DIR (default
# var/demo), SILANG_DEMO_EXIT=1 to stop silangd after the walk-through.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
data_root="$root/../shared/data"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing Debian packages and building silangd and silangctl"
tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
ninja -C build silangd silangctl

port=${SILANG_PORT:-7420}
demo_dir=${SILANG_DEMO_DIR:-$root/var/demo}
rm -rf "$demo_dir"
mkdir -p "$demo_dir"
export SILANG_SERVER="127.0.0.1:$port"
ctl() { build/tools/silangctl "$@"; }

say "Starting silangd on $SILANG_SERVER (data in $demo_dir)"
build/services/silangd --listen "$SILANG_SERVER" --data-dir "$demo_dir/data" \
  --timer-interval 2 > "$demo_dir/silangd.log" 2>&1 &
silangd_pid=$!
trap 'kill -TERM $silangd_pid 2>/dev/null; wait $silangd_pid 2>/dev/null' EXIT
for _ in $(seq 1 50); do
  [ "$(ctl --timeout 1 health 2>/dev/null)" = "SERVING" ] && break
  sleep 0.2
done
ctl health
# A new store writes its first admin credential here (0600); the demo acts
# as the network admin, naming each library it acts for with --as.
export SILANG_TOKEN=$(cat "$demo_dir/data/admin.token")

say "Member libraries at real places (../shared/data/geo/id_places.csv)"
# id | name | GeoNames place | province as in the file | island | zone
libraries="
JKT-PNRI|Perpustakaan Nasional RI|Jakarta|Jakarta|Jawa|WIB
BDG-DISPUSIP|Dispusip Kota Bandung|Bandung|West Java|Jawa|WIB
SBY-PERPUSKOT|Perpustakaan Kota Surabaya|Surabaya|East Java|Jawa|WIB
YOG-GRHATAMA|Grhatama Pustaka Yogyakarta|Yogyakarta|Yogyakarta|Jawa|WIB
MDN-PERPUSKOT|Perpustakaan Kota Medan|Medan|North Sumatra|Sumatra|WIB
TPI-PERPUSKOT|Perpustakaan Kota Tanjung Pinang|Tanjung Pinang|Riau Islands|Bintan|WIB
PNK-PERPUSKOT|Perpustakaan Kota Pontianak|Pontianak|West Kalimantan|Kalimantan|WIB
DPS-PERPUSKOT|Perpustakaan Kota Denpasar|Denpasar|Bali|Bali|WITA
MKS-PERPUSKOT|Perpustakaan Kota Makassar|Makassar|South Sulawesi|Sulawesi|WITA
TMH-PERPUSKOT|Perpustakaan Kota Tomohon|Tomohon|North Sulawesi|Sulawesi|WITA
AMB-PERPUSKOT|Perpustakaan Kota Ambon|Ambon|Maluku|Ambon|WIT
DJJ-PERPUSKOT|Perpustakaan Kota Jayapura|Jayapura|Papua|Papua|WIT
"
all_ids=()
java_ids=()
while IFS='|' read -r id name place province island zone; do
  [ -n "$id" ] || continue
  coords=$(awk -F, -v p="$place" -v pr="$province" \
    '$2 == p && $5 == pr { print $8 "," $9; exit }' "$data_root/geo/id_places.csv")
  [ -n "$coords" ] || { echo "no coordinates for $place in id_places.csv" >&2; exit 1; }
  ctl library put --id "$id" --name "$name" --lat "${coords%,*}" \
    --lon "${coords#*,}" --province "$province" --island "$island" \
    --tz "$zone" --services loan,copy --days-to-respond 2 > /dev/null
  printf '  %-15s %-34s %-15s %9s %10s  %s\n' "$id" "$name" "$place" \
    "${coords%,*}" "${coords#*,}" "$zone"
  all_ids+=("$id")
  [ "$island" = "Jawa" ] && java_ids+=("$id")
done <<< "$libraries"

say "Partnerships: Java (tier 1) and national (tier 3)"
join() { local IFS=,; echo "$*"; }
ctl partnership put --id KERJASAMA-JAWA --name "Kerja sama perpustakaan Jawa" \
  --members "$(join "${java_ids[@]}")" --valid-from 2025-01-01 \
  --valid-until 2027-12-31 --tier 1
ctl partnership put --id JARINGAN-NASIONAL --name "Jaringan layanan silang nasional" \
  --members "$(join "${all_ids[@]}")" --valid-from 2025-01-01 \
  --valid-until 2027-12-31 --tier 3

say "Union catalogue: real MARC21 records (../shared/data/marc)"
# Koha's three sample branches and Evergreen's two libraries become members.
ctl catalog import --library BDG-DISPUSIP \
  --file "$data_root/marc/koha_sample_952.mrc" --map CPL=BDG-DISPUSIP --map FPL=TPI-PERPUSKOT --map MPL=TMH-PERPUSKOT
ctl catalog import --library SBY-PERPUSKOT \
  --file "$data_root/marc/jazz_1k.mrc" --encoding marc8 --map HUNTINGTON=SBY-PERPUSKOT --map DESMARAIS=MKS-PERPUSKOT

isbn=9781408119488
say "Who holds The Duchess of Malfi (ISBN $isbn)?"
ctl holdings list --isbn "$isbn"

say "A librarian at Perpustakaan Nasional (Jakarta) requests it for a patron"
sub=$(ctl --json submit --borrower JKT-PNRI --patron P-2026-0042 --isbn "$isbn" \
  --title "The Duchess of Malfi" --author "John Webster" --key demo-0042)
id=$(jq -r '.request.id' <<< "$sub")
ctl get "$id"
echo
echo "The rota, best first, with why:"
ctl audit "$id" | sed -n '/[Rr]ota/,/^$/p'

lender() { ctl --json get "$id" | jq -r '.current_lender_id'; }
first=$(lender)
say "$first cannot find it on the shelf: the request moves on by itself"
ctl --as "$first" unfilled "$id" --reason not-on-shelf --note "tidak ada di rak"
second=$(lender)

say "$second supplies it; Jakarta receives it and lends it to the patron"
ctl --as "$second" will-supply "$id"
ctl --as "$second" ship "$id" --tracking POS-ID-88231
ctl --as JKT-PNRI receive "$id"
ctl --as JKT-PNRI check-out "$id"
ctl --as JKT-PNRI renew "$id"
ctl --as "$second" approve-renewal "$id"
ctl --as JKT-PNRI return "$id" --tracking POS-ID-90417
ctl --as "$second" check-in "$id"

say "The audit trail an admin sees"
ctl audit "$id"

if [ "${SILANG_DEMO_EXIT:-0}" = 1 ]; then
  say "Done (SILANG_DEMO_EXIT=1): stopping silangd"
  exit 0
fi
say "silangd keeps serving on $SILANG_SERVER; try:"
cat <<EOF
  export SILANG_SERVER=$SILANG_SERVER
  export SILANG_TOKEN=\$(cat $demo_dir/data/admin.token)
  build/tools/silangctl list --borrower JKT-PNRI
  build/tools/silangctl catalog search --words duchess
  build/tools/silangctl credential issue --role librarian --library JKT-PNRI
  build/tools/silangctl --help
Ctrl-C stops it.
EOF
wait "$silangd_pid"
