#!/usr/bin/env bash
# A stand-in for `autogtco tune-worker` in the tuner's fault and dispatch tests
# (tests/tuner/test_worker_faults.cpp, test_measure_dispatch.cpp):
#   fake_worker.sh MODE STATE_FILE [GPUS] [--driver=...] --device=N
# A host of GPUS fake GPUs (default 1): a worker for a device past them says hello with an error.
# Says hello, then answers every measure request with 5 us - except that the first worker started on
# GPU 0 (counted in STATE_FILE; other GPUs count in STATE_FILE.dN) misbehaves on its first request as
# MODE says: die (exits without an answer), hang (never answers), garbage (a line that is no
# response), other_id (answers another request), wrong (a typed wrong-answer result, then carries
# on); nohello exits before saying hello. Modes about several GPUs: slow (GPU 1 takes 0.4 s per
# request, the others 0.02 s), sleepy (every GPU takes 0.15 s per request), die_mid (GPU 1's first
# worker exits without answering its second request), mixed (GPU 1 is another kind of GPU).
mode=$1
state=$2
shift 2
gpus=1
device=0
for a in "$@"; do
  case "$a" in
    --device=*) device=${a#--device=} ;;
    [0-9]*) gpus=$a ;;
  esac
done
[ "$device" != 0 ] && state="$state.d$device"
n=$(( $(cat "$state" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$state"
[ "$mode" = nohello ] && exit 1
if [ "$device" -ge "$gpus" ]; then
  echo "{\"hello\":false,\"error\":\"there is no GPU $device on this machine: it has $gpus\",\"device\":$device,\"devices\":$gpus}"
  exit 3
fi
name="fake GPU"
[ "$mode" = mixed ] && [ "$device" = 1 ] && name="another fake GPU"
echo "{\"hello\":true,\"error\":\"\",\"gpu\":\"$name\",\"arch\":\"sm_90\",\"driver\":\"13.0\",\"device\":$device,\"devices\":$gpus}"
delay=0
case "$mode" in
  slow) if [ "$device" = 1 ]; then delay=0.4; else delay=0.02; fi ;;
  sleepy) delay=0.15 ;;
esac
first=1
count=0
while IFS= read -r line; do
  id=$(grep -o '"id":[0-9]*' <<< "$line" | head -n 1 | cut -d: -f2)
  count=$((count + 1))
  if [ "$n" = 1 ] && [ "$device" = 0 ] && [ "$first" = 1 ]; then
    first=0
    case "$mode" in
      die) exit 3 ;;
      hang) exec sleep 600 ;;
      garbage) echo "this is not a response"; continue ;;
      other_id) echo "{\"id\":$((id + 1000)),\"error\":\"none\",\"median_us\":5.0}"; continue ;;
      wrong) echo "{\"id\":$id,\"error\":\"wrong_answer\",\"message\":\"relative L2 error 1 exceeds 0.02\",\"rel_error\":1.0}"; continue ;;
    esac
  fi
  [ "$mode" = die_mid ] && [ "$device" = 1 ] && [ "$n" = 1 ] && [ "$count" = 2 ] && exit 3
  [ "$delay" != 0 ] && sleep "$delay"
  echo "{\"id\":$id,\"error\":\"none\",\"median_us\":5.0,\"times_us\":[5.0,5.0,5.0]}"
done
