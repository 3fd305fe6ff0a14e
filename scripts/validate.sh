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

status=0
# Two packs: AwsSolutions and NIST 800-53 rev 5. cdk-nag writes one report per stack and
# pack; a missing report means a stack escaped the checks. Suppressions (with reasons) sit
# next to the code; any finding left is a failure.
templates=$(ls cdk.out/{dev,prod}/*.template.json | wc -l)
for pack in AwsSolutions NIST.800.53.R5; do
  echo "== cdk-nag ($pack)"
  reports=$(ls cdk.out/{dev,prod}/"$pack"-*-NagReport.csv | wc -l)
  if [ "$reports" -ne "$templates" ]; then
    echo "cdk-nag $pack: $reports reports for $templates stacks"
    status=1
  fi
  findings=$(cat cdk.out/{dev,prod}/"$pack"-*-NagReport.csv | grep -cE ',"?Non-Compliant"?,' || true)
  if [ "$findings" -ne 0 ]; then
    grep -hE ',"?Non-Compliant"?,' cdk.out/{dev,prod}/"$pack"-*-NagReport.csv
    status=1
  fi
  echo "cdk-nag $pack: $findings unsuppressed findings"
done

echo "== cfn-lint"
# cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
lint_status=0
.venv/bin/cfn-lint --format parseable -- cdk.out/{dev,prod}/*.template.json || lint_status=$?
if (( lint_status & 2 )) || (( lint_status == 1 )); then
  echo "cfn-lint: errors above"
  status=1
else
  echo "cfn-lint: 0 errors"
fi

echo "== checkov"
if .venv/bin/checkov --config-file .checkov.yaml --directory cdk.out/dev --directory cdk.out/prod --quiet --compact; then
  echo "checkov: 0 failed checks"
else
  echo "checkov: failed checks above"
  status=1
fi
exit $status
