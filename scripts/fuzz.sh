#!/usr/bin/env bash
# Coverage-guided fuzzing with cargo-fuzz (libFuzzer, AddressSanitizer) on
# the stable toolchain (RUSTC_BOOTSTRAP=1 lets it take cargo-fuzz's -Z flags).
#
#   scripts/fuzz.sh TARGET SECONDS      fuzz one target
#   scripts/fuzz.sh all SECONDS         every target in turn
#   scripts/fuzz.sh smoke SECONDS       the CI run: each target built and run
#                                       for SECONDS with a fixed seed, in turn
#   scripts/fuzz.sh list                the targets
#   scripts/fuzz.sh totals              time and executions so far, per target
#
# Each target's corpus lives in fuzz/corpus/TARGET (seeded from tests/data,
# ../shared/data and the bundled sample on first use, kept between runs);
# crashes land in fuzz/artifacts/TARGET and become regression tests. The
# log of every run is appended to fuzz/runs.log (target, seconds,
# executions, coverage) for docs/robustness.md. Leak checks after each
# input are off (DETECT_LEAKS=1 turns them on): the pipeline's threads end
# after the input returns, so LeakSanitizer reports timing-dependent leaks
# there (docs/robustness.md, open findings).
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz >/dev/null

build=(--fuzz-dir fuzz)

targets() { sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^marcarrow-fuzz$'; }

seed() {
  local t=$1 dir=fuzz/corpus/$1
  [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && return
  mkdir -p "$dir"
  local data=${MARC_TEST_DATA:-../shared/data}
  case $t in
    iso2709|pipeline|split|write_roundtrip|decoders)
      # One file per record, and a few whole files.
      for f in python/marcarrow/data/loc-bib-386.mrc "$data"/*.mrc "$data"/pymarc/*.dat tests/data/marc8/*.mrc; do
        [ -f "$f" ] || continue
        python3 - "$f" "$dir" <<'PY'
import hashlib, sys
data = open(sys.argv[1], "rb").read()
recs = [r + b"\x1d" for r in data.split(b"\x1d") if r][:40]
for r in recs + [data[:20000]]:
    open(f"{sys.argv[2]}/{hashlib.sha1(r).hexdigest()}", "wb").write(b"\x00\x00\x00\x00" + r)
PY
      done ;;
    text_formats)
      for f in tests/data/formats/* "$data"/pymarc/*.xml "$data"/pymarc/*.json; do
        [ -f "$f" ] || continue
        for k in 0 1 2; do head -c 20000 "$f" | (printf "\\x$k"; cat) > "$dir/$(basename "$f").$k"; done
      done ;;
    select)
      printf '%s\n' '245$a' '650{_0}$ax' '008/35-37' 'LDR/06' '6XX' '245$a[0]' \
        "008/35-37 == 'ger' and has 650" "not 245\$a ~ 'x' or 100\$a ^= 'A'" |
        while IFS= read -r l; do printf '%s' "$l" > "$dir/$(printf '%s' "$l" | sha1sum | cut -c1-12)"; done ;;
  esac
}

run() {
  local t=$1 secs=$2
  seed "$t"
  mkdir -p fuzz/artifacts/"$t"
  # Build first, so that the timed run is the fuzzing alone.
  cargo fuzz build "${build[@]}" "$t" >/dev/null 2>&1 || cargo fuzz build "${build[@]}" "$t"
  local log start=$SECONDS cpu
  log=$(mktemp)
  cpu=$(mktemp)
  # /usr/bin/time: the CPU seconds of cargo and the fuzzer it waits for.
  local timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%U %S' -o "$cpu")
  "${timer[@]}" cargo fuzz run "${build[@]}" "$t" fuzz/corpus/"$t" -- \
    -max_total_time="$secs" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
    -detect_leaks="${DETECT_LEAKS:-0}" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} \
    -artifact_prefix=fuzz/artifacts/"$t"/ -print_final_stats=1 2>"$log" || {
      printf '%s\t%s\t%s\tcrash\t%s\n' "$(date -u +%FT%TZ)" "$t" "$((SECONDS - start))" \
        "$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$log" | head -1)" | tee -a fuzz/runs.log
      tail -40 "$log"
      rm -f "$log"
      return 1
    }
  local execs cov
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  # The CPU time is what the fuzzer got: less than the wall time when
  # other work shares the cores.
  printf '%s\t%s\t%ss\t%s execs\tcov %s\tcpu %ss\n' "$(date -u +%FT%TZ)" "$t" "$secs" \
    "${execs:-?}" "${cov:-?}" "$(awk '{ printf "%d", $1 + $2 }' "$cpu" | grep . || echo '?')" | tee -a fuzz/runs.log
  rm -f "$log" "$cpu"
}

totals() {
  # CPU seconds are logged since December 3, 2026. "counted" is the CPU
  # seconds where logged and the wall seconds of the earlier runs.
  printf '%-16s %8s %8s %8s %12s  %s\n' target seconds cpu counted executions "last coverage"
  awk -F'\t' '{ s[$2] += $3 + 0; e[$2] += $4 + 0; if ($5 ~ /^cov/) c[$2] = $5
      if ($6 ~ /^cpu/) { split($6, a, " "); u[$2] += a[2] + 0; n[$2] += a[2] + 0 } else n[$2] += $3 + 0 }
    END { for (t in s) printf "%-16s %8d %8d %8d %12d  %s\n", t, s[t], u[t], n[t], e[t], c[t] }' fuzz/runs.log | sort
}

case ${1:-} in
  list) targets ;;
  totals) totals ;;
  all) for t in $(targets); do run "$t" "${2:-30}"; done ;;
  smoke)
    # CI machines may have little disk: a full build of every target with
    # AddressSanitizer and line tables is 2.3 GB, and linking all seven at
    # once died with SIGBUS when the disk filled (lld writes through mmap).
    # So: a target dir of its own, no debug info, one target at a time, and
    # each binary removed after its run (about 1.5 GB at the peak).
    build+=(--target-dir fuzz/target-smoke)
    export RUSTFLAGS="${RUSTFLAGS:-} -Cdebuginfo=0"
    bin=fuzz/target-smoke/x86_64-unknown-linux-gnu/release
    echo "disk before the fuzz build: $(df -h . | awk 'NR == 2 { print $4 }') free"
    for t in $(targets); do
      FUZZ_SEED=${FUZZ_SEED:-1} run "$t" "${2:-15}"
      rm -f "$bin/$t" "$bin"/deps/"$t"-*
    done
    echo "disk after: $(df -h . | awk 'NR == 2 { print $4 }') free" ;;
  "") sed -n '2,16p' "$0"; exit 2 ;;
  *) run "$1" "${2:-60}" ;;
esac
