#!/usr/bin/env bash
# Makes sure the test suite's dependencies from outside npm are installed (Debian); with
# `--bench`, the benchmark's too.
# Quiet when all is present; installs with apt-get when root; otherwise says how and fails,
# so browser and conformance tests are never silently skipped. Add a dependency with one more
# `ensure_deb_package <binary-path> <package>` (or `ensure_deb_file <file-path> <package>` for
# something that is not a program) line at the bottom.
set -euo pipefail

missing_paths=()
missing_packages=()

queue_missing() {
  missing_paths+=("$1")
  missing_packages+=("$2")
}

# ensure_deb_package <binary-path> <package>: queue <package> if <binary-path> is not executable.
ensure_deb_package() {
  [[ -x "$1" ]] || queue_missing "$1" "$2"
}

# ensure_deb_file <file-path> <package>: queue <package> if <file-path> does not exist (a library, say).
ensure_deb_file() {
  [[ -e "$1" ]] || queue_missing "$1" "$2"
}

install_missing() {
  if ((${#missing_packages[@]} == 0)); then
    echo "ensure-test-deps: all present"
    return 0
  fi
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-test-deps: missing ${missing_paths[*]}" >&2
    echo "ensure-test-deps: install with: sudo apt-get install -y ${missing_packages[*]}" >&2
    echo "ensure-test-deps: the tests need them and skip nothing; install, then rerun" >&2
    return 1
  fi
  echo "ensure-test-deps: installing ${missing_packages[*]} with apt-get"
  local start=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  local log
  log=$(mktemp)
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing_packages[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "ensure-test-deps: apt-get failed installing ${missing_packages[*]}" >&2
    return 1
  fi
  rm -f "$log"
  local path
  for path in "${missing_paths[@]}"; do
    if [[ ! -e "$path" ]]; then
      echo "ensure-test-deps: $path still missing after installing ${missing_packages[*]}" >&2
      return 1
    fi
  done
  echo "ensure-test-deps: installed in $((SECONDS - start))s"
}

ensure_deb_package /usr/bin/chromium chromium
# The conformance suite (tests/conformance) runs Python Tornado beside tornado-ts.
ensure_deb_package /usr/bin/python3 python3
ensure_deb_file /usr/lib/python3/dist-packages/tornado/__init__.py python3-tornado
# The pub/sub tests (tests/pubsub*.test.ts) and the bench's fanout scenario (bench/fanout.ts) start
# their own Redis on a free loopback port.
ensure_deb_package /usr/bin/redis-server redis-server

# `npm run bench` (bench/run.ts) also needs the load generator, core pinning and a C compiler for
# its WebSocket echo client: `scripts/ensure-test-deps.sh --bench`.
if [[ "${1:-}" == "--bench" ]]; then
  ensure_deb_package /usr/bin/wrk wrk
  ensure_deb_package /usr/bin/taskset util-linux
  ensure_deb_package /usr/bin/cc gcc
fi

install_missing
