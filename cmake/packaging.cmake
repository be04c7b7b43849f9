# `cpack -G DEB` from the build tree: two packages, mcast (the tool, the shared library, man
# pages, completions, units, the Wireshark plugin) and libmcast-dev (headers, CMake package,
# pkg-config file). Run-time dependencies come from dpkg-shlibdeps, so they match the machine
# that built the package.
set(CPACK_PACKAGE_NAME "mcast")
set(CPACK_PACKAGE_VENDOR "mcast developers")
set(CPACK_PACKAGE_CONTACT "mcast developers <mcast@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_GENERATOR "DEB")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
# Debug information stays in the build tree; the package gets stripped binaries.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libmcast.so.0 is in the mcast package itself; tell dpkg-shlibdeps where to find it.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}/lib")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "mcast")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "tshark, jq")
# ldconfig, the service user (systemd-sysusers) and a daemon-reload.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/contrib/systemd/postinst")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# CPack puts the package summary on the first line and indents these lines itself.
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
"mcast lets the machines on one local network find each other, exchange small
typed messages and measure the network over IPv4 and IPv6 multicast. Every
message is signed with the sender's Ed25519 key.")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME "libmcast-dev")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
    "mcast (= ${PROJECT_VERSION}), libboost1.81-dev | libboost-dev (>= 1.81)")
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION
"Development files of libmcast, the C++ library behind the mcast command:
headers, the CMake package (find_package(mcast)) and the pkg-config file.")
include(CPack)
