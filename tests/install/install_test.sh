#!/usr/bin/env bash
# install_test: what a packager and a library user get. Installs the build tree into a scratch
# prefix and checks the layout and the exported symbols; builds examples/ against that installed
# tree twice, with find_package(mcast) and with pkg-config, and runs both builds against each
# other in a lab; builds the .deb packages, unpacks them into a scratch dpkg root and runs
# `mcast --version` and `man -w mcast-ping` from there.
#   install_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
# shellcheck source=../lib/testlib.sh
source "$src/tests/lib/testlib.sh" install_test
tmp=$(mktemp -d /tmp/mcast-install.XXXXXX)
at_exit 'rm -rf "$tmp"'

# A sanitizer build installs an instrumented library that plain programs cannot load; what users
# install is the plain build, which CI tests.
if grep -q '^MCAST_SANITIZE:BOOL=ON$' "$build/CMakeCache.txt"; then
  echo "install_test: SKIP: $build is a sanitizer build"
  exit 77
fi
# The tree's own library directory (lib/<multiarch> unless the build chose another).
lib=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
[[ -n $lib ]] || fail "no CMAKE_INSTALL_LIBDIR in $build/CMakeCache.txt"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[[ -n $version ]] || fail "no project version in $build/CMakeCache.txt"
# The soname's version: 0.MINOR before 1.0 (a minor release may break the ABI), else MAJOR.
if [[ ${version%%.*} == 0 ]]; then so=${version%.*}; else so=${version%%.*}; fi

step "cmake --install into a scratch prefix"
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$prefix/$lib
for f in bin/mcast "$lib/libmcast.so.$so" "$lib/libmcast.so.$version" \
  "$lib/libmcast.so" include/mcast/mcast.hpp include/mcast/session.hpp \
  share/man/man1/mcast.1 share/man/man1/mcast-ping.1 \
  share/bash-completion/completions/mcast share/zsh/site-functions/_mcast \
  share/fish/vendor_completions.d/mcast.fish \
  lib/systemd/system/mcast-announce.service lib/systemd/system/mcast-announce@.service \
  "$lib/cmake/mcast/mcastConfig.cmake" "$lib/pkgconfig/mcast.pc" \
  share/doc/mcast/config.example; do
  [[ -e $prefix/$f ]] || fail "not installed: $f"
done
[[ -L $libdir/libmcast.so.$so ]] || fail "libmcast.so.N is not a symlink to the versioned file"
if [[ -f $src/contrib/wireshark/mcast.lua ]]; then
  [[ -f $libdir/wireshark/plugins/mcast.lua ]] || fail "Wireshark plugin not installed"
fi
grep -q "^ExecStart=$prefix/bin/mcast announce$" "$prefix/lib/systemd/system/mcast-announce.service" ||
  fail "unit's ExecStart does not name the installed binary"
