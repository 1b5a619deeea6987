#!/usr/bin/env bash
# The Slurm path tested on a real Slurm: installs slurm-wlm and munge (Debian) if missing, starts
# a single-node cluster on localhost with its state in a temporary directory, runs an audit as
# a 4-task job array with one task cancelled, checks that `cim merge` names the missing shard
# and prints the command that reruns it, runs that command as printed, merges, and compares the
# merged report byte for byte with a single run of the same audit. Stops the daemons it started
# (by PID) and removes its directory on every exit. Needs root (apt-get, the daemons run as
# root). Bounded: every wait has a time limit; about a minute in all.
#
#   scripts/slurm/test-local-cluster.sh                # the test (scripts/test.sh runs it)
#   scripts/slurm/test-local-cluster.sh --run 'CMDS'   # run CMDS (bash, in the current directory)
#                                                      # on such a cluster instead, then stop it
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
start_dir=$PWD
run_commands=""
case "${1:-}" in
  --run) [ $# -eq 2 ] || { echo "usage: $0 [--run 'COMMANDS']" >&2; exit 2; }; run_commands=$2 ;;
  "") ;;
  *) echo "usage: $0 [--run 'COMMANDS']" >&2; exit 2 ;;
esac
say() { echo "slurm-test: $*"; }
fail() { echo "slurm-test: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (installs packages, runs slurmctld/slurmd/munged as root)"

need=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
cim=$repo/.build/release/cim
[ -x "$cim" ] || (cd "$repo" && swift build -c release --product cim >/dev/null)
image=exported/lenet-wu2023-mp-inference.h5

state=$(mktemp -d /tmp/cim-slurm.XXXXXX)
chmod 755 "$state"
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ $rc -ne 0 ]; then
    for f in "$state"/slurmctld.log "$state"/slurmd.log "$state"/work/slurm-*.out; do
      [ -f "$f" ] && { echo "--- $f (last lines)"; tail -n 15 "$f"; }
    done
  fi
  rm -rf "$state"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# munge with its own key and socket (never the system's).
mkdir -p "$state/munge" "$state/spool" "$state/save" "$state/work"
chmod 700 "$state/munge"
head -c 1024 /dev/urandom > "$state/munge/munge.key"
chmod 600 "$state/munge/munge.key"
munged -F --force --socket="$state/munge/socket" --key-file="$state/munge/munge.key" --pid-file="$state/munge/pid" \
  --log-file="$state/munge/log" --seed-file="$state/munge/seed" 2>/dev/null &
pids+=($!)

