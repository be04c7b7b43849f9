# Where `cmake --install` and the .deb put things: the GNU layout for binary, library, headers,
# man pages and docs, plus the directories that bash-completion, zsh, fish, systemd and Wireshark
# look in. Each of those is a cache variable, for distributions that use other places.
include(CMakePackageConfigHelpers)

set(MCAST_BASH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
    CACHE STRING "Where bash-completion loads completions from")
# zsh: Debian's zsh reads packaged completions from /usr/share/zsh/vendor-completions and local
# ones from /usr/local/share/zsh/site-functions; "auto" picks by the prefix at install time.
set(MCAST_ZSH_COMPLETION_DIR "auto" CACHE STRING "Where zsh finds completions, or auto")
set(MCAST_FISH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d"
    CACHE STRING "Where fish finds completions")
set(MCAST_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING "Where systemd system units go")
set(MCAST_SYSUSERS_DIR "lib/sysusers.d" CACHE STRING "Where systemd-sysusers reads users from")
set(MCAST_WIRESHARK_PLUGIN_DIR "${CMAKE_INSTALL_LIBDIR}/wireshark/plugins"
    CACHE STRING "Where Wireshark loads global Lua plugins from")
set(MCAST_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/mcast" CACHE STRING "Where the CMake package goes")

# The binary finds libmcast next to it ($ORIGIN/../lib...), so a tree installed anywhere (a
# staging root, a prefix in $HOME) runs without LD_LIBRARY_PATH.
file(RELATIVE_PATH _mcast_bin_to_lib "${CMAKE_INSTALL_FULL_BINDIR}" "${CMAKE_INSTALL_FULL_LIBDIR}")
set_target_properties(mcast PROPERTIES INSTALL_RPATH "$ORIGIN/${_mcast_bin_to_lib}")

install(TARGETS mcast RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
# Headers: the FILE_SET of libmcast (lib/CMakeLists.txt), the public API and nothing else.
install(TARGETS libmcast EXPORT mcastTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT library NAMELINK_COMPONENT development
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)

file(GLOB _mcast_man_pages "${PROJECT_SOURCE_DIR}/man/*.1")
install(FILES ${_mcast_man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(FILES completions/mcast.bash DESTINATION ${MCAST_BASH_COMPLETION_DIR} RENAME mcast
        COMPONENT runtime)
install(FILES completions/mcast.fish DESTINATION ${MCAST_FISH_COMPLETION_DIR} COMPONENT runtime)
install(FILES contrib/wireshark/mcast.lua DESTINATION ${MCAST_WIRESHARK_PLUGIN_DIR}
        COMPONENT runtime OPTIONAL)
install(FILES contrib/systemd/mcast.sysusers DESTINATION ${MCAST_SYSUSERS_DIR} RENAME mcast.conf
        COMPONENT runtime)
install(FILES README.md docs/protocol.md docs/json.md docs/security.md docs/config.example
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)

# The units name the binary by its installed path, zsh's directory depends on the prefix, and
# mcast.pc names the prefix; all are only known at install time (cpack installs to /usr whatever
# the build was configured for), so install_prefix_files.cmake writes them then, once for each
# package's files.
foreach(_part runtime development)
install(CODE "
  set(MCAST_PART ${_part})
  set(MCAST_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(MCAST_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
  set(MCAST_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(MCAST_DATADIR \"${CMAKE_INSTALL_DATADIR}\")
  set(MCAST_SYSTEMD_UNIT_DIR \"${MCAST_SYSTEMD_UNIT_DIR}\")
  set(MCAST_ZSH_COMPLETION_DIR \"${MCAST_ZSH_COMPLETION_DIR}\")
  set(MCAST_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(MCAST_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(MCAST_VERSION \"${PROJECT_VERSION}\")
  set(MCAST_DESCRIPTION \"${PROJECT_DESCRIPTION}\")
  include(\"${PROJECT_SOURCE_DIR}/cmake/install_prefix_files.cmake\")
  " COMPONENT ${_part})
endforeach()

# Library consumers: find_package(mcast) -> mcast::mcast, and pkg-config mcast.
install(EXPORT mcastTargets NAMESPACE mcast:: DESTINATION ${MCAST_CMAKE_DIR}
        COMPONENT development)
configure_package_config_file(cmake/mcastConfig.cmake.in
  "${PROJECT_BINARY_DIR}/mcastConfig.cmake" INSTALL_DESTINATION ${MCAST_CMAKE_DIR})
# 0.x: a minor release may break the API, so only the same minor version is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/mcastConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/mcastConfig.cmake" "${PROJECT_BINARY_DIR}/mcastConfigVersion.cmake"
        DESTINATION ${MCAST_CMAKE_DIR} COMPONENT development)
