#!/usr/bin/env bash
# Installs the `docker compose` CLI plugin (only used to validate docker-compose.yml; no engine is needed).
# Built from source through the Go module proxy, because machines here reach package registries only.
set -euo pipefail
if docker compose version >/dev/null 2>&1; then exit 0; fi
version=v2.40.3
dir=$(go mod download -json "github.com/docker/compose/v2@${version}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
mkdir -p /usr/local/lib/docker/cli-plugins
(cd "$dir" && go build -o /usr/local/lib/docker/cli-plugins/docker-compose ./cmd)
docker compose version
