# tasksync tasks. `just` alone lists them.

set shell := ["bash", "-euo", "pipefail", "-c"]

venv := ".venv"
py := venv / "bin/python"

default:
    @just --list

# Create the virtual environment and install tasksync with its dev tools.
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -x {{py}} ]; then python3 -m venv {{venv}}; fi
    stamp={{venv}}/.installed
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        {{py}} -m pip install -q --upgrade pip
        {{py}} -m pip install -q -e '.[dev]'
        touch "$stamp"
    fi

# Run the service on the embedded SQLite default (./data).
serve *ARGS: setup
    {{venv}}/bin/tasksync serve {{ARGS}}

# Lint, type-check and run the whole test suite.
test: setup node-deps lint types
    {{py}} -m pytest

# Ruff lint and format check.
lint: setup
    {{venv}}/bin/ruff check server relays tests
    {{venv}}/bin/ruff format --check server relays tests

# mypy strict on the service and the relays.
types: setup
    {{venv}}/bin/mypy

# Format the code.
fmt: setup
    {{venv}}/bin/ruff format server relays tests
    {{venv}}/bin/ruff check --fix server relays tests

# Node packages the relay tests run the Workers with (Miniflare, which runs workerd).
node-deps:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -d node_modules/miniflare ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        npm ci --no-audit --no-fund
    fi

# Start a fresh tasksync, feed every shared webhook fixture through the generated relays,
# and print the resulting backlog.
demo: setup node-deps
    {{py}} demo/run.py

# Benchmark: ceiling, naive and task-sync in one run over loopback (needs wrk; installs it).
# Writes bench/results.json; docs/performance.md explains the figures.
bench *ARGS: setup
    {{py}} -m bench.run {{ARGS}}

# The same task-sync run on an empty database, then on 1,000,000 tasks and 5,000,000 audit
# rows (about 6 minutes on 2 cores, 4 of them loading). Writes bench/results-scale.json.
bench-scale *ARGS: setup
    {{py}} -m bench.run --scale {{ARGS}}

# Mixed traffic against a real server (tests/stress/run.py); not part of `just test`.
# Prints RSS and p50/p99 every minute, fails on any 5xx or an unstable p99, and writes
# tests/stress/last-run.json.
# Stress: 200 pushes/s over 50 projects for DURATION (default 30m; `just stress 60s` to smoke).
stress DURATION="30m" *ARGS: setup
    {{py}} -m tests.stress.run {{DURATION}} {{ARGS}}
