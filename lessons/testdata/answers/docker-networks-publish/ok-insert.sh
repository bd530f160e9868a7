# expect: pass
# Inserted at the top of PREROUTING, with the long option names.
iptables --table nat --insert PREROUTING 1 --destination 203.0.113.1 --protocol tcp --dport 8080 --jump DNAT --to-destination 11.11.11.2:80
