#!/usr/bin/env bash
# Drives the real studio in tmux at 80x24, by keyboard only, from typing facts to a saved order,
# and prints the captured screens. Also measures the time to the first frame and idle CPU.
#
#   scripts/tui_walk.sh            # builds target/debug/memoreez first
#   BIN=path/to/memoreez scripts/tui_walk.sh
#
# Needs tmux. Uses a fresh data dir in a temp folder (MEMOREEZ_DATA_DIR), removed at the end
# unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v tmux >/dev/null || { echo "tui_walk: tmux is not installed" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
  cargo build --quiet --bin memoreez
  BIN="$PWD/target/debug/memoreez"
fi
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d)"
DATA="$WORK/data"
TIMINGS="$WORK/timings.txt"
SOCK="$WORK/tmux.sock"
SESSION="walk"
T() { tmux -S "$SOCK" "$@"; }
cleanup() {
  T kill-server 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# A plain tmux: no config, TERM inside as tmux itself sets it (tmux-256color or screen).
T -f /dev/null new-session -d -s "$SESSION" -x 80 -y 24 -e "MEMOREEZ_DATA_DIR=$DATA" -e "MEMOREEZ_TIMINGS=$TIMINGS" sh
T set -g status off

screen() { T capture-pane -p -t "$SESSION"; }
show() {
  echo
  echo "=== $1 ==="
  screen
}
# wait_for TEXT [SECONDS]: polls the pane until TEXT appears.
wait_for() {
  local text="$1" limit="${2:-30}" start
  start=$(date +%s)
  until screen | grep -qF -- "$text"; do
    if [ $(( $(date +%s) - start )) -ge "$limit" ]; then
      show "timed out after ${limit}s waiting for: $text" >&2
      exit 1
    fi
    sleep 0.1
  done
}
keys() { T send-keys -t "$SESSION" "$@"; }
type_text() { T send-keys -t "$SESSION" -l -- "$1"; }
pid_of_studio() { pgrep -n -f "^$BIN" || true; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
idle_cpu() {
  local pid="$1" before after
  sleep 2 # let the last picture finish encoding
  before=$(cpu_ticks "$pid")
  sleep 10
  after=$(cpu_ticks "$pid")
  echo "idle CPU over 10 s on the $2 screen: $(( after - before )) ticks of 1/$(getconf CLK_TCK) s ($(ps -o time= -p "$pid" | tr -d ' ') total CPU time so far)"
}

launched=$(date +%s%N)
keys "$BIN" Enter
wait_for "Who are we celebrating?" 20
seen=$(date +%s%N)
show "1. Input (first frame)"
echo "time to first frame, seen from outside through tmux: $(( (seen - launched) / 1000000 )) ms (includes the shell's exec and 100 ms polling)"
sleep 1.5 # the terminal queries time out in a detached tmux
[ -f "$TIMINGS" ] && echo "measured by the studio, first launch on a fresh data dir (ms since the process started; then the terminal queries): $(tr '\n' ' ' < "$TIMINGS")"

PID=$(pid_of_studio)
idle_cpu "$PID" "Input"

type_text "Dad"; keys Tab
type_text "tennis, coffee"; keys Tab
type_text "hums while he cooks"; keys Tab
keys Right
sleep 0.3
show "2. Input filled in (occasion: birthday)"
keys Enter
wait_for "All four drawn" 120
show "3. Gallery"
keys Right
sleep 0.2
keys Enter
wait_for "watertight" 600
sleep 0.5
show "4. Studio: the solid is made"
keys Tab Tab
type_text "60 YEARS"
sleep 0.3
show "5. Studio: editing line 2 (re-cut after 0.6 s of quiet)"
wait_for "Printability (updating" 10
until ! screen | grep -qF "updating"; do sleep 0.2; done
show "6. Studio: re-cut with line 2"
keys Tab Tab
keys Space
sleep 0.3
wait_for "Printability (updating" 10
until ! screen | grep -qF "updating"; do sleep 0.2; done
wait_for "cm³ inside" 10
show "7. Studio: Hollow switched on, re-cut hollow"
keys Tab
sleep 0.2
keys Enter
wait_for "total" 600
show "8. Checkout"
idle_cpu "$PID" "Checkout"
type_text "ann@example.org"; keys Tab
keys Right; keys Tab
type_text "12 Rue des Fleurs, 75003 Paris"; keys Tab
sleep 0.2
show "9. Checkout filled in"
keys Enter
wait_for "✓ Order" 300
show "10. Order saved"

echo
echo "=== order folder ==="
find "$DATA/orders" -type f | sed "s|$WORK|\$TMP|" | sort

keys Escape
sleep 0.2
keys Escape
sleep 0.2
show "11. Esc twice: back in the studio, then the gallery, input kept"
keys q
sleep 0.5
if kill -0 "$PID" 2>/dev/null; then echo "the studio did not quit" >&2; exit 1; fi

keys clear Enter "$BIN" Enter
: > "$TIMINGS"
wait_for "Welcome back" 20
show "12. Started again: the session list"
sleep 1.5
echo "measured by the studio, second launch (data dir exists): $(tr '\n' ' ' < "$TIMINGS")"
keys q
sleep 0.5
echo
echo "walk finished: facts -> gallery -> studio -> checkout -> order, by keyboard at 80x24"
