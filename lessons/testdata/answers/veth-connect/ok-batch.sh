# expect: pass
# Names of our own, moved after creation, each namespace configured by one
# `ip -batch` read from a here-document.
set -e
ip link add left type veth peer name right
ip link set left netns RED
ip link set right netns BLUE
ip -n RED -batch - <<'IP'
addr add 11.11.11.2/24 dev left
link set left up
IP
ip -n BLUE -batch - <<'IP'
addr add 11.11.11.3/24 dev right
link set right up
IP
