#!/usr/bin/env bash
# The whole test suite: lint, cargo test, build and install the package,
# pytest, stub check. Installs what it needs (pip) on first use.
#
#   ./scripts/test.sh            default suite (a few minutes)
#   MARCARROW_CORPUS=1 ./scripts/test.sh   also the large LoC corpus runs
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}

step() { printf '\n== %s\n' "$*"; }

step "python dependencies"
"$py" -m pip install --quiet --disable-pip-version-check \
  "maturin>=1.9.4,<2" pytest pyarrow polars duckdb "pymarc==5.4.0" zstandard pytest-timeout nbclient nbformat ipykernel matplotlib ruff mypy "hypothesis==6.170.17" \
  fsspec aiohttp s3fs "moto[server]" "dask[dataframe]" distributed pandas "pyspark>=4.0,<5"

step "format and lint"
cargo fmt --all -- --check
cargo clippy --all-targets -- -D warnings
cargo clippy --all-targets --features python -- -D warnings
"$py" -m ruff check python tests benches scripts notebooks
"$py" -m ruff format --check python tests benches scripts

step "cargo test"
cargo test --quiet

step "build and install the package"
"$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps .

step "stubs"
"$py" -m mypy.stubtest marcarrow._marcarrow
"$py" -m mypy python/marcarrow

step "pytest"
# Run from tests/ so that the installed package, not the source tree, is
# imported.
"$py" -m pytest -q tests
