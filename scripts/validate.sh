#!/usr/bin/env bash
# The IaC verification gate: synthesize every stage, then require
#   - zero unsuppressed cdk-nag findings of the AwsSolutions and NIST 800-53 rev 5 packs
#     (from the NagReport CSVs cdk-nag writes),
#   - zero cfn-lint errors over every template,
#   - zero checkov failures except the checks skipped, with a reason, in .checkov.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
bash scripts/synth-stages.sh "$@"
# The LoadTest stack is off in every shipped stage: prod is synthesized once more with it
# on (-c loadTest=enabled), and that stack's template and image context join the checks.
rm -rf cdk.out/prod-loadtest
npx cdk synth --quiet --context stage=prod --context loadTest=enabled --output cdk.out/prod-loadtest >/dev/null
loadtest_template=cdk.out/prod-loadtest/Bulwark-prod-LoadTest.template.json
loadtest_dockerfile=$(grep -l 'worker.js' cdk.out/prod-loadtest/asset.*/Dockerfile)

status=0
# Two packs: AwsSolutions and NIST 800-53 rev 5. cdk-nag writes one report per stack and
# pack; a missing report means a stack escaped the checks. Suppressions (with reasons) sit
# next to the code; any finding left is a failure.
templates=$(ls cdk.out/{dev,prod}/*.template.json "$loadtest_template" | wc -l)
for pack in AwsSolutions NIST.800.53.R5; do
  echo "== cdk-nag ($pack)"
  nag_reports=(cdk.out/{dev,prod}/"$pack"-*-NagReport.csv cdk.out/prod-loadtest/"$pack"-*-LoadTest-NagReport.csv)
  if [ "${#nag_reports[@]}" -ne "$templates" ]; then
    echo "cdk-nag $pack: ${#nag_reports[@]} reports for $templates stacks"
    status=1
  fi
  findings=$(cat "${nag_reports[@]}" | grep -cE ',"?Non-Compliant"?,' || true)
  if [ "$findings" -ne 0 ]; then
    grep -hE ',"?Non-Compliant"?,' "${nag_reports[@]}"
    status=1
  fi
  echo "cdk-nag $pack: $findings unsuppressed findings"
done

echo "== cfn-lint"
# cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
lint_status=0
.venv/bin/cfn-lint --format parseable -- cdk.out/{dev,prod}/*.template.json "$loadtest_template" || lint_status=$?
if (( lint_status & 2 )) || (( lint_status == 1 )); then
  echo "cfn-lint: errors above"
  status=1
else
  echo "cfn-lint: 0 errors"
fi

echo "== checkov"
if .venv/bin/checkov --config-file .checkov.yaml --directory cdk.out/dev --directory cdk.out/prod --quiet --compact \
  && .venv/bin/checkov --config-file .checkov.yaml --file "$loadtest_template" --file "$loadtest_dockerfile" --quiet --compact; then
  echo "checkov: 0 failed checks"
else
  echo "checkov: failed checks above"
  status=1
fi
exit $status
