# expect: pass. A correct answer graded next to the hostile ones; it waits
# (sleep LAB_H4_SLEEP, a number the test looks for in the host's process
# list) so that it is surely running while its sibling attacks.
set -e
sleep "${LAB_H4_PAUSE:-0}"
ip link add veth0 type veth peer name veth1
ip link set veth0 netns RED
ip link set veth1 netns BLUE
ip -n RED addr add 11.11.11.2/24 dev veth0
ip -n BLUE addr add 11.11.11.3/24 dev veth1
ip -n RED link set veth0 up
ip -n BLUE link set veth1 up
sleep "${LAB_H4_SLEEP:-0}"
