# Run by `cmake --install` and cpack (see install_layout.cmake): installs the files whose content
# or place depends on the install prefix, which is only known now.
#
# Two systemd units from one template: mcast-announce.service (this host, named after it) and
# mcast-announce@NAME.service (one node per instance name, each with its own key and state).
set(_prefix "${CMAKE_INSTALL_PREFIX}")
if(IS_ABSOLUTE "${MCAST_BINDIR}")
  set(MCAST_UNIT_BINDIR "${MCAST_BINDIR}")
else()
  set(MCAST_UNIT_BINDIR "${_prefix}/${MCAST_BINDIR}")
endif()
foreach(_unit plain template)
  if(_unit STREQUAL "plain")
    set(MCAST_UNIT_NAME "mcast-announce.service")
    set(MCAST_UNIT_WHAT "this host")
    set(MCAST_UNIT_ARGS "")
    set(MCAST_UNIT_STATEDIR "mcast")
    set(MCAST_UNIT_XDG_HOME "%S")
    set(MCAST_UNIT_STATE "/var/lib/mcast/")
  else()
    set(MCAST_UNIT_NAME "mcast-announce@.service")
    set(MCAST_UNIT_WHAT "the node %i")
    set(MCAST_UNIT_ARGS " --name %i")
    set(MCAST_UNIT_STATEDIR "mcast-%i/mcast")
    set(MCAST_UNIT_XDG_HOME "%S/mcast-%i")
    set(MCAST_UNIT_STATE "/var/lib/mcast-NAME/mcast/")
  endif()
  configure_file("${MCAST_SOURCE_DIR}/contrib/systemd/mcast-announce.service.in"
                 "${MCAST_BINARY_DIR}/systemd/${MCAST_UNIT_NAME}" @ONLY)
  file(INSTALL "${MCAST_BINARY_DIR}/systemd/${MCAST_UNIT_NAME}"
       DESTINATION "${_prefix}/${MCAST_SYSTEMD_UNIT_DIR}")
endforeach()

set(_zsh "${MCAST_ZSH_COMPLETION_DIR}")
if(_zsh STREQUAL "auto")
  if(_prefix STREQUAL "/usr")
    set(_zsh "${MCAST_DATADIR}/zsh/vendor-completions")
  else()
    set(_zsh "${MCAST_DATADIR}/zsh/site-functions")
  endif()
endif()
file(INSTALL "${MCAST_SOURCE_DIR}/completions/_mcast" DESTINATION "${_prefix}/${_zsh}")
