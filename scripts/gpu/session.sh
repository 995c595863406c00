#!/usr/bin/env bash
# One device call, several remote.sh steps under one deadline, so that what ran comes back even when
# the later steps do not fit:  OUT=$OUT bash scripts/gpu/session.sh TOTAL_S step:CAP_S [step:CAP_S ...]
# Each step gets at most CAP_S seconds and never more than what is left of TOTAL_S (minus a margin
# of 10 s); a step that no longer has 20 s is skipped. A step's time limit is also passed to it as
# BUDGET_S (models.sh stops starting new models then) and, for tune, as TUNE_SECONDS (the cap less
# 15 s for the tuner to finish its round and write its summary).
set -uo pipefail
total=${1:?usage: session.sh TOTAL_S step:CAP_S ...}; shift
start=$(date +%s)
for sc in "$@"; do
  step=${sc%%:*}; cap=${sc#*:}
  left=$(( total - ($(date +%s) - start) - 10 ))
  [ "$cap" -gt "$left" ] && cap=$left
  if [ "$cap" -lt 20 ]; then echo "== $step: skipped (${left}s left)"; continue; fi
  echo "== $step: up to ${cap}s"
  BUDGET_S=$(( cap * 2 / 3 )) TUNE_SECONDS=${TUNE_SECONDS:-$(( cap - 15 ))} timeout --signal=TERM --kill-after=5 "$cap" \
    bash scripts/gpu/remote.sh "$step"
  echo "== $step: rc $? after $(( $(date +%s) - start ))s in all"
done
