#!/usr/bin/env bash
# The Rust test suite under a sanitizer, on the stable toolchain
# (RUSTC_BOOTSTRAP=1 lets it take -Zsanitizer).
#
#   scripts/sanitize.sh asan     cargo test under AddressSanitizer (and LeakSanitizer)
#   scripts/sanitize.sh valgrind the streaming example under valgrind's leak check
#   scripts/sanitize.sh asan-python     pytest against the extension built with
#                                       AddressSanitizer (pytest arguments may follow)
#   scripts/sanitize.sh valgrind-python every entry point from Python, under
#                                       valgrind's leak check, at two loop counts
#
# The builds go to target/sanitize* so that they do not disturb the normal
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
  asan-python)
    shift
    # Rust links its ASan runtime only into executables; a Python extension
    # gets it preloaded. The runtime is made a shared object from the
    # toolchain's own archive, so that it matches the instrumentation.
    out=target/sanitize-py
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=address" \
      cargo build --release --features python --target "$host" --target-dir "$out"
    rt=$(rustc --print sysroot)/lib/rustlib/$host/lib/librustc-stable_rt.asan.a
    mkdir -p "$out/pkg"
    # (Without its .preinit_array member, which a shared object cannot hold.)
    if ! [ "$out/libasan-rt.so" -nt "$rt" ]; then
      rm -rf "$out/asan-rt" && mkdir -p "$out/asan-rt"
      (cd "$out/asan-rt" && ar x "$rt" && rm -f asan_preinit*.o &&
        cc -shared -o ../libasan-rt.so ./*.o -lpthread -ldl -lm -lstdc++)
    fi
    rm -rf "$out/pkg/marcarrow"
    cp -r python/marcarrow "$out/pkg/marcarrow"
    cp "$out/$host/release/libmarcarrow.so" "$out/pkg/marcarrow/_marcarrow.abi3.so"
    # CPython does not free everything at exit: leaks are valgrind-python's job.
    # Spark and Dask start JVMs and worker processes, and the notebooks
    # Jupyter kernels, that must not inherit the preload (a kernel died in
    # ASan's __cxa_throw interceptor, which a preloaded runtime cannot set
    # up for C++ libraries loaded later), so they are left out.
    (cd tests && PYTHONPATH="$PWD/../$out/pkg" LD_PRELOAD="$PWD/../$out/libasan-rt.so" \
      ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1" \
      ${PYTHON:-python3} -m pytest -q -p no:cacheprovider \
        -k "not spark and not dask and not Spark and not Dask and not notebook" "$@")
    ;;
  valgrind-python)
    # Python's own allocations at exit are "possibly lost" or "reachable";
    # what counts is "definitely lost" with the extension on the stack, and
    # whether it grows with the number of rounds.
    for n in 3 12; do
      PYTHONMALLOC=malloc valgrind --leak-check=full --show-leak-kinds=definite \
        --num-callers=50 --log-file="target/valgrind-python-$n.log" \
        ${PYTHON:-python3} scripts/leak_workload.py "$n"
      printf 'rounds %s: ' "$n"
      ${PYTHON:-python3} scripts/leak_workload.py --lost "target/valgrind-python-$n.log"
    done
    ;;
  *) sed -n '2,15p' "$0"; exit 2 ;;
esac
