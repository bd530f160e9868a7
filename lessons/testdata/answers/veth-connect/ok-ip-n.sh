# expect: pass
# Other names, both ends created straight in their namespaces, `ip -n` throughout.
set -e
ip link add red-end netns RED type veth peer name blue-end netns BLUE
ip -n RED addr add 11.11.11.2/24 dev red-end
ip -n BLUE addr add 11.11.11.3/24 dev blue-end
ip -n RED link set red-end up
ip -n BLUE link set dev blue-end up
