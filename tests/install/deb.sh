#!/usr/bin/env bash
# tests/install/deb.sh BUILD: builds the .deb from BUILD (`cpack -G DEB`),
# checks its fields and that it holds exactly what `cmake --install` puts
# in a DESTDIR; then, as root, installs it with apt-get, runs the installed
# binary (--version, the sample plan), finds the man page with `man -w`,
# loads the bash completion, compares `dpkg -L` with the DESTDIR install,
# verifies the installed systemd units, and removes the package again.
# Not root: the install half is skipped with a line saying so, unless
# CI=true, where it must run.
set -euo pipefail
build=$(cd "${1:?usage: deb.sh BUILD}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "deb: $*" >&2; exit 1; }

version=$(sed -n 's/^project(mfa-migrate VERSION \([^ )]*\).*/\1/p' "$src/CMakeLists.txt")
(cd "$build" && rm -f mfa-migrate_*.deb && cpack -G DEB >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
deb=$(ls "$build"/mfa-migrate_"$version"_*.deb 2>/dev/null) || fail "cpack wrote no mfa-migrate_${version}_*.deb in '$build'"
echo "deb: built $(basename "$deb")"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = mfa-migrate ] || fail "Package is '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "Version is '$(field Version)', the project's is '$version'"
[ "$(field Section)" = admin ] || fail "Section is '$(field Section)'"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
[ -n "$(field Description)" ] || fail "no Description"
# shlibdeps: the libraries the binary links, as packages
depends=$(field Depends)
for lib in libc6 libcurl4 libxlsxwriter libcsv libcjson zlib1g libssl3; do
  [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: '$depends'"
done

# The same files as a DESTDIR install at /usr
DESTDIR="$work/dest" cmake --install "$build" --prefix /usr >/dev/null
(cd "$work/dest" && find . -type f -o -type l | sed 's|^\.||' | sort) >"$work/destdir.list"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\.||' | sort >"$work/deb.list"
diff -u "$work/destdir.list" "$work/deb.list" || fail "the .deb does not hold what 'cmake --install' installs"
echo "deb: holds the $(wc -l <"$work/destdir.list") files of the DESTDIR install"

if [ "$(id -u)" != 0 ]; then
  [ "${CI:-}" = true ] && fail "CI runs the install as root, and this is not root"
  echo "deb: skipped: installing the package needs root (CI does it); the build and contents checks passed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if dpkg -s mfa-migrate >/dev/null 2>&1; then apt-get remove -y -qq mfa-migrate >/dev/null; fi
apt-get install -y -qq "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get install '$deb' failed"; }
trap 'apt-get remove -y -qq mfa-migrate >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

[ "$(/usr/bin/mfa-migrate --version)" = "mfa-migrate $version" ] || fail "the installed binary says '$(/usr/bin/mfa-migrate --version)'"
[ "$(man -w mfa-migrate)" = /usr/share/man/man1/mfa-migrate.1.gz ] || fail "man -w mfa-migrate: '$(man -w mfa-migrate 2>&1)'"
page=$(man -P cat mfa-migrate 2>&1) || fail "man mfa-migrate: $page"
[[ $page == *"--from-csv"* ]] || fail "man mfa-migrate does not render the page"
bash -c 'source /usr/share/bash-completion/completions/mfa-migrate && complete -p mfa-migrate' >/dev/null ||
  fail "the installed bash completion does not load"

# the sample plan from the installed binary
/usr/bin/mfa-migrate plan -q --from-csv "$src/samples/graph-peruser-state.csv" \
  --registration "$src/samples/registration-details-graph.csv" --out "$work/plan" >/dev/null
for f in users.csv plan.csv plan.jsonl summary.json report.xlsx; do
  [ -s "$work/plan/$f" ] || fail "the installed binary's plan wrote no $f"
done

dpkg -L mfa-migrate | while read -r p; do [ -d "$p" ] || echo "$p"; done | sort >"$work/dpkg.list"
diff -u "$work/destdir.list" "$work/dpkg.list" || fail "dpkg -L mfa-migrate differs from the DESTDIR install"

out=$(systemd-analyze verify /usr/lib/systemd/system/mfa-migrate-audit@ci.service \
        /usr/lib/systemd/system/mfa-migrate-audit@ci.timer 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify is not clean: $out"
echo "deb: installed with apt-get; --version, man -w, the sample plan, dpkg -L and systemd-analyze verify passed"
