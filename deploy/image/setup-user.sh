#!/bin/sh
# The image's plain user (uid 10001): serve runs as it, rootless, its labs
# in user namespaces of their own mapping its subordinate range (the
# 65536 ids a Kubernetes pod with hostUsers: false has above its own).
# Shared by the Containerfile and rootfs.sh.
set -eu
groupadd --gid 10001 nettutor
useradd --uid 10001 --gid 10001 --home-dir /var/lib/nettutor --no-create-home --shell /bin/bash nettutor
echo "nettutor:10002:55000" > /etc/subuid
echo "nettutor:10002:55000" > /etc/subgid
mkdir -p /var/lib/nettutor /etc/nettutor/keys /etc/nettutor/hostkey
chown 10001:10001 /var/lib/nettutor
chmod 0750 /var/lib/nettutor
