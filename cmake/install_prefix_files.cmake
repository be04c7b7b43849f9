# Run by `cmake --install` and cpack (see install_layout.cmake): installs the files whose content
# or place depends on the install prefix, which is only known now: the systemd units, zsh's
# completion and the pkg-config file.
#
# Two systemd units from one template: mcast-announce.service (this host, named after it) and
# mcast-announce@NAME.service (one node per instance name, each with its own key and state).
set(_prefix "${CMAKE_INSTALL_PREFIX}")
# Written to a directory of this prefix's own: installs to other prefixes may run at the same
# time (the tests do), and must not take each other's files.
string(MD5 _stage "$ENV{DESTDIR}${_prefix}")
set(_stage "${MCAST_BINARY_DIR}/install-staging/${_stage}")

if(MCAST_PART STREQUAL "development")
  # pkg-config: a literal prefix, so that pkgconf recognises /usr/include and /usr/lib/... as
  # system directories and leaves them out of the flags (a ${pcfiledir}-relative prefix defeats
  # that check).
  set(prefix "${_prefix}")
  configure_file("${MCAST_SOURCE_DIR}/cmake/mcast.pc.in" "${_stage}/mcast.pc" @ONLY)
  file(INSTALL "${_stage}/mcast.pc" DESTINATION "${_prefix}/${MCAST_LIBDIR}/pkgconfig")
  file(REMOVE_RECURSE "${_stage}")
  return()
endif()
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
    set(MCAST_UNIT_RUNDIR "mcast")
    set(MCAST_UNIT_XDG_HOME "%S")
    set(MCAST_UNIT_STATE "/var/lib/mcast/")
    set(MCAST_UNIT_XDG_ADMIN "/var/lib")
  else()
    set(MCAST_UNIT_NAME "mcast-announce@.service")
    set(MCAST_UNIT_WHAT "the node %i")
    # %i as typed: systemd's unescaping (%I) would turn printer-room-3 into printer/room/3.
    set(MCAST_UNIT_ARGS " --name %i")
    set(MCAST_UNIT_STATEDIR "mcast-%i/mcast")
    set(MCAST_UNIT_RUNDIR "mcast-%i")
    set(MCAST_UNIT_XDG_HOME "%S/mcast-%i")
    set(MCAST_UNIT_STATE "/var/lib/mcast-NAME/mcast/")
    set(MCAST_UNIT_XDG_ADMIN "/var/lib/mcast-NAME")
  endif()
  configure_file("${MCAST_SOURCE_DIR}/contrib/systemd/mcast-announce.service.in"
                 "${_stage}/${MCAST_UNIT_NAME}" @ONLY)
  file(INSTALL "${_stage}/${MCAST_UNIT_NAME}" DESTINATION "${_prefix}/${MCAST_SYSTEMD_UNIT_DIR}")
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
file(REMOVE_RECURSE "${_stage}")
