# bindtrace_bpf_skeleton(<name> SOURCES <a.bpf.c> [<b.bpf.c>...] [DEPENDS <headers>...])
#
# Compiles a BPF program with clang -target bpf and generates <name>.skel.h with
# `bpftool gen skeleton`. Creates an INTERFACE target <name>_skel whose include
# directory holds the skeleton. Header dependencies are tracked by clang's
# depfile, and the shared ABI header is listed explicitly, so editing it
# rebuilds the object.
find_program(BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(BINDTRACE_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BINDTRACE_BPF_ARCH arm64)
else()
  set(BINDTRACE_BPF_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

# vmlinux.h: the vendored copy for this architecture, else generated from the
# running kernel's BTF at build time.
set(_vendored "${PROJECT_SOURCE_DIR}/vmlinux/${BINDTRACE_BPF_ARCH}/vmlinux.h")
if(EXISTS "${_vendored}")
  set(BINDTRACE_VMLINUX_DIR "${PROJECT_SOURCE_DIR}/vmlinux/${BINDTRACE_BPF_ARCH}")
else()
  set(BINDTRACE_VMLINUX_DIR "${PROJECT_BINARY_DIR}/vmlinux")
  add_custom_command(
    OUTPUT "${BINDTRACE_VMLINUX_DIR}/vmlinux.h"
    COMMAND "${PROJECT_SOURCE_DIR}/scripts/gen-vmlinux.sh" "${BINDTRACE_VMLINUX_DIR}/vmlinux.h"
    COMMENT "Generating vmlinux.h from /sys/kernel/btf/vmlinux"
    VERBATIM)
  add_custom_target(bindtrace_vmlinux DEPENDS "${BINDTRACE_VMLINUX_DIR}/vmlinux.h")
endif()

function(bindtrace_bpf_skeleton name)
  cmake_parse_arguments(ARG "" "" "SOURCE;SOURCES;DEPENDS" ${ARGN})
  set(_sources ${ARG_SOURCE} ${ARG_SOURCES})
  if(NOT _sources)
    message(FATAL_ERROR "bindtrace_bpf_skeleton(${name}): SOURCE or SOURCES is required")
  endif()
  set(_outdir "${CMAKE_CURRENT_BINARY_DIR}/bpf")
  set(_obj "${_outdir}/${name}.bpf.o")
  set(_skel "${_outdir}/${name}.skel.h")
  file(MAKE_DIRECTORY "${_outdir}")

  # One clang object per source; several are linked into one BPF object so
  # that their programs share maps and one skeleton.
  set(_parts)
  foreach(_source IN LISTS _sources)
    get_filename_component(_src "${_source}" ABSOLUTE)
    get_filename_component(_stem "${_source}" NAME_WE)
    set(_part "${_outdir}/${name}.${_stem}.o")
    add_custom_command(
      OUTPUT "${_part}"
      COMMAND "${BPF_CLANG}" -g -O2 -Wall -Werror -target bpf
              -D__TARGET_ARCH_${BINDTRACE_BPF_ARCH}
              -I "${BINDTRACE_VMLINUX_DIR}"
              -I "${PROJECT_SOURCE_DIR}/include"
              -I "${PROJECT_SOURCE_DIR}/bpf"
              -MD -MF "${_part}.d"
              -c "${_src}" -o "${_part}"
      DEPENDS "${_src}" "${PROJECT_SOURCE_DIR}/include/bindtrace/abi.h"
              "${BINDTRACE_VMLINUX_DIR}/vmlinux.h" ${ARG_DEPENDS}
      DEPFILE "${_part}.d"
      COMMENT "BPF ${_stem}.bpf.c"
      VERBATIM)
    list(APPEND _parts "${_part}")
  endforeach()

  add_custom_command(
    OUTPUT "${_obj}"
    COMMAND "${BPFTOOL}" gen object "${_obj}" ${_parts}
    DEPENDS ${_parts}
    COMMENT "BPF link ${name}.bpf.o"
    VERBATIM)

  add_custom_command(
    OUTPUT "${_skel}"
    COMMAND "${BPFTOOL}" gen skeleton "${_obj}" name "${name}" > "${_skel}"
    DEPENDS "${_obj}"
    COMMENT "BPF skeleton ${name}.skel.h")

  add_custom_target(${name}_skel_gen DEPENDS "${_skel}")
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE "${_outdir}")
endfunction()
