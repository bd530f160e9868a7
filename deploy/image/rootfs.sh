#!/usr/bin/env bash
# Builds nettutor's image root filesystem from Debian packages with
# debootstrap, for a machine where no image can be pulled:
#
#   sudo deploy/image/rootfs.sh OUTDIR [NETTUTOR-BINARY]
#   sudo tar -C OUTDIR -c . | podman import \
#     -c 'USER nettutor' -c 'ENV XDG_STATE_HOME=/var/lib/nettutor' \
#     -c 'WORKDIR /var/lib/nettutor' -c 'VOLUME /var/lib/nettutor' -c 'EXPOSE 2222' \
#     -c 'ENTRYPOINT ["/usr/local/bin/nettutor"]' \
#     -c 'CMD ["serve","--listen","0.0.0.0:2222","--authorized-keys","/etc/nettutor/keys/authorized_keys"]' \
#     - nettutor:latest
#   (docker import takes the same -c changes)
#
# The packages are deploy/image/packages.txt, as in the Containerfile.
# MIRROR (default http://deb.debian.org/debian) and SUITE (bookworm) may be
# set. Without a binary, the one built from this checkout (go build) goes in.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: rootfs.sh OUTDIR [NETTUTOR-BINARY]}
bin=${2:-}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}
[ "$(id -u)" = 0 ] || { echo "rootfs.sh: debootstrap needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "rootfs.sh: install debootstrap (apt-get install debootstrap)" >&2; exit 2; }
if [ -z "$bin" ]; then
  bin=$(mktemp)
  (cd "$here/../.." && CGO_ENABLED=0 go build -trimpath -o "$bin" ./cmd/nettutor)
fi
pkgs=$(grep -v '^#' "$here/packages.txt" | paste -sd, -)
mkdir -p "$out"
debootstrap --variant=minbase --include="$pkgs" "$suite" "$out" "$mirror"
chroot "$out" update-alternatives --set iptables /usr/sbin/iptables-nft
cp "$here/setup-user.sh" "$out/tmp/setup-user.sh"
chroot "$out" sh /tmp/setup-user.sh
rm -f "$out/tmp/setup-user.sh"
install -m 0755 "$bin" "$out/usr/local/bin/nettutor"
# What an image does not need: package lists and caches.
rm -rf "$out"/var/lib/apt/lists/* "$out"/var/cache/apt/archives/*.deb
echo "rootfs.sh: $out ready ($(du -sh "$out" | cut -f1)); import it with podman import or docker import (see the top of this script)"
