# hostile: what the invoker left open or set. Every file descriptor past
# the standard three is tried as a way out (read a secret next to it, write
# a marker, walk up from it), and every process's command line and
# environment is searched for a variable of the invoker's.
try() { name=$1; shift; "$@" >/dev/null 2>&1; echo "TRY $name rc=$?"; }
for f in /proc/self/fd/*; do
  n=${f##*/}
  case $n in 0|1|2) continue ;; esac
  target=$(readlink "$f" 2>/dev/null) || continue
  echo "FD $n $target"
  # The test's own pipe only: a line written there would reach the
  # invoker (other pipes may be anyone's, so they are left alone).
  [ "$target" = "$LAB_H4_PIPE" ] && echo "h4-through-the-pipe-$LAB_H4_TOKEN" >&"$n" && echo "WROTE-PIPE fd$n"
  [ -d "$f" ] || continue
  cat "$f/secret" 2>/dev/null | sed "s/^/SECRET fd$n /"
  touch "$f/h4-$LAB_H4_TOKEN" 2>/dev/null && echo "WROTE fd$n"
  ( cd -P "$f" 2>/dev/null && cd -P .. 2>/dev/null && touch "h4-$LAB_H4_TOKEN" 2>/dev/null && echo "WROTE-PARENT fd$n" )
done
for p in /proc/[0-9]*; do
  cat "$p/cmdline" "$p/environ" 2>/dev/null | tr '\0' '\n' | grep -a "H4_INVOKER_SECRET" | sed "s|^|ENV $p |"
done
env | grep -a H4_INVOKER_SECRET | sed 's/^/ENV self /'
fds=(/proc/self/fd/*)
echo "LEAKS-DONE ${#fds[@]} fds"
exit 0
