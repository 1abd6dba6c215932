# What `cmake --install` puts where, and the .deb CPack builds from it
# (`cpack -G DEB` in the build directory). Only the files named here are
# installed: the binary (user/CMakeLists.txt), its man page, bash completion,
# systemd unit, example configuration and the operations guide; no test
# program or test binary has an install rule.
include(GNUInstallDirs)

set(_bindtrace_docdir "${CMAKE_INSTALL_DATAROOTDIR}/doc/bindtrace")

install(FILES "${PROJECT_SOURCE_DIR}/docs/bindtrace.8" DESTINATION "${CMAKE_INSTALL_MANDIR}/man8")
install(FILES "${PROJECT_SOURCE_DIR}/deploy/completion/bindtrace.bash"
        DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions" RENAME bindtrace)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/docs/operations.md"
              "${PROJECT_SOURCE_DIR}/docs/events.md" "${PROJECT_SOURCE_DIR}/docs/diagnosis.md"
              "${PROJECT_SOURCE_DIR}/docs/audit.md"
              "${PROJECT_SOURCE_DIR}/deploy/daemonset.yaml"
        DESTINATION "${_bindtrace_docdir}")

# The unit names the binary by its installed path, so it is written at install
# time for the prefix in use (/usr in the .deb). systemd reads units from
# /usr/lib/systemd/system and /usr/local/lib/systemd/system.
set(_bindtrace_unit_code [[
  file(READ "@PROJECT_SOURCE_DIR@/deploy/bindtrace.service" _unit)
  string(REPLACE "/usr/sbin/bindtrace" "${CMAKE_INSTALL_PREFIX}/sbin/bindtrace" _unit "${_unit}")
  file(WRITE "@PROJECT_BINARY_DIR@/install/bindtrace.service" "${_unit}")
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
       FILES "@PROJECT_BINARY_DIR@/install/bindtrace.service")
]])
string(CONFIGURE "${_bindtrace_unit_code}" _bindtrace_unit_code @ONLY)
install(CODE "${_bindtrace_unit_code}")

# The example configuration: always as documentation; for a system prefix
# also as the live /etc/bindtrace/bindtrace.toml the unit reads, but only
# where none exists yet, so a reinstall from source never overwrites an edited
# one (in the .deb it is a conffile, which dpkg protects the same way).
set(_bindtrace_conffiles "")
if(EXISTS "${PROJECT_SOURCE_DIR}/deploy/bindtrace.toml")
  install(FILES "${PROJECT_SOURCE_DIR}/deploy/bindtrace.toml" DESTINATION "${_bindtrace_docdir}/examples")
  set(_bindtrace_config_code [[
    if(NOT CMAKE_INSTALL_PREFIX MATCHES "^/usr(/local)?/?$")
      message(STATUS "Not installing /etc/bindtrace/bindtrace.toml for prefix ${CMAKE_INSTALL_PREFIX}")
    elseif(NOT EXISTS "$ENV{DESTDIR}/etc/bindtrace/bindtrace.toml")
      file(INSTALL DESTINATION /etc/bindtrace TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ
           FILES "@PROJECT_SOURCE_DIR@/deploy/bindtrace.toml")
    endif()
  ]])
  string(CONFIGURE "${_bindtrace_config_code}" _bindtrace_config_code @ONLY)
  install(CODE "${_bindtrace_config_code}")
  set(_bindtrace_conffiles "/etc/bindtrace/bindtrace.toml\n")
endif()

# --- the .deb --------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME bindtrace)
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "bindtrace maintainers <bindtrace@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "who blocks a failed bind(), listen() or connect()")
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "bindtrace watches the kernel (eBPF) for failed bind(), listen() and connect() calls,\n"
    "reports the endpoint that was asked for and who asked, names the process or service\n"
    "that holds it (or the TIME_WAIT sockets and how long they have left), and diagnoses\n"
    "the conflict with the command that fixes it. It runs as a one-off command (trace,\n"
    "who, check), as an agent with a JSON-lines log, Prometheus metrics and a kernel\n"
    "flight recorder (bindtrace.service), and as a post-mortem reader (dump).")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # bindtrace_<version>_<arch>.deb
# Depends from the binary's real shared libraries (dpkg-shlibdeps, dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
# Opened at run time, not linked: libsystemd (journald, sd_notify) and bpftool
# (cuts the minimal CO-RE BTF cache); without them those features say why not.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libsystemd0, bpftool")
set(CPACK_STRIP_FILES ON)  # the build is RelWithDebInfo; the package carries no debug info
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# Maintainer scripts: reload systemd on install and removal, restart a running
# agent on upgrade; on removal (not upgrade) stop the service and detach what
# the agent pinned, which would otherwise keep tracing in the kernel until
# reboot. The unit is not enabled on install: tracing every host is the
# operator's decision.
set(_bindtrace_deb_dir "${PROJECT_BINARY_DIR}/deb")
file(WRITE "${_bindtrace_deb_dir}/postinst" [=[#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  # An upgrade ($2 is the old version): a running agent restarts on the new
  # binary and adopts its own pins.
  if [ -n "$2" ]; then
    systemctl try-restart bindtrace.service >/dev/null 2>&1 || true
  fi
fi
]=])
file(WRITE "${_bindtrace_deb_dir}/prerm" [=[#!/bin/sh
set -e
if [ "$1" = remove ]; then
  if [ -d /run/systemd/system ]; then
    systemctl disable --now bindtrace.service >/dev/null 2>&1 || true
  fi
  if [ -d /sys/fs/bpf/bindtrace ]; then
    /usr/sbin/bindtrace unpin || echo "bindtrace: could not remove /sys/fs/bpf/bindtrace; run 'bindtrace unpin'" >&2
  fi
fi
]=])
file(WRITE "${_bindtrace_deb_dir}/postrm" [=[#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
if [ "$1" = purge ]; then
  rm -rf /var/log/bindtrace
  rmdir /etc/bindtrace 2>/dev/null || true
fi
]=])
file(WRITE "${_bindtrace_deb_dir}/conffiles" "${_bindtrace_conffiles}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_bindtrace_deb_dir}/postinst;${_bindtrace_deb_dir}/prerm;${_bindtrace_deb_dir}/postrm")
if(_bindtrace_conffiles)
  list(APPEND CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${_bindtrace_deb_dir}/conffiles")
endif()

include(CPack)