ports=$(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
read -r ctld_port d_port <<<"$ports"
host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
cat > "$state/slurm.conf" <<CONF
ClusterName=cimkit-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
AuthType=auth/munge
AuthInfo=socket=$state/munge/socket
CredType=cred/munge
StateSaveLocation=$state/save
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$state/slurm.conf
for _ in $(seq 50); do [ -S "$state/munge/socket" ] && break; sleep 0.1; done
slurmctld -D -f "$SLURM_CONF" >"$state/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$state/slurmd.out" 2>&1 &
pids+=($!)
say "cluster up: munged, slurmctld (port $ctld_port), slurmd (port $d_port) as PIDs ${pids[*]}; state in $state"
for _ in $(seq 100); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 0.2
done
sinfo -h -o %T | grep -q idle || fail "the node did not come up idle: $(sinfo 2>&1 | tail -n 1)"
if [ -n "$run_commands" ]; then
  cd "$start_dir"
  say "running: $run_commands"
  bash -euo pipefail -c "$run_commands"
  exit 0
fi

# The work directory stands for a checkout: the README's relative paths work as written.
work=$state/work
ln -s "$repo/scripts" "$work/scripts"
ln -s "$repo/exported" "$work/exported"
cd "$work"
export CIM=$cim
audit=(--trials 8 --seed 3 --test-limit 2000)

# wait_job ID SECONDS: until the job (every array task) has left the queue.
wait_job() {
  local t0=$SECONDS
  while squeue -h -j "$1" 2>/dev/null | grep -q .; do
    [ $((SECONDS - t0)) -lt "$2" ] || { squeue -j "$1" -o "%i %T %r %Q" || true; scontrol show job "$1" | head -20; scancel "$1" || true; fail "job $1 still queued after $2 s"; }
    sleep 0.5
  done
}
now() { date +%s.%N; }

t0=$(now)
"$cim" evaluate "$image" "${audit[@]}" --jobs 2 --out single --quiet >/dev/null
t1=$(now)
say "single run: 8 trials in $(printf '%.2f' "$(echo "$t1 - $t0" | bc)") s → single/robustness.json"

job=$(sbatch --parsable --hold --cpus-per-task=1 --array=1-4 scripts/slurm/evaluate-array.sbatch "$image" "${audit[@]}")
job=${job%%;*}
scancel "${job}_3"
t0=$(now)
scontrol release "$job"
say "submitted array job $job (tasks 1-4), cancelled task ${job}_3 before it ran, released the rest"
wait_job "$job" ${SLURM_TEST_WAIT:-180}
t1=$(now)
say "array job $job done in $(printf '%.2f' "$(echo "$t1 - $t0" | bc)") s: $(cd "runs/audit-$job" && ls | tr '\n' ' ')"
[ ! -e "runs/audit-$job/robustness.shard-3-of-4.json" ] || fail "the cancelled task wrote its shard"

set +e
"$cim" merge runs/audit-"$job"/robustness.shard-*-of-4.json --out "runs/audit-$job" >merge1.out 2>merge1.err
rc=$?
set -e
[ $rc -ne 0 ] || fail "merge with a missing shard succeeded"
head -n 1 merge1.err | grep -q "missing 1 of 4 shards: 3 (of 4)" || fail "merge did not name the missing shard: $(cat merge1.err)"
[ ! -e "runs/audit-$job/robustness.json" ] || fail "merge with a missing shard wrote a report"
rerun=$(grep -o 'SHARDS=.*' merge1.err) || fail "merge printed no rerun command: $(cat merge1.err)"
say "merge: $(head -n 1 merge1.err)"
say "rerun, as printed: $rerun"
second=$(eval "$rerun")
second=${second##* }
wait_job "$second" 180
say "rerun job $second done: $(cd "runs/audit-$job" && ls robustness.shard-* | tr '\n' ' ')"
"$cim" merge runs/audit-"$job"/robustness.shard-*-of-4.json --out "runs/audit-$job" --json >/dev/null
if cmp single/robustness.json "runs/audit-$job/robustness.json"; then
  say "cmp single/robustness.json runs/audit-$job/robustness.json: identical"
else
  fail "the merged report differs from the single run"
fi
for k in 1 2 4; do grep -q "shard $k/4" "slurm-${job}_$k.out" || fail "no log line in slurm-${job}_$k.out"; done

# A rerun without SHARDS into the same audit is refused (it would write shard 3 of 1).
bad=$(sbatch --parsable --array=3 scripts/slurm/evaluate-array.sbatch "$image" "${audit[@]}" --out "runs/audit-$job")
bad=${bad%%;*}
wait_job "$bad" 120
grep -q "array task 3 is not a shard of 1" "slurm-${bad}_3.out" || fail "a rerun without SHARDS was not refused: $(cat "slurm-${bad}_3.out")"
say "rerun without SHARDS refused: $(tail -n 1 "slurm-${bad}_3.out")"

# A requeued task appends to its log and rewrites the same shard.
scontrol requeue "${job}_1"
scontrol update JobId="${job}_1" StartTime=now   # Slurm delays a requeued job by two minutes
wait_job "${job}_1" 120
n=$(grep -c "task 1 on" "slurm-${job}_1.out")
[ "$n" -eq 2 ] || fail "slurm-${job}_1.out has $n runs of task 1 after a requeue, expected 2"
"$cim" merge runs/audit-"$job"/robustness.shard-*-of-4.json --out requeued --json >/dev/null
cmp single/robustness.json requeued/robustness.json || fail "the merge after a requeue differs from the single run"
say "requeued task ${job}_1: log appended (2 runs in slurm-${job}_1.out), merge still identical"
say "logs: $(ls slurm-*.out | tr '\n' ' ')"
say "PASS"
