#!/usr/bin/env bash
# The Rust test suite under a sanitizer, on the stable toolchain
# (RUSTC_BOOTSTRAP=1 lets it take -Zsanitizer).
#
#   scripts/sanitize.sh asan     cargo test under AddressSanitizer (and LeakSanitizer)
#   scripts/sanitize.sh valgrind the streaming example under valgrind's leak check
#
# The build goes to target/sanitize so that it does not disturb the normal
# one. The large seeded tests run with fewer cases (MARCARROW_FUZZ_CASES).
set -euo pipefail
cd "$(dirname "$0")/.."
host=$(rustc -vV | sed -n 's/^host: //p')
case ${1:-} in
  asan)
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=address" \
      ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1" \
      MARCARROW_FUZZ_CASES=${MARCARROW_FUZZ_CASES:-300} \
      cargo test --no-fail-fast --target "$host" --target-dir target/sanitize --tests --lib
    ;;
  valgrind)
    cargo build --release --example stream_drop
    valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
      target/release/examples/stream_drop python/marcarrow/data/loc-bib-386.mrc 10000
    ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
