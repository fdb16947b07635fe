#!/usr/bin/env bash
# Installs the real tools some tests drive, when they are missing:
# - tests/node: @dbml/core (the expansion is parsed and exported by the official toolchain) and
#   @mermaid-js/mermaid-cli (diagrams are rendered), pinned by package-lock.json. npm runs no
#   install scripts: puppeteer would download a browser of its own; Debian's chromium is used.
# - Debian's chromium (for mermaid-cli) and graphviz (for the dot export), with apt when root.
# Without node/npm or root it says what is missing and exits 0: the tests then skip (or fail
# under CI=true, where a missing tool is a failure).
set -uo pipefail
cd "$(dirname "$0")/.."
if command -v npm >/dev/null 2>&1; then
  stamp=tests/node/node_modules/.dbmt-lock
  if [ ! -f "$stamp" ] || ! cmp -s tests/node/package-lock.json "$stamp"; then
    (cd tests/node && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
      && cp tests/node/package-lock.json "$stamp" \
      || echo "scripts/test-deps.sh: npm ci in tests/node failed" >&2
  fi
else
  echo "scripts/test-deps.sh: npm not found: tests that need @dbml/core or mermaid-cli will skip" >&2
fi
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}") >/dev/null \
      || echo "scripts/test-deps.sh: apt-get install ${missing[*]} failed" >&2
  else
    echo "scripts/test-deps.sh: ${missing[*]} missing (install with apt as root): diagram tests will skip" >&2
  fi
fi
exit 0
