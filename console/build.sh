#!/bin/sh
# Copies the charting library's built files from node_modules into vendor/, where the server's
# build embeds them. Run after changing package.json (npm ci needs the network; nothing else does):
#   cd console && npm ci && ./build.sh
# vendor/ is committed, so building, testing and running the server never need npm or the network.
set -eu
cd "$(dirname "$0")"
[ -d node_modules/uplot ] || npm ci --no-audit --no-fund
mkdir -p vendor
cp node_modules/uplot/dist/uPlot.iife.min.js vendor/uPlot.iife.min.js
cp node_modules/uplot/dist/uPlot.min.css vendor/uPlot.min.css
cp node_modules/uplot/LICENSE vendor/uPlot.LICENSE
echo "vendor/: uPlot $(node -p 'require("./node_modules/uplot/package.json").version')"
