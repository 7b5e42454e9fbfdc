#!/usr/bin/env bash
# OpenAPI fuzzing of the Herald API against a real stack: fails on any 5xx (or a crash/timeout of the API).
# Usage: npm run fuzz [-- extra schemathesis options]   Env: FUZZ_MAX_EXAMPLES (20), FUZZ_MAX_TIME (150 s),
# FUZZ_SEED (random), FUZZ_REPORT_DIR (JUnit XML), FUZZ_KEEP=1 keeps the stack temp dir and logs.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
# Like the Temporal binaries: a pinned copy of our own under .herald/tools, installed with pip --target, never into the
# system (Debian and Ubuntu refuse that: PEP 668, "externally-managed-environment").
TOOL_DIR=".herald/tools/pypi/schemathesis-${SCHEMATHESIS_VERSION}"
if [ ! -x "${TOOL_DIR}/bin/schemathesis" ]; then
  echo "fuzz: installing schemathesis==${SCHEMATHESIS_VERSION} into ${TOOL_DIR}"
  rm -rf "${TOOL_DIR}.partial"
  python3 -m pip install --quiet --disable-pip-version-check --target "${TOOL_DIR}.partial" \
    "schemathesis==${SCHEMATHESIS_VERSION}"
  rm -rf "${TOOL_DIR}"
  mv "${TOOL_DIR}.partial" "${TOOL_DIR}"
fi
# The pinned copy, whatever else is on PATH: the same fuzzer everywhere.
PATH="$(pwd)/${TOOL_DIR}/bin:$PATH"
PYTHONPATH="$(pwd)/${TOOL_DIR}${PYTHONPATH:+:$PYTHONPATH}"
export PATH PYTHONPATH

REPORT_DIR="${FUZZ_REPORT_DIR:-.herald/test-results/fuzz}"
# One report per run: npm test's summary reads it.
rm -f "$REPORT_DIR"/junit-*.xml
mkdir -p "$REPORT_DIR"
SEED="${FUZZ_SEED:-$RANDOM}"
echo "fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED})"

# The stack runs the quoted command with HERALD_API_URL and HERALD_API_KEY set.
# Schemathesis closes with pytest-style banners ("==== 2 warnings in 150.09s ===="); CI reads such a line as a
# pytest run that executed no test, so the banners are reworded. npm test's own closing line counts the operations.
npx tsx fuzz/api-stack.ts -- bash -c '
  schemathesis --config-file fuzz/schemathesis.toml run "$HERALD_API_URL/openapi.json" \
    --header "Authorization: Bearer $HERALD_API_KEY" \
    --checks not_a_server_error \
    --max-examples "${FUZZ_MAX_EXAMPLES:-20}" \
    --max-time "${FUZZ_MAX_TIME:-150}" \
    --request-timeout 20 \
    --workers 1 \
    --rate-limit 15/s \
    --seed "$0" \
    --suppress-health-check all \
    --report junit --report-dir "$1" \
    "${@:2}"
' "$SEED" "$REPORT_DIR" "$@" 2>&1 | sed -u -E 's/^=+ (.*[^=]) =+$/--- \1 ---/'
