# expect: pass
# nftables: a table of its own with a prerouting nat chain.
set -e
nft add table ip publish
nft 'add chain ip publish pre { type nat hook prerouting priority dstnat; }'
nft add rule ip publish pre iifname "uplink" tcp dport 8080 dnat to 11.11.11.2:80
