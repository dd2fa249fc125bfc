#!/usr/bin/env bash
# The package stands on its own (issue #16): `npm pack` gives a tarball that installs in an empty folder
# and runs `kinetic demo` on the embedded database, and it holds only what runs (no tests, fixtures,
# TypeScript sources, source maps or benchmarks). Run by .ci/run; `npm run check:package` by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# npm pack runs `prepare` (the build) first, so the tarball has the compiled code of this checkout.
tgz="$(npm pack --silent --pack-destination "$work" | tail -n1)"
echo "packed $tgz ($(du -h "$work/$tgz" | cut -f1))"

files="$(tar -tzf "$work/$tgz" | sed 's#^package/##')"
unwanted="$(grep -E '^(test|bench|tools|src|migrations)/|\.test\.js$|\.ts$|\.map$|\.tsbuildinfo$|\.fit$|^\.' <<<"$files" || true)"
if [ -n "$unwanted" ]; then
  echo "the package holds files it does not need:" >&2
  echo "$unwanted" >&2
  exit 1
fi
for needed in bin/kinetic.js dist/src/cli/main.js dist/migrations/index.js LICENSE README.md; do
  grep -qx "$needed" <<<"$files" || { echo "the package lacks $needed" >&2; exit 1; }
done
echo "$(wc -l <<<"$files") files in the package, none of them tests, fixtures or sources"

# Install it in an empty folder, as a user would, and run the main job on the embedded default.
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$work/$tgz"
export KINETIC_DATA_DIR="$work/data"
npx --no-install kinetic --version
npx --no-install kinetic demo >"$work/demo.out"
tail -n 5 "$work/demo.out"
grep -q . "$work/demo.out" || { echo "kinetic demo printed nothing" >&2; exit 1; }
echo "the package installs and runs in an empty folder"
