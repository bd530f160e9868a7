# hostile: smuggle terminal escapes through the lab's own state, which the
# checks' details quote: link names may hold any byte but '/', ':',
# whitespace and NUL, ESC and BEL included.
ip -n RED link add $'\e]0;T\a\e[2J' type veth peer name $'\e[31mZ'
ip -n BLUE link add $'\e[H\e[Kh4' type veth peer name $'\e]52;c;\a'
echo "h4-names-made"
