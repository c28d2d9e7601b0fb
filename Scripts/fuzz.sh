#!/usr/bin/env bash
# Builds the libFuzzer target over the snapshot reader and the `check` question reader (Fuzz/SnapshotFuzz) and runs
# it for a bounded time from the seeds in Fuzz/corpus (Documentation/SnapshotFormat.md, "Fuzzing").
#
#   Scripts/fuzz.sh                          # build, then fuzz for 60 seconds
#   FUZZ_TIME=600 Scripts/fuzz.sh            # fuzz for 10 minutes
#   Scripts/fuzz.sh crash-1234               # build, then run the target on saved inputs only (a reproduction)
#   FUZZ_BUILD=/tmp/fz Scripts/fuzz.sh       # build somewhere else than .build-fuzz
#
# SwiftPM cannot build a libFuzzer binary (its executables have a main, libFuzzer brings its own), so this builds
# with swiftc directly: the core module's sources with coverage and AddressSanitizer into one object, then the target
# with check's question reader (Sources/TaxpayerAccessCLI/QuestionAnswerer.swift) linked against it and libsodium.
# Findings are written to $FUZZ_BUILD/findings/; new inputs grow $FUZZ_BUILD/corpus, never Fuzz/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${FUZZ_BUILD:-$ROOT/.build-fuzz}
TIME=${FUZZ_TIME:-60}
mkdir -p "$OUT/modules" "$OUT/corpus" "$OUT/findings" "$OUT/TaxpayerAccess_TaxpayerAccess.resources"

# The settings of Package.swift's loop, plus one package name so the target sees the core's `package` declarations.
SWIFT_SETTINGS=(
    -swift-version 6 -enable-upcoming-feature ExistentialAny -enable-upcoming-feature InternalImportsByDefault
    -enable-upcoming-feature MemberImportVisibility -package-name TaxpayerAccess
    -sanitize=fuzzer,address -O -g -use-ld=lld
)
SODIUM_CFLAGS=()
for flag in $(pkg-config --cflags libsodium); do SODIUM_CFLAGS+=(-Xcc "$flag"); done
read -r -a SODIUM_LIBS <<<"$(pkg-config --libs libsodium)"

# What SwiftPM generates for a target with resources: `Bundle.module`, here the copy of the resources next to the
# build (the core loads its password blocklist through it).
cp Sources/TaxpayerAccess/Resources/* "$OUT/TaxpayerAccess_TaxpayerAccess.resources/"
cat >"$OUT/resource_bundle_accessor.swift" <<SWIFT
import Foundation

extension Foundation.Bundle {
    static let module: Bundle = Bundle(path: "$OUT/TaxpayerAccess_TaxpayerAccess.resources")!
}
SWIFT

# Rebuilt only when a source is newer than the object.
sources=()
while IFS= read -r -d '' file; do sources+=("$file"); done < <(find Sources/TaxpayerAccess -name '*.swift' -print0 | sort -z)
if [[ ! -f $OUT/TaxpayerAccess.o ]] || [[ -n $(find Sources/TaxpayerAccess Scripts/fuzz.sh -newer "$OUT/TaxpayerAccess.o" -print -quit) ]]; then
    echo "fuzz: compiling TaxpayerAccess (${#sources[@]} files) with -sanitize=fuzzer,address"
    swiftc "${SWIFT_SETTINGS[@]}" -parse-as-library -wmo -module-name TaxpayerAccess \
        -I Sources/CSodium "${SODIUM_CFLAGS[@]}" \
        -emit-module -emit-module-path "$OUT/modules/TaxpayerAccess.swiftmodule" \
        -c "${sources[@]}" "$OUT/resource_bundle_accessor.swift" -o "$OUT/TaxpayerAccess.o"
fi
echo "fuzz: linking $OUT/snapshot-fuzz"
swiftc "${SWIFT_SETTINGS[@]}" -parse-as-library -module-name SnapshotFuzz -I "$OUT/modules" -I Sources/CSodium \
    Fuzz/SnapshotFuzz/main.swift Sources/TaxpayerAccessCLI/QuestionAnswerer.swift "$OUT/TaxpayerAccess.o" \
    "${SODIUM_LIBS[@]}" -o "$OUT/snapshot-fuzz"

if (($# > 0)); then
    exec "$OUT/snapshot-fuzz" "$@"
fi
# -timeout: an input that takes more than 10 s is a hang; -max_len: documents up to 64 KiB (the seeds are smaller).
"$OUT/snapshot-fuzz" -max_total_time="$TIME" -timeout=10 -max_len=65536 -rss_limit_mb=4096 \
    -dict=Fuzz/snapshot.dict -artifact_prefix="$OUT/findings/" -print_final_stats=1 \
    "$OUT/corpus" Fuzz/corpus
