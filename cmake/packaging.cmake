# `cpack -G DEB` from the build tree: three packages, as Debian splits a library (policy 8):
# libmcast0.1 (the shared library, named for its soname, libmcast.so.0.1), mcast (the tool, man pages, completions,
# units, the service user, the Wireshark plugin) and libmcast-dev (headers, CMake package,
# pkg-config file). Run-time dependencies come from dpkg-shlibdeps, so they match the machine
# that built the package.
set(CPACK_PACKAGE_NAME "mcast")
set(CPACK_PACKAGE_VENDOR "mcast developers")
set(CPACK_PACKAGE_CONTACT "mcast developers <mcast@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL library runtime development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
# Debug information stays in the build tree; the package gets stripped binaries.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libmcast.so.0.1 comes from libmcast0.1 of the same build: dpkg-shlibdeps finds it here, and the
# dependency on it is written out below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}/lib")
set(CPACK_DEBIAN_LIBRARY_PACKAGE_NAME "libmcast${MCAST_SOVERSION}")
set(CPACK_DEBIAN_LIBRARY_PACKAGE_SECTION "libs")
# Installable beside the same library of another architecture (lib/<multiarch>).
set(CPACK_DEBIAN_LIBRARY_PACKAGE_MULTIARCH "same")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_MULTIARCH "same")
set(CPACK_DEBIAN_LIBRARY_DESCRIPTION
"The C++ library behind the mcast command: signed messages over IPv4 and IPv6
multicast on the local network, presence, ping and speed tests, trust.")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "mcast")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libmcast${MCAST_SOVERSION} (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "tshark, jq")
# The service user (systemd-sysusers), daemon-reloads, a restart on upgrade, a stop on removal.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA "${PROJECT_BINARY_DIR}/debian/mcast/postinst"
    "${PROJECT_BINARY_DIR}/debian/mcast/prerm" "${PROJECT_BINARY_DIR}/debian/mcast/postrm")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# CPack puts the package summary on the first line and indents these lines itself.
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
"mcast lets the machines on one local network find each other, exchange small
typed messages and measure the network over IPv4 and IPv6 multicast. Every
message is signed with the sender's Ed25519 key.")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME "libmcast-dev")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
    "libmcast${MCAST_SOVERSION} (= ${PROJECT_VERSION}), libboost1.81-dev | libboost-dev (>= 1.81)")
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION
"Development files of libmcast, the C++ library behind the mcast command:
headers, the CMake package (find_package(mcast)) and the pkg-config file.")
# CPack takes control files by their name: each package's from a directory of its own.
foreach(_script postinst prerm postrm)
  configure_file(contrib/debian/mcast.${_script} "${PROJECT_BINARY_DIR}/debian/mcast/${_script}"
                 COPYONLY)
endforeach()
# (the library package's postinst, which runs ldconfig, is CPack's own.)
include(CPack)
