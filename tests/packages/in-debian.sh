#!/usr/bin/env bash
# in-debian.sh WORKSTATION.deb HUB.deb CORPUS (as root; run by run.sh)
#
# Installs the packages with apt into a fresh Debian 12 root and uses them there as IT would:
# the workstation's doctor, an import of a corpus file and a sync with the hub; the hub's
# migrations and server on a PostgreSQL started in the root, its systemd unit checked. Then
# removes them (only data and configuration may stay) and purges them (only data may stay).
#
# The Debian root is made by debootstrap once per machine (/var/tmp/commons-debian12-base)
# and copied for every run; packages apt downloads are kept beside it.
set -euo pipefail

ws_deb=$(realpath "$1") hub_deb=$(realpath "$2") corpus=$(realpath "$3")
mirror=${COMMONS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=/var/tmp/commons-debian12-base
root=/var/tmp/commons-debian12-run
apt_cache=/var/tmp/commons-debian12-apt
base_version=1 # bump when the base below changes

fail() { printf 'in-debian: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m-- %s\033[0m\n' "$*"; }
[ "$(id -u)" -eq 0 ] || fail "run as root (chroot, mounts)"

env_in=(/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive)
in_root() { chroot "$root" "${env_in[@]}" HOME=/root "$@"; }
# as USER HOME COMMAND...: an unprivileged user of the root, with a clean environment.
as() { local user=$1 home=$2; shift 2; chroot --userspec="$user:$user" "$root" "${env_in[@]}" HOME="$home" "$@"; }

unmount() {
  local r=$1
  for m in dev/pts dev sys proc var/cache/apt/archives; do
    if mountpoint -q "$r/$m" 2>/dev/null; then umount -l "$r/$m"; fi
  done
}
mount_in() {
  local r=$1
  mount -t proc proc "$r/proc"
  mount -t sysfs sysfs "$r/sys"
  mount --bind /dev "$r/dev"
  mount --bind /dev/pts "$r/dev/pts"
  mkdir -p "$apt_cache/partial"
  mount --bind "$apt_cache" "$r/var/cache/apt/archives"
  cp -L /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || true
}

if [ ! -e "$base/.commons-base-$base_version" ]; then
  say "making the Debian 12 root (once per machine): debootstrap from $mirror"
  unmount "$base.new"
  rm -rf "$base" "$base.new"
  debootstrap --variant=minbase bookworm "$base.new" "$mirror" >/dev/null \
    || fail "debootstrap failed (mirror $mirror; set COMMONS_DEBIAN_MIRROR)"
  # Nothing installed in the root starts a service, and PostgreSQL makes no cluster of its
  # own: the test starts the one it needs.
  printf '#!/bin/sh\nexit 101\n' >"$base.new/usr/sbin/policy-rc.d"
  chmod 755 "$base.new/usr/sbin/policy-rc.d"
  mkdir -p "$base.new/etc/postgresql-common"
  echo "create_main_cluster = false" >"$base.new/etc/postgresql-common/createcluster.conf"
  mount_in "$base.new"
  trap 'unmount "$base.new"' EXIT
  # The server the hub needs, and systemd for `systemd-analyze verify` of the unit; neither
  # is what the packages are tested for, so they are in the base.
  chroot "$base.new" "${env_in[@]}" apt-get install -y -qq --no-install-recommends \
    postgresql systemd >/dev/null || fail "installing PostgreSQL and systemd in the root failed"
  unmount "$base.new"
  trap - EXIT
  touch "$base.new/.commons-base-$base_version"
  mv "$base.new" "$base"
fi

say "a fresh copy of the root"
unmount "$root"
rm -rf "$root"
cp -a "$base" "$root"
trap 'unmount "$root"' EXIT
mount_in "$root"
work=/tmp/commons-test
mkdir -p "$root$work"
cp "$ws_deb" "$hub_deb" "$root$work/"
cp "$corpus/marc/marc4j-selectedRecs.mrc" "$root$work/records.mrc"
cp "$corpus/pdf/$(ls "$corpus/pdf" | grep -m1 -i '^pdfjs-.*\.pdf$' || ls "$corpus/pdf" | head -1)" "$root$work/document.pdf"
chmod -R a+rX "$root$work"
in_root apt-get update -qq
in_root useradd --create-home --shell /bin/bash student
# What the packages depend on is installed first, so that the file tree before and after
# tells what the packages themselves brought and left.
depends="$(dpkg-deb --field "$ws_deb" Depends), $(dpkg-deb --field "$hub_deb" Depends)"
in_root apt-get satisfy -y -qq --no-install-recommends "$depends" >"$root$work/depends.log" 2>&1 \
  || { cat "$root$work/depends.log"; fail "the packages' dependencies cannot be installed from Debian 12: $depends"; }

# Everything but what apt and dpkg keep for themselves, logs, caches and scratch space.
listing() {
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp \
    -o -path ./run -o -path ./var/lib/apt -o -path ./var/cache -o -path ./var/log \
    -o -path ./var/lib/dpkg -o -path ./home/student \) -prune -o -print | LC_ALL=C sort)
}
listing >"$root$work/before"

