#!/usr/bin/env bash
# OpenAPI fuzzing of the Herald API against a real stack: fails on any 5xx (or a crash/timeout of the API).
# Usage: npm run fuzz [-- extra schemathesis options]   Env: FUZZ_MAX_EXAMPLES (20), FUZZ_MAX_TIME (150 s),
# FUZZ_SEED (random), FUZZ_REPORT_DIR (JUnit XML), FUZZ_KEEP=1 keeps the stack temp dir and logs.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
# pip puts console scripts in the interpreter's scripts folder, which is not always on PATH (pyenv shims).
PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
export PATH
if ! command -v schemathesis >/dev/null 2>&1; then
  echo "fuzz: installing schemathesis==${SCHEMATHESIS_VERSION}"
  python3 -m pip install --quiet "schemathesis==${SCHEMATHESIS_VERSION}"
fi

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
  schemathesis run "$HERALD_API_URL/openapi.json" \
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
