#!/usr/bin/env bash
# Refreshes TokenTrail's snapshot of Pydantic's genai-prices (MIT) from the npm registry.
#   pricing/genai-prices/update.sh [VERSION]      default: the version pinned in VERSION
# Writes pricing/src/main/resources/dev/tokentrail/pricing/genai-prices.json and the package's
# license beside it. Review the diff, run the pricing conformance tests, fix what the overlay must
# (docs/pricing.md#updating-the-catalog), then commit the three files together.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="$HERE/../src/main/resources/dev/tokentrail/pricing"
VERSION="${1:-$(cat "$HERE/VERSION")}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$HERE/extract.mjs" "$WORK/"
cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "@pydantic/genai-prices@$VERSION" >/dev/null
node extract.mjs > "$OUT/genai-prices.json"
cp node_modules/@pydantic/genai-prices/LICENSE "$OUT/genai-prices.LICENSE"
echo "$VERSION" > "$HERE/VERSION"
echo "genai-prices $VERSION -> $OUT/genai-prices.json ($(wc -c < "$OUT/genai-prices.json") bytes)"