say "apt-get install ./commons ./commons-hub"
in_root apt-get install -y --no-install-recommends "$work/$(basename "$ws_deb")" "$work/$(basename "$hub_deb")" \
  >"$root$work/install.log" 2>&1 || { cat "$root$work/install.log"; fail "apt-get install failed"; }
in_root dpkg-query -W -f '${Package} ${Version} ${Status}\n' commons commons-hub
grep -q '^2 newly installed' "$root$work/install.log" || grep -qE '^0 upgraded, 2 newly installed' "$root$work/install.log" \
  || { cat "$root$work/install.log"; fail "apt-get install brought more than the two packages"; }
version=$(in_root dpkg-query -W -f '${Version}' commons)
# (Outputs are read whole before grep: `grep -q` stopping early would fail the pipe.)
out=$(in_root commons --version); grep -qF "$version" <<<"$out" || fail "commons --version says $out, not $version"
out=$(in_root commons-hub --version); grep -qF "$version" <<<"$out" || fail "commons-hub --version says $out, not $version"

say "what the packages set up"
out=$(in_root getent passwd commons-hub || true)
grep -q ':/var/lib/commons-hub:/usr/sbin/nologin$' <<<"$out" \
  || fail "no commons-hub system user with home /var/lib/commons-hub and no shell: $(in_root getent passwd commons-hub)"
# (Owners are named by the root's own user database.)
out=$(in_root stat -c '%a %U:%G' /etc/commons/hub.toml)
[ "$out" = "640 root:commons-hub" ] || fail "/etc/commons/hub.toml is $out, not 640 root:commons-hub"
out=$(in_root stat -c '%U' /var/lib/commons-hub/documents)
[ "$out" = commons-hub ] || fail "/var/lib/commons-hub/documents is $out's, not the service user's"
cmp -s "$root/etc/commons/config.toml" "$root/usr/share/commons/config.toml" \
  || fail "the workstation's /etc/commons/config.toml was not installed"
unit=$(cd "$root" && ls lib/systemd/system/commons-hub.service usr/lib/systemd/system/commons-hub.service 2>/dev/null | head -1)
[ -n "$unit" ] || fail "no commons-hub.service installed"
in_root systemd-analyze verify --man=no "/$unit" || fail "systemd-analyze verify found problems in $unit"
for directive in ProtectSystem=strict ProtectHome=true NoNewPrivileges=true PrivateTmp=true \
  ReadWritePaths=/var/lib/commons-hub 'ExecStartPre=/usr/bin/commons-hub migrate' User=commons-hub; do
  grep -qxF "$directive" "$root/$unit" || fail "$unit lacks $directive"
done
# systemd's own score of the unit's confinement: 0 is fully confined, 10 not at all.
out=$(in_root systemd-analyze security --offline=true "/$unit")
exposure=$(sed -nE 's/.*Overall exposure level for commons-hub.service: ([0-9.]+).*/\1/p' <<<"$out")
echo "systemd-analyze security: exposure $exposure"
python3 -c "import sys; sys.exit(0 if float('${exposure:-99}') <= 2.5 else 1)" \
  || fail "commons-hub.service is exposed at ${exposure:-?} (at most 2.5):
$out"
out=$(in_root systemctl is-enabled commons-hub 2>/dev/null || true)
[ "$out" = disabled ] \
  || fail "commons-hub is enabled on install, before its database is configured"
out=$(zcat "$root/usr/share/man/man1/commons-hub.1.gz"); grep -q '^\.SS serve' <<<"$out" || fail "the hub's man page lacks serve"
out=$(zcat "$root/usr/share/man/man1/commons.1.gz"); grep -q '^\.SS doctor' <<<"$out" || fail "the workstation's man page lacks doctor"

say "the workstation: doctor, import"
ws() { as student /home/student "$@"; }
ws commons doctor || fail "commons doctor failed on a fresh install"
out=$(ws commons config)
grep -E '^mode ' <<<"$out" | grep -F /etc/commons/config.toml >/dev/null \
  || fail "the mode does not come from /etc/commons/config.toml: $(ws commons config)"
report=$(ws commons import "$work/records.mrc" 2>&1) || { echo "$report"; fail "commons import failed"; }
echo "$report" | tail -1
read_n=$(sed -nE 's/.*read ([0-9]+), imported ([0-9]+),.*rejected 0,.*/\1 \2/p' <<<"$report" | tail -1)
[ -n "$read_n" ] && [ "${read_n% *}" = "${read_n#* }" ] && [ "${read_n% *}" -gt 0 ] \
  || fail "commons import did not import every record: $report"

