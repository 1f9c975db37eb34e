#!/usr/bin/env bash
# The packages, built and installed for real (README, "Packages"):
#  1. scripts/package builds the workstation's .deb and .rpm and the hub's .deb;
#  2. dpkg-deb and rpm read them back: files, dependencies, conffiles, maintainer scripts;
#     lintian finds no error in either .deb;
#  3. a binary without the UI is refused by the check scripts/package makes;
#  4. in-debian.sh installs both .debs with apt into a fresh Debian 12 root and uses them
#     there (as root: chroot and mounts).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
export PATH="$HOME/.cargo/bin:$PATH"

fail() { printf 'packages: %s\n' "$*" >&2; exit 1; }
say() { printf '\033[1m-- %s\033[0m\n' "$*"; }

out=${COMMONS_PACKAGES_DIR:-$repo/target/packages}
COMMONS_PACKAGES_DIR=$out ./scripts/package

version=$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="commons"))')
ws_deb=$(ls "$out"/commons_"$version"_*.deb)
hub_deb=$(ls "$out"/commons-hub_"$version"_*.deb)
ws_rpm=$(ls "$out"/commons-"$version"-*.rpm)

say "the workstation's .deb"
control=$(dpkg-deb --field "$ws_deb")
contents=$(dpkg-deb --contents "$ws_deb" | awk '{sub(/^\.?\//, "", $6); print "./" $6}')
for f in ./usr/bin/commons ./usr/share/applications/Commons.desktop \
  ./usr/share/icons/hicolor/128x128/apps/commons.png ./usr/share/commons/config.toml \
  ./usr/share/man/man1/commons.1.gz ./usr/share/doc/commons/copyright; do
  grep -qxF "$f" <<<"$contents" || fail "$ws_deb lacks $f"
done
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 poppler-utils ca-certificates; do
  grep -qE "^Depends:.*\b$dep\b" <<<"$control" || fail "$ws_deb does not depend on $dep"
done
scripts=$(dpkg-deb --ctrl-tarfile "$ws_deb" | tar -t)
grep -qE '^(\./)?postinst$' <<<"$scripts" || fail "$ws_deb has no postinst"

say "the hub's .deb"
control=$(dpkg-deb --field "$hub_deb")
contents=$(dpkg-deb --contents "$hub_deb" | awk '{sub(/^\.?\//, "", $6); print "./" $6}')
for f in ./usr/bin/commons-hub ./etc/commons/hub.toml ./usr/share/man/man1/commons-hub.1.gz \
  ./usr/share/doc/commons-hub/copyright; do
  grep -qxF "$f" <<<"$contents" || fail "$hub_deb lacks $f"
done
grep -qE '^\./(usr/)?lib/systemd/system/commons-hub\.service$' <<<"$contents" \
  || fail "$hub_deb has no systemd unit"
for dep in adduser ca-certificates libc6; do
  grep -qE "^Depends:.*\b$dep\b" <<<"$control" || fail "$hub_deb does not depend on $dep"
done
conffiles=$(dpkg-deb --ctrl-tarfile "$hub_deb" | tar -xO --wildcards '*conffiles')
grep -qx /etc/commons/hub.toml <<<"$conffiles" \
  || fail "$hub_deb does not mark /etc/commons/hub.toml as a conffile"

say "the workstation's .rpm"
# (Outputs are read whole: `grep -q` stopping early would fail the pipe.)
files=$(rpm -qpl --nosignature "$ws_rpm")
requires=$(rpm -qp --requires --nosignature "$ws_rpm")
grep -qx /usr/bin/commons <<<"$files" || fail "$ws_rpm lacks /usr/bin/commons"
grep -qx /usr/share/commons/config.toml <<<"$files" || fail "$ws_rpm lacks the configuration"
grep -qx poppler-utils <<<"$requires" || fail "$ws_rpm does not require poppler-utils"
grep -qF 'libwebkit2gtk-4.1.so.0' <<<"$requires" || fail "$ws_rpm does not require WebKitGTK 4.1"

say "lintian"
for deb in "$ws_deb" "$hub_deb"; do
  # Errors fail; warnings and the rest are printed for whoever reads the log.
  lintian --fail-on error --tag-display-limit 0 "$deb" || fail "lintian found errors in $deb"
done

say "a binary without the UI is refused"
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
if packaging/check-ui "$target/release/commons-hub" ui/dist 2>/tmp/commons-check-ui.$$; then
  fail "check-ui accepted a binary without the UI"
fi
grep -q 'UI files are not in' /tmp/commons-check-ui.$$ || fail "check-ui failed without saying why: $(cat /tmp/commons-check-ui.$$)"
rm -f /tmp/commons-check-ui.$$

say "installed into a fresh Debian 12 root"
corpus=${COMMONS_CORPUS:-$repo/../shared/corpus}
[ -d "$corpus" ] || fail "the test corpus is not at $corpus (set COMMONS_CORPUS)"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo --preserve-env=COMMONS_DEBIAN_MIRROR)
"${as_root[@]}" tests/packages/in-debian.sh "$ws_deb" "$hub_deb" "$corpus"
