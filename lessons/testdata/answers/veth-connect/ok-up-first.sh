# expect: pass
# Links up before their addresses, all from inside with ip netns exec, and
# the address given with the explicit `local` keyword.
set -e
ip link add red0 type veth peer name blue0
ip link set blue0 netns BLUE
ip link set red0 netns RED
ip netns exec BLUE ip link set blue0 up
ip netns exec RED ip link set red0 up
ip netns exec RED ip address add local 11.11.11.2/24 dev red0
ip netns exec BLUE ip address add local 11.11.11.3/24 dev blue0
