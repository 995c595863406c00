#!/usr/bin/env bash
# A stand-in for `autogtco tune-worker` in the tuner's fault tests (tests/tuner/test_worker_faults.cpp):
#   fake_worker.sh MODE STATE_FILE
# Says hello, then answers every measure request with 5 us - except that the first worker started
# (counted in STATE_FILE) misbehaves on its first request as MODE says: die (exits without an answer),
# hang (never answers), garbage (a line that is no response), other_id (answers another request),
# wrong (a typed wrong-answer result, then carries on); nohello exits before saying hello.
mode=$1
state=$2
n=$(( $(cat "$state" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$state"
[ "$mode" = nohello ] && exit 1
echo '{"hello":true,"error":"","gpu":"fake GPU","arch":"sm_90","driver":"13.0"}'
first=1
while IFS= read -r line; do
  id=$(grep -o '"id":[0-9]*' <<< "$line" | head -n 1 | cut -d: -f2)
  if [ "$n" = 1 ] && [ "$first" = 1 ]; then
    first=0
    case "$mode" in
      die) exit 3 ;;
      hang) exec sleep 600 ;;
      garbage) echo "this is not a response"; continue ;;
      other_id) echo "{\"id\":$((id + 1000)),\"error\":\"none\",\"median_us\":5.0}"; continue ;;
      wrong) echo "{\"id\":$id,\"error\":\"wrong_answer\",\"message\":\"relative L2 error 1 exceeds 0.02\",\"rel_error\":1.0}"; continue ;;
    esac
  fi
  echo "{\"id\":$id,\"error\":\"none\",\"median_us\":5.0,\"times_us\":[5.0,5.0,5.0]}"
done