for page in "$src"/man/*.1; do
  [[ -f $prefix/share/man/man1/$(basename "$page") ]] || fail "man page $(basename "$page") not installed"
done

step "the installed headers are the public API, and mcast.hpp includes each"
public_headers="announce_schedule base64 block_tree bytes catalogue control discovery drop_reason duty_cycle
  export identity known_names mcast message_type mono_time node pairing pairing_flow paths peer_table
  ping ping_verdict pinger presence replay_config responder scope search session share_service speed
  speed_search speed_test trust_store tuple_codec value weather weather_service wire"
want=$(for h in $public_headers; do echo "$h.hpp"; done | sort)
got=$(cd "$prefix/include/mcast" && ls | sort)
[[ $got == "$want" ]] || fail "installed headers differ from the public list: $(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | tr '\n' ' ')"
for h in $public_headers; do
  [[ $h == mcast ]] && continue
  grep -q "^#include <mcast/$h.hpp>$" "$prefix/include/mcast/mcast.hpp" || fail "mcast.hpp does not include $h.hpp"
done
# Each installed header compiles on its own against the installed tree.
for h in $public_headers; do
  echo "#include <mcast/$h.hpp>" | c++ -std=c++20 -fsyntax-only -I"$prefix/include" -x c++ - ||
    fail "installed header $h.hpp does not compile on its own"
done

step "the installed binary runs from its prefix"
got=$("$prefix/bin/mcast" --version)
[[ $got == "mcast $version" ]] || fail "mcast --version said '$got'"
[[ $(MANPATH=$prefix/share/man man -w mcast-ping) == "$prefix/share/man/man1/mcast-ping.1" ]] ||
  fail "man -w mcast-ping does not find the installed page"

step "only the public API is exported"
syms=$(nm -D --defined-only "$libdir/libmcast.so.$version")
# Strong definitions must all be ours; weak ones are Asio's header templates, which the library
# and the application must share (one service id per io_context).
strong=$(awk '$2 ~ /^[TDBR]$/ {print $3}' <<<"$syms" | c++filt)
foreign=$(grep -v -e '^mcast::' -e ' for mcast::' <<<"$strong" || true)
[[ -z $foreign ]] || fail "exported symbols outside namespace mcast: $(head -3 <<<"$foreign")"
(($(wc -l <<<"$strong") > 50)) || fail "suspiciously few exported symbols: $(wc -l <<<"$strong")"
grep -q 'mcast::Session::send' <<<"$strong" || fail "mcast::Session::send is not exported"
! grep -q -e 'write_atomically' -e 'MulticastSocket' <<<"$strong" || fail "internal symbols are exported"

step "examples/ against the installed tree: find_package(mcast)"
cmake -S "$src/examples" -B "$tmp/ex-cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "configure against installed tree"; }
grep -q "$prefix" "$tmp/ex-cmake/CMakeCache.txt" || fail "examples did not find mcast in $prefix"
cmake --build "$tmp/ex-cmake" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build against installed tree"; }
weather_cmake=$tmp/ex-cmake/mcast_example_weather
grep -q "libmcast.so.$so => $libdir/" <<<"$(ldd "$weather_cmake")" || fail "CMake build does not use the installed libmcast"

step "examples/ against the installed tree: pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
[[ $(pkg-config --modversion mcast) == "$version" ]] || fail "pkg-config --modversion mcast"
[[ $(pkg-config --cflags mcast) == *"-I$prefix/include"* ]] || fail "pkg-config --cflags: $(pkg-config --cflags mcast)"
weather_pc=$tmp/weather-pc
# shellcheck disable=SC2046 # pkg-config's output is meant to be split into flags
g++ -std=c++20 -O1 -o "$weather_pc" "$src/examples/weather.cpp" $(pkg-config --cflags --libs mcast) \
  -Wl,-rpath,"$(pkg-config --variable=libdir mcast)" || fail "build with pkg-config"
grep -q "libmcast.so.$so => $libdir/" <<<"$(ldd "$weather_pc")" || fail "pkg-config build does not use the installed libmcast"

if "$src/scripts/netlab" check 2>/dev/null; then
  step "both example builds hear each other in a lab"
  lab=$(new_lab "$src/scripts/netlab" inst 2)
  at_exit '"$src/scripts/netlab" destroy "$lab" >/dev/null 2>&1'
  "$src/scripts/netlab" exec "$lab" h1 timeout 4 "$weather_cmake" "$tmp/k1.pem" >"$tmp/h1.out" 2>&1 &
  sleep 0.2
  "$src/scripts/netlab" exec "$lab" h2 timeout 4 "$weather_pc" "$tmp/k2.pem" >"$tmp/h2.out" 2>&1 || true
  wait || true
  grep -q "temperature" "$tmp/h1.out" || { cat "$tmp/h1.out"; fail "the CMake-built example heard nothing"; }
  grep -q "temperature" "$tmp/h2.out" || { cat "$tmp/h2.out"; fail "the pkg-config-built example heard nothing"; }
elif [[ ${CI:-} == true ]]; then
  fail "CI=true but no lab can be made"
else
  echo "(no lab here: the examples were built but not run)"
fi

step "cpack -G DEB (libmcast$so, mcast, libmcast-dev), unpacked into a scratch dpkg root"
(cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) ||
  { cat "$tmp/cpack.log"; fail "cpack -G DEB"; }
debarch=$(dpkg --print-architecture)
deb=$tmp/pkg/mcast_${version}_$debarch.deb
libdeb=$tmp/pkg/libmcast${so}_${version}_$debarch.deb
devdeb=$tmp/pkg/libmcast-dev_${version}_$debarch.deb
[[ -f $deb && -f $libdeb && -f $devdeb ]] || fail "packages missing: $(ls "$tmp/pkg")"
depends=$(dpkg-deb -f "$deb" Depends)
for d in libc6 libstdc++6 libboost-program-options libboost-json libfmt "libmcast$so (= $version)"; do
  grep -qF "$d" <<<"$depends" || fail "mcast's Depends lacks $d: $depends"
done
grep -q "libssl3" <<<"$(dpkg-deb -f "$libdeb" Depends)" || fail "libmcast$so must depend on libssl3"
grep -q "libsodium23" <<<"$(dpkg-deb -f "$libdeb" Depends)" || fail "libmcast$so must depend on libsodium23"
grep -qF "libmcast$so (= $version)" <<<"$(dpkg-deb -f "$devdeb" Depends)" ||
  fail "libmcast-dev must depend on libmcast$so (= $version)"
grep -q "libmcast.so.$version" <<<"$(dpkg-deb -c "$libdeb")" || fail "the library is not in libmcast$so"
! grep -q "libmcast.so" <<<"$(dpkg-deb -c "$deb")" || fail "the mcast package carries the library too"
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status"
# --unpack: files and the package database, but no maintainer script (its ldconfig is for a
# real system), so nothing outside the scratch root is touched.
dpkg --instdir="$root" --admindir="$root/var/lib/dpkg" --force-not-root --force-depends \
  --log=/dev/null --unpack "$deb" "$libdeb" "$devdeb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg --unpack"; }
grep -q '^/usr/bin/mcast$' <<<"$(dpkg --admindir="$root/var/lib/dpkg" -L mcast)" || fail "dpkg does not list /usr/bin/mcast"
got=$("$root/usr/bin/mcast" --version)
[[ $got == "mcast $version" ]] || fail "packaged mcast --version said '$got'"
[[ $(MANPATH=$root/usr/share/man man -w mcast-ping) == "$root/usr/share/man/man1/mcast-ping.1"* ]] ||
  fail "man -w mcast-ping does not find the packaged page"
grep -q '^ExecStart=/usr/bin/mcast announce$' "$root/usr/lib/systemd/system/mcast-announce.service" ||
  fail "packaged unit's ExecStart is not /usr/bin/mcast"
# The .pc file is libmcast-dev's, and names /usr, so pkgconf drops the system directories.
grep -q "/pkgconfig/mcast.pc$" <<<"$(dpkg --admindir="$root/var/lib/dpkg" -L libmcast-dev)" || fail "mcast.pc is not in libmcast-dev"
grep -qx 'prefix=/usr' "$root/usr/$lib/pkgconfig/mcast.pc" || fail "packaged mcast.pc: $(head -3 "$root/usr/$lib/pkgconfig/mcast.pc")"
control=$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)
for script in postinst prerm postrm; do
  grep -qx "./$script" <<<"$control" || fail "mcast has no $script"
done
grep -q 'systemd-sysusers .*mcast.conf' <<<"$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst)" ||
  fail "the postinst does not make the service user"
[[ -f $root/usr/lib/sysusers.d/mcast.conf ]] || fail "sysusers.d/mcast.conf not packaged"
[[ -f $root/usr/share/zsh/vendor-completions/_mcast ]] || fail "packaged zsh completion is not in vendor-completions"
[[ -f $root/usr/$lib/libmcast.so.$version ]] || fail "packaged library not in /usr/$lib"
file "$root/usr/bin/mcast" | grep -q 'not stripped' && fail "packaged binary is not stripped"
echo "install_test: ok"
