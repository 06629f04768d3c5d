#!/bin/sh
# Builds the catalogue import fuzzer with clang (ASan, UBSan, libFuzzer) in
# its own build directory and runs it for a bounded time over a seed corpus
# cut from the shared MARC files.
#
#   tests/catalog/run-fuzz.sh [SECONDS]      (default 60)
#
# Environment: BUILD_DIR (default build-fuzz), JOBS (default 2).
# Exits non-zero if the fuzzer finds a crash; the reproducer is left in
# $BUILD_DIR/fuzz-artifacts/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-60}
build=${BUILD_DIR:-$root/build-fuzz}
marc=$root/../shared/data/marc

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSILANG_FUZZ=ON -DSILANG_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
ninja -C "$build" -j "${JOBS:-2}" catalog_import_fuzzer

# Seeds: a few records at a time from each file, prefixed with the format
# byte (0 MARC21, 1 MARC21 forced MARC-8, 2 MARCXML, 3 CSV) and a chunk
# byte.
corpus=$build/fuzz-corpus
mkdir -p "$corpus" "$build/fuzz-artifacts"
python3 - "$marc" "$corpus" <<'PY'
import os, sys
marc, out = sys.argv[1], sys.argv[2]
def put(name, fmt, chunk, body):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([fmt, chunk]) + body)
def iso(name, fmt, per=3, most=40):
    recs = [r + b"\x1d" for r in open(os.path.join(marc, name), "rb").read().split(b"\x1d") if r.strip()]
    for i in range(0, min(len(recs), per * most), per):
        put("%s-%d" % (name, i), fmt, i % 7, b"".join(recs[i:i + per]))
def xml(name, per=2, most=20):
    data = open(os.path.join(marc, name), "rb").read()
    head = data[:data.find(b"<record")]
    recs = [b"<record" + r for r in data.split(b"<record")[1:]]
    for i in range(0, min(len(recs), per * most), per):
        put("%s-%d" % (name, i), 2, i % 5, head + b"".join(recs[i:i + per]) + b"</collection>")
iso("koha_sample_952.mrc", 0x10)
iso("jazz_1k.mrc", 1)
iso("nepali.marc", 0)
xml("koha_sample_952.xml")
xml("badisbns.xml")
put("csv-1", 3, 0, b"isbn,issn,title,author,year,item_id,availability,call_number,branch\n"
    b"0-306-40615-2,,\"Laskar Pelangi\",\"Hirata, Andrea\",2005,B-1,on_loan,899 HIR,CPL\n"
    b",0317-8471,Majalah,,1999,M-1,,,XYZ\n")
PY

"$build/tests/catalog/catalog_import_fuzzer" \
  -max_total_time="$seconds" -max_len=16384 -timeout=20 -rss_limit_mb=4096 \
  -artifact_prefix="$build/fuzz-artifacts/" -print_final_stats=1 \
  "$corpus"
