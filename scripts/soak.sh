#!/usr/bin/env bash
# Soak: 10^7 swaps across 1,000 fibers and rounds of 10,000 fibers created and
# destroyed, in release mode, with resident memory printed at start and end.
#
#   scripts/soak.sh [swaps] [cycles]      (defaults 10000000 and 10)
#
# Runs only SoakTests, so no other suite allocates in the process, and allows
# 8 MB of resident growth (ASYNCIFY_SOAK_RSS_SLACK_MB overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
export ASYNCIFY_SOAK_SWAPS=${1:-10000000}
export ASYNCIFY_SOAK_CYCLES=${2:-10}
export ASYNCIFY_SOAK_RSS_SLACK_MB=${ASYNCIFY_SOAK_RSS_SLACK_MB:-8}
# The log goes into .build, which a fresh clone does not have yet when tee opens it.
mkdir -p .build
swift test -c release --filter 'AsyncifyTests.SoakTests' 2>&1 | tee .build/soak.log | grep -E '^soak:|passed|failed|error' || true
grep -qE 'Test run with [0-9]+ tests? (in [0-9]+ suites? )?passed' .build/soak.log
