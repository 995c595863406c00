#!/usr/bin/env bash
# Runs the loader's fuzz target for a bounded time, then the tuning-log parser's for half of it:
# bash fuzz/run.sh BUILD_DIR SECONDS [AUTOGTCO].
# Seeds come from fuzz/make_seeds.py (fixtures, tiny zoo models when AUTOGTCO is given, helper
# models) and tests/data/fuzz/ (inputs that once crashed it; test_fuzz_regressions.cpp replays them);
# what libFuzzer finds new goes to BUILD_DIR/corpus, a crashing input to BUILD_DIR/crashes/.
# Exit status: libFuzzer's (0: no crash, leak or timeout found).
# FUZZ_SEED (default 1) fixes libFuzzer's random sequence, so that CI is reproducible: a machine that
# runs the same seconds explores a prefix of the same sequence. FUZZ_SEED=0 picks a new seed each run
# (for a longer hunt: `make fuzz FUZZ_SECONDS=600 FUZZ_SEED=0`).
set -euo pipefail
BUILD=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS [AUTOGTCO]}
SECONDS_=${2:-60}
AUTOGTCO=${3:-}
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$BUILD/seeds" "$BUILD/corpus" "$BUILD/crashes"
python3 "$HERE/make_seeds.py" "$BUILD/seeds" $AUTOGTCO
# -rss_limit_mb: a model may ask for big tensors; the loader must refuse them, not exhaust memory.
set +e
"$BUILD/fuzz_model_loader" -seed="${FUZZ_SEED:-1}" -max_total_time="$SECONDS_" -timeout=20 -rss_limit_mb=2048 -max_len=262144 \
  -print_final_stats=1 -artifact_prefix="$BUILD/crashes/" "$BUILD/corpus" "$BUILD/seeds" "$HERE/../tests/data/fuzz" >"$BUILD/fuzz.log" 2>&1
rc=$?
set -e
# The progress lines are many; the stats, and any report, are what a reader needs.
grep -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse)' "$BUILD/fuzz.log" | tail -n 60

# The tuning-log parser, for half as long: seeds are the committed logs' first lines, one per file,
# and tests/data/fuzz-log/ (inputs that once broke it).
mkdir -p "$BUILD/log-seeds" "$BUILD/log-corpus"
for f in "$HERE"/../models/tuning/*/*.jsonl; do
  [ -f "$f" ] || continue
  head -n 40 "$f" | split -l 1 - "$BUILD/log-seeds/$(basename "$f" .jsonl)-"
done
set +e
"$BUILD/fuzz_tuning_log" -seed="${FUZZ_SEED:-1}" -max_total_time="$(( (SECONDS_ + 1) / 2 ))" -timeout=20 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 -artifact_prefix="$BUILD/crashes/log-" "$BUILD/log-corpus" "$BUILD/log-seeds" \
  "$HERE/../tests/data/fuzz-log" >"$BUILD/fuzz-log.log" 2>&1
rc_log=$?
set -e
grep -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse)' "$BUILD/fuzz-log.log" | tail -n 30
# A failure's report again, last, where a reader of the output's tail (CI keeps only the tail) sees it,
# with the input that caused it when it is small enough to paste (base64), so that it can be replayed
# and added to tests/data/fuzz/.
report() {   # LOG NAME RC
  [ "$3" -eq 0 ] && return 0
  echo "== $2: exit status $3; its report:"
  grep -E 'ERROR|SUMMARY|runtime error|Test unit written|out-of-memory|timeout|#[0-9]+ 0x' "$1" | head -n 40 || true
  for f in $(grep -o 'Test unit written to [^ ]*' "$1" | awk '{print $5}'); do
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 8192 ] && { echo "== $f ($(stat -c %s "$f") bytes), base64:"; base64 -w 0 "$f"; echo; }
  done
}
report "$BUILD/fuzz.log" "the loader's fuzz target" $rc
report "$BUILD/fuzz-log.log" "the tuning-log parser's fuzz target" $rc_log
[ $rc -ne 0 ] && exit $rc
exit $rc_log
