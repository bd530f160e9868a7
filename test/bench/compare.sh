#!/usr/bin/env bash
# Compares the engine with the reference script shared/bench/ip-baseline.sh
# (the same lab typed as ip/iptables commands), in one run on one machine.
#   bash test/bench/compare.sh            (as root: the script needs unshare --net)
# Prints the median of N whole-process runs of both, the engine's in-process
# Go benchmarks, and the ratios. Env: N (runs, default 20), BASELINE (path).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-20}
BASELINE=${BASELINE:-../shared/bench/ip-baseline.sh}
[ -f "$BASELINE" ] || { echo "compare.sh: no baseline script at $BASELINE" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -o "$tmp/nettutor" ./cmd/nettutor

median_ms() { # command... ; runs it N times, prints the median wall time in ms
  local i t0 t1
  for ((i = 0; i < N; i++)); do
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
  done | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

script_ms=$(median_ms unshare --net --mount --fork bash "$BASELINE")
engine_ms=$(median_ms "$tmp/nettutor" baseline)

bench=$(go test -run '^$' -bench 'BenchmarkLabBuildBaseline|BenchmarkLabReset|BenchmarkSnapshot' -benchtime 50x ./engine/)
echo "$bench" | grep '^Benchmark'
ns_of() { echo "$bench" | awk -v b="$1" '$1 ~ "^"b"(-[0-9]+)?$" {print $3}'; }
build_ms=$(awk -v n="$(ns_of BenchmarkLabBuildBaseline)" 'BEGIN {printf "%.2f", n/1e6}')
reset_ms=$(awk -v n="$(ns_of BenchmarkLabReset)" 'BEGIN {printf "%.2f", n/1e6}')
sbuild_ms=$(awk -v n="$(ns_of BenchmarkLabBuildBaselineSpares)" 'BEGIN {printf "%.2f", n/1e6}')
sreset_ms=$(awk -v n="$(ns_of BenchmarkLabResetSpares)" 'BEGIN {printf "%.2f", n/1e6}')
snap_ms=$(awk -v n="$(ns_of BenchmarkSnapshot)" 'BEGIN {printf "%.2f", n/1e6}')

echo
printf '%-48s %10s\n' "measure (median of $N runs / Go benchmark)" "ms"
printf '%-48s %10s\n' "ip-baseline.sh, whole process" "$script_ms"
printf '%-48s %10s\n' "nettutor baseline, whole process" "$engine_ms"
printf '%-48s %10s  (target <= 10)\n' "engine build, in process (BenchmarkLabBuildBaseline)" "$build_ms"
printf '%-48s %10s  (target <= 10)\n' "  ... lab keeping spare namespaces (TUI)" "$sbuild_ms"
printf '%-48s %10s  (target <= 20)\n' "engine reset (BenchmarkLabReset)" "$reset_ms"
printf '%-48s %10s  (target <= 20)\n' "  ... lab keeping spare namespaces (TUI)" "$sreset_ms"
printf '%-48s %10s  (target <= 2)\n' "engine snapshot of 4 namespaces (BenchmarkSnapshot)" "$snap_ms"
echo
awk -v s="$script_ms" -v e="$engine_ms" -v b="$build_ms" 'BEGIN {
  printf "ratio whole process: script / nettutor = %.1fx\n", s/e
  printf "ratio build: script (whole) / engine build = %.1fx\n", s/b
}'

# The cluster lab of issue 21 (2 nodes, 3 pods, flannel.1): the Go benchmark
# runs test/bench/cluster-baseline.sh as a whole process between its timed
# builds and reports both and their ratio (target <= 0.1, and <= 30 ms).
cluster=$(go test -run '^$' -bench 'BenchmarkClusterBuild$|BenchmarkClusterBuildSpares' -benchtime 10x ./engine/)
echo
echo "$cluster" | grep '^Benchmark'
metric() { echo "$cluster" | awk -v b="$1" -v m="$2" '$1 ~ "^"b"(-[0-9]+)?$" {for (i = 3; i < NF; i++) if ($(i+1) == m) print $i}'; }
printf '%-48s %10s\n' "cluster-baseline.sh, whole process" "$(metric BenchmarkClusterBuild script-ms)"
printf '%-48s %10s  (target <= 30)\n' "cluster build (BenchmarkClusterBuild)" "$(metric BenchmarkClusterBuild engine-ms)"
printf '%-48s %10s  (target <= 30)\n' "  ... lab keeping spare namespaces (TUI)" "$(metric BenchmarkClusterBuildSpares engine-ms)"
printf 'ratio cluster build: engine / script = %s (target <= 0.1)\n' "$(metric BenchmarkClusterBuild engine/script)"
