#!/usr/bin/env bash
# Tempeh quickstart: the main job end to end, on a real Terraform state
# (terraform.tfstate here was written by Terraform 1.11.4).
#
#   pnpm demo            (from the repository root)
#   bash examples/quickstart/run.sh
#
# In a fresh temp directory it sets up two environments (dev, staging) on
# local backends, pushes the state, lists and shows it, locks it, pulls and
# pushes a change under that lock, unlocks, runs a command under the lock
# with `exec`, and prints the status of both environments. Each step says
# on stderr what it does; any failure stops the script with a non-zero exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
tempeh="$repo/node_modules/.bin/tempeh"

if [[ -t 2 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain" >&2; }

if [[ ! -f "$repo/packages/cli/dist/main.js" ]]; then
  step "building the workspace (tsc -b), since packages/cli/dist is missing"
  (cd "$repo" && ./node_modules/.bin/tsc -b)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/tempeh-quickstart.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"

step "writing tempeh.config.json in $work: environments dev (default) and staging, local backends"
cat > tempeh.config.json <<JSON
{
  "\$schema": "$repo/packages/cli/schema/tempeh.config.schema.json",
  "defaultEnvironment": "dev",
  "environments": {
    "dev": { "backend": { "type": "local", "config": { "path": "states/dev/terraform.tfstate" } } },
    "staging": { "backend": { "type": "local", "config": { "path": "states/staging/terraform.tfstate" } } }
  }
}
JSON

step "tempeh init: create the backends' directories"
"$tempeh" init
"$tempeh" --env staging init

step "tempeh push: store the Terraform state in dev and in staging"
"$tempeh" push "$here/terraform.tfstate"
"$tempeh" --env staging push "$here/terraform.tfstate"

step "tempeh list: the resource instances, exactly as \`terraform state list\` prints them"
"$tempeh" list

step "tempeh show: one instance as JSON, exactly as stored"
"$tempeh" show 'module.app_blue.terraform_data.member[1]'

step "tempeh lock: take the lock on dev; only the lock ID goes to stdout"
lock_id="$("$tempeh" lock --reason 'quickstart: bump the serial')"
echo "lock ID: $lock_id" >&2

step "tempeh push without the lock ID is refused while dev is locked (expected to fail)"
if "$tempeh" push "$here/terraform.tfstate"; then
  echo "push succeeded while locked: that is a bug" >&2
  exit 1
fi

step "tempeh pull --lock-id: read the state under the lock; it is byte-identical to what was pushed"
"$tempeh" pull --lock-id "$lock_id" > pulled.tfstate
cmp pulled.tfstate "$here/terraform.tfstate"

step "modify it with node: serial + 1, a new value for the network_cidr output"
node -e '
  const fs = require("node:fs");
  const state = JSON.parse(fs.readFileSync("pulled.tfstate", "utf8"));
  state.serial += 1;
  state.outputs.network_cidr.value = "10.42.0.0/16";
  fs.writeFileSync("next.tfstate", JSON.stringify(state, null, 2) + "\n");
  process.stderr.write(`serial ${state.serial - 1} -> ${state.serial}\n`);
'

step "tempeh push --lock-id: store the change under the same lock"
"$tempeh" push next.tfstate --lock-id "$lock_id"

step "tempeh unlock: release the lock"
"$tempeh" unlock "$lock_id"

step "tempeh exec: run a command under the lock; nested tempeh calls use TEMPEH_LOCK_ID"
"$tempeh" exec --lock-timeout 10s -- bash -c '
  echo "  child holds lock $TEMPEH_LOCK_ID on workspace $TEMPEH_WORKSPACE" >&2
  echo "  the state now has $("$0" list | wc -l) resource instances and serial $("$0" pull | node -e "let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>console.log(JSON.parse(s).serial))")" >&2
' "$tempeh"

step "tempeh status: both environments, their workspaces, serials, lineages and locks"
"$tempeh" status

step "done: dev is at serial $("$tempeh" pull | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).serial))'), staging untouched"