say "the hub: PostgreSQL, migrate, serve"
mkdir -p "$root/run/postgresql" "$root$work/pg"
in_root chown postgres:postgres /run/postgresql "$work/pg" "$work"
as postgres /var/lib/postgresql /usr/lib/postgresql/15/bin/initdb -D "$work/pg" \
  --auth-local=peer --auth-host=reject -U postgres >/dev/null
as postgres /var/lib/postgresql /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" -w -l "$work/pg.log" \
  -o "-c listen_addresses='' -c unix_socket_directories=/run/postgresql" start >/dev/null
stop_all() {
  if [ -n "${serve_pid:-}" ]; then
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
    serve_pid=""
  fi
  as postgres /var/lib/postgresql /usr/lib/postgresql/15/bin/pg_ctl -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  unmount "$root"
  return 0
}
trap stop_all EXIT
as postgres /var/lib/postgresql psql -qX -c 'CREATE ROLE "commons-hub" LOGIN'
as postgres /var/lib/postgresql createdb -O commons-hub commons_hub
hub() { as commons-hub /var/lib/commons-hub "$@"; }
# As the service would run it: the packaged hub.toml, its database line untouched.
hub commons-hub migrate || fail "commons-hub migrate failed with the packaged hub.toml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
hub commons-hub serve --listen "127.0.0.1:$port" >"$root$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$root$work/serve.log"; fail "commons-hub serve does not answer /healthz"; }
hub commons-hub library add north --name "North Library" >/dev/null
hub commons-hub document add "$work/document.pdf" --title "A shared document" >/dev/null \
  || fail "commons-hub document add failed (documents directory /var/lib/commons-hub/documents)"
token=$(hub commons-hub token create "IC-01" --library north)
[ -n "$token" ] || fail "commons-hub token create printed no token"

say "the workstation joins the hub and syncs"
printf '%s\n' "$token" | ws commons provision --hub "http://127.0.0.1:$port/" --token-file - --allow-insecure-http \
  || fail "commons provision failed"
ws commons sync || fail "commons sync failed"
ws commons doctor || fail "commons doctor failed after the sync"
out=$(hub commons-hub workstations --json) || fail "commons-hub workstations flags the workstation that just synced: $out"
grep -qF "\"$version\"" <<<"$out" \
  || fail "the hub's fleet view does not show the workstation's version: $out"
stop_all
trap 'unmount "$root"' EXIT

say "apt-get remove: only data and configuration stay"
in_root dpkg -L commons commons-hub >"$root$work/files"
in_root apt-get remove -y -qq commons commons-hub >"$root$work/remove.log" 2>&1 \
  || { cat "$root$work/remove.log"; fail "apt-get remove failed"; }
listing >"$root$work/after-remove"
# Besides configuration and data, the unit stays masked until purge (a link to /dev/null,
# as Debian's systemd helper leaves every removed service), with the helper's state.
[ ! -e "$root/etc/systemd/system/commons-hub.service" ] \
  || [ "$(readlink "$root/etc/systemd/system/commons-hub.service")" = /dev/null ] \
  || fail "/etc/systemd/system/commons-hub.service outlived apt-get remove and is not a mask"
left=$(LC_ALL=C comm -13 "$root$work/before" "$root$work/after-remove" \
  | grep -vxE '\./etc/commons|\./etc/commons/(config|hub)\.toml|\./var/lib/commons-hub(/.*)?' \
  | grep -vxE '\./etc/systemd/system/commons-hub\.service|\./var/lib/systemd/deb-systemd-helper-[a-z]+(/.*)?' || true)
[ -z "$left" ] || fail "apt-get remove left more than data and configuration:
$left"
[ -e "$root/etc/commons/hub.toml" ] && [ -e "$root/etc/commons/config.toml" ] \
  || fail "apt-get remove deleted the configuration"
[ ! -e "$root/usr/bin/commons" ] && [ ! -e "$root/usr/bin/commons-hub" ] || fail "the binaries outlived apt-get remove"

say "apt-get purge: only data stays"
in_root apt-get purge -y -qq commons commons-hub >"$root$work/purge.log" 2>&1 \
  || { cat "$root$work/purge.log"; fail "apt-get purge failed"; }
listing >"$root$work/after-purge"
left=$(LC_ALL=C comm -13 "$root$work/before" "$root$work/after-purge" | grep -vxE '\./var/lib/commons-hub(/.*)?' || true)
[ -z "$left" ] || fail "apt-get purge left more than the hub's data:
$left"
[ -d "$root/var/lib/commons-hub/documents" ] || fail "apt-get purge deleted the hub's documents"

unmount "$root"
trap - EXIT
rm -rf "$root"
say "installed, used, removed and purged in Debian 12"
