#!/usr/bin/env bash
# The soak (bench/soak.ts) with the open-file limit raised first, for the driver and the server
# it starts: 10,000 WebSockets need 10,000 descriptors on each side. Arguments go to the driver:
#   bash scripts/soak.sh --minutes 1 --connections 2000
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open-file limit: $(ulimit -n)"
exec node_modules/.bin/tsx bench/soak.ts "$@"
