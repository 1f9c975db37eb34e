#!/usr/bin/env bash
# Start-up time and idle memory of the Commons window, against a bare Tauri window.
#
#   bench/startup.sh [RUNS]
#
# Time to first screen: from just before the process is started until the page reports that
# the home screen is drawn (the `ui_ready` command, which prints the wall clock and exits when
# COMMONS_EXIT_WHEN_READY is set). Measured on a first start (empty data directory: the cache
# is created and seeded) and on warm starts (cache present), release build, under Xvfb.
# Idle memory: the summed RSS of the app process and all its descendants (WebKit's web and
# network processes) after 10 s idle, for Commons on the home screen and for the bare window,
# three times each, alternating; the medians are compared (one sample of the bare window
# moves by up to 20 MiB between runs). MEMORY_ONLY=1 skips the start-up times. Both windows
# paint in software, as Commons does by default; COMMONS_KIOSK_HARDWARE_ACCELERATION=1
# compares both with WebKit's GPU compositing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
target=${CARGO_TARGET_DIR:-target}

(cd ui && npm run build >/dev/null)
cargo build --release -p commons --bin commons --example bare_window 2>/dev/null
app="$target/release/commons"
bare="$target/release/examples/bare_window"

if [ -z "${DISPLAY:-}" ]; then
  Xvfb :97 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb' EXIT
  export DISPLAY=:97
  sleep 1
fi

work=$(mktemp -d)
envs() {
  env HOME="$work/home" XDG_STATE_HOME="$work/state" XDG_CONFIG_HOME="$work/config" \
    COMMONS_SYSTEM_CONFIG="$work/none.toml" COMMONS_DATA_DIR="$1" "${@:2}"
}

time_to_ready() {
  local data=$1 start out
  start=$(date +%s%3N)
  out=$(envs "$data" COMMONS_EXIT_WHEN_READY=1 RUST_LOG=warn "$app" 2>/dev/null | grep ready_unix_ms)
  echo $(( ${out#ready_unix_ms=} - start ))
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

first=()
warm=()
if [ -z "${MEMORY_ONLY:-}" ]; then
  for i in $(seq "$runs"); do first+=("$(time_to_ready "$work/first-$i")"); done
  time_to_ready "$work/warm" >/dev/null
  for i in $(seq "$runs"); do warm+=("$(time_to_ready "$work/warm")"); done
else
  time_to_ready "$work/warm" >/dev/null
fi

tree_rss_kib() {
  local pid=$1 total=0 p
  local pids=("$pid")
  while IFS= read -r p; do pids+=("$p"); done < <(pgrep -P "$pid"; for c in $(pgrep -P "$pid"); do pgrep -P "$c"; done)
  for p in "${pids[@]}"; do
    total=$(( total + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}

# Per process: name, RSS, and how much of it is file-backed (fonts, libraries).
breakdown() {
  local pid=$1 p
  for p in "$pid" $(pgrep -P "$pid") $(for c in $(pgrep -P "$pid"); do pgrep -P "$c"; done); do
    awk -v name="$(cat /proc/$p/comm 2>/dev/null)" '/^VmRSS/ {r=$2} /^RssFile/ {f=$2} /^RssAnon/ {a=$2}
      END {printf "  %s: %d MiB (anonymous %d, files %d)\n", name, r/1024, a/1024, f/1024}' "/proc/$p/status" 2>/dev/null || true
  done
}

idle_rss() {
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep 10
  local kib
  kib=$(tree_rss_kib "$pid")
  breakdown "$pid" >>"$work/breakdown"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo $(( kib / 1024 ))
}

commons_all=()
bare_all=()
for i in 1 2 3; do
  echo "commons, run $i:" >>"$work/breakdown"
  commons_all+=("$(idle_rss envs "$work/warm" "$app")")
  echo "bare window, run $i:" >>"$work/breakdown"
  bare_all+=("$(idle_rss envs "$work/bare" "$bare")")
done
commons_mb=$(printf '%s\n' "${commons_all[@]}" | median)
bare_mb=$(printf '%s\n' "${bare_all[@]}" | median)

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
echo "date: $(date -u +%Y-%m-%d)"
if [ -z "${MEMORY_ONLY:-}" ]; then
  echo "first start (create + seed cache), ms: median $(printf '%s\n' "${first[@]}" | median), all: ${first[*]}"
  echo "warm start, ms: median $(printf '%s\n' "${warm[@]}" | median), all: ${warm[*]}"
fi
echo "idle RSS after 10 s, MiB (median of 3): commons $commons_mb (${commons_all[*]}), bare window $bare_mb (${bare_all[*]}), difference $(( commons_mb - bare_mb ))"
cat "$work/breakdown"
rm -rf "$work"
