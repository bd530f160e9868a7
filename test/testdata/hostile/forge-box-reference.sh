# expect: fail. The forgery of issue 19 against isolation/box: the launcher
# looks for the grader's other sleep (the reference it compared with, once
# started beside the launcher), kills it, starts a look-alike in fresh
# namespaces, and runs its own command in the lab host's UTS and network
# namespaces. Harmless: sleeps, a hostname and lo in a new namespace.
cat > "$EXERCISE_DIR/box" <<'LAUNCH'
ref=
for p in /proc/[0-9]*; do
	a=$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null) || continue
	case "$a" in
	"sleep 86400."*) [ "$a" = "sleep $2 " ] || { ref=${a#sleep }; ref=${ref% }; kill "${p#/proc/}"; } ;;
	esac
done
if [ -n "$ref" ]; then
	unshare --uts --net --pid --fork --mount-proc sh -c 'hostname look-alike; ip link set lo up; exec sleep "$1"' sh "$ref" &
	sleep 0.3
fi
exec unshare --pid --fork --mount-proc "$@"
LAUNCH
