#!/usr/bin/env bash
# The library as another team meets it: packs the tarball, creates a fresh app with the
# `cdk init` toolchain of the CDK CLI we pin (its tsc type-check, its runner), installs the
# tarball there with the peers the app already has, and synthesizes, offline and without
# Docker, (1) the README's snippet verbatim and (2) the examples/ app with its imports
# pointed at the package, each with cdk-nag AwsSolutions applied. Prints the packed size,
# the consumer's install size and package count.
#
#   bash scripts/consumer-smoke.sh            packs this checkout (verify.yml, .ci/run)
#   bash scripts/consumer-smoke.sh TARBALL    an already packed tarball (release.yml: the one
#                                             it publishes, pack-checked where it was packed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { echo "-- consumer smoke: $*"; }

if [ $# -gt 0 ]; then
  [ -f "$1" ] || { echo "consumer smoke: no tarball at $1" >&2; exit 2; }
  step "the tarball $(basename "$1")"
  cp "$1" "$work/"
  tarball=$(basename "$1")
else
  step "pack"
  tarball=$(npm pack --silent --pack-destination "$work" | tail -1)
  # The release's pack check over the same files: entry points, every Lambda bundle with its
  # THIRD-PARTY-NOTICES.md, and no source map outside the bundles (scripts/pack-summary.ts).
  npm pack --dry-run --json --ignore-scripts 2>/dev/null | node_modules/.bin/tsx scripts/pack-summary.ts >/dev/null
fi
packed_bytes=$(stat -c %s "$work/$tarball")
# Every compiled module in the tarball has its source: stale output of a deleted file
# would shadow the current code (web-service.js is loaded before web-service/index.js).
tar tzf "$work/$tarball" | node -e '
  const fs = require("fs");
  const stale = fs.readFileSync(0, "utf8").split("\n")
    .filter((f) => /^package\/dist\/(lib|lambda)\/.*\.js$/.test(f))
    .map((f) => f.replace(/^package\/dist\//, "").replace(/\.js$/, ".ts"))
    .filter((source) => !fs.existsSync(source));
  if (stale.length) { console.error("consumer smoke: the tarball ships modules without source: " + stale.join(", ")); process.exit(1); }
'

step "cdk init app --language typescript"
mkdir "$work/consumer" && cd "$work/consumer"
"$root/node_modules/.bin/cdk" init app --language typescript --generate-only >/dev/null 2>&1
# The template's unit-test toolchain (jest, swc) plays no part in synthesis.
node -e '
  const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json"));
  for (const name of Object.keys(p.devDependencies)) if (/jest|swc/.test(name)) delete p.devDependencies[name];
  p.dependencies["cdk-nag"] = require(process.argv[1] + "/package.json").peerDependencies["cdk-nag"];
  fs.writeFileSync("package.json", JSON.stringify(p, null, 2));
' "$root"
rm -rf test jest.config.js
node -e '
  const fs = require("fs"); const c = JSON.parse(fs.readFileSync("tsconfig.json"));
  c.compilerOptions.types = (c.compilerOptions.types ?? []).filter((t) => t !== "jest");
  fs.writeFileSync("tsconfig.json", JSON.stringify(c, null, 2));
'
npm install --no-audit --no-fund --loglevel=error >/dev/null
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null

app=$(node -e 'console.log(require("./package.json").name)')
package_name=$(node -e 'console.log(require(process.argv[1] + "/package.json").name)' "$root")
# No bundling at synthesis: the package never reaches for NodejsFunction (whose esbuild
# the template's tsx would otherwise quietly provide) and installs nothing of its own.
if grep -rq "aws-lambda-nodejs" "node_modules/$package_name/dist"; then echo "consumer smoke: the package uses NodejsFunction (bundling at synthesis)" >&2; exit 1; fi
node -e 'const p = require(process.argv[1]); if (Object.keys(p.dependencies ?? {}).length) { console.error("consumer smoke: the package has runtime dependencies: " + Object.keys(p.dependencies)); process.exit(1); }' "$PWD/node_modules/$package_name/package.json"

# The examples go in beside bin/, so the template's own `npx tsc` type-checks them as well.
mkdir -p examples
for file in "$root"/examples/*.ts; do
  sed -e "s#from '\.\./lib[^']*'#from '$package_name'#" "$file" > "examples/$(basename "$file")"
done

step "the README snippet, verbatim (cdk.json: tsc, then the template's runner)"
rm -f lib/*.ts
node "$root/scripts/consumer-smoke/extract-snippet.js" "$root/README.md" > "bin/$app.ts"
CDK_DOCKER=/bin/false npx cdk synth --quiet --output cdk.out.readme
ls cdk.out.readme/*.template.json >/dev/null

step "the examples/ app, from the package"
runner=$(node -e 'console.log(require("./cdk.json").app.split("&&").pop().trim().split(" ").slice(0, -1).join(" "))')
CDK_DOCKER=/bin/false npx cdk synth --quiet --app "$runner examples/standalone-app.ts" --output cdk.out.example
ls cdk.out.example/*.template.json >/dev/null

install_bytes=$(du -sb node_modules | cut -f1)
packages=$(npm ls --all --parseable 2>/dev/null | tail -n +2 | wc -l)
library_bytes=$(du -sb "node_modules/$package_name" | cut -f1)
echo "consumer smoke: ok. packed $((packed_bytes / 1024)) KiB; installed library $((library_bytes / 1024)) KiB; consumer node_modules $((install_bytes / 1024 / 1024)) MiB in $packages packages"
