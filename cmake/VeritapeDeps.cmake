# VeritapeDeps.cmake -- third-party dependencies of veritape.
#
# Included by the root CMakeLists.txt *and* installed next to
# veritapeConfig.cmake, so that a consumer doing find_package(veritape) gets the
# very same imported targets that the exported veritape targets refer to:
#
#   nlohmann_json::nlohmann_json   (find_package, CONFIG)
#   Boost::headers                 (find_package(Boost CONFIG))
#   rapidcheck                     (find_package(rapidcheck CONFIG))
#   vt_dep::gmp vt_dep::mpfr vt_dep::mpfi   (find_library/find_path)
#   vt_dep::openblas               (pkg-config 'openblas', else find_library)
#   vt_dep::z3                     (find_package(Z3 CONFIG), else find_library)
#   ZLIB::ZLIB                     (find_package(ZLIB), CMake's FindZLIB)
#
# Nothing here is fatal: every dependency that cannot be found is appended to
# VT_DEPS_MISSING and the includer decides what to do (the root configure stops
# with a FATAL_ERROR, the package config sets veritape_FOUND to FALSE).
#
# Safe to include more than once (targets are only created if absent).

include_guard(DIRECTORY)

set(VT_DEPS_MISSING "")

# --- JSON (spec) -------------------------------------------------------------
if(NOT TARGET nlohmann_json::nlohmann_json)
  find_package(nlohmann_json 3 CONFIG QUIET)
endif()
if(NOT TARGET nlohmann_json::nlohmann_json)
  list(APPEND VT_DEPS_MISSING "nlohmann_json (apt: nlohmann-json3-dev)")
endif()

# --- Boost headers (reference: Boost.Multiprecision) -------------------------
if(NOT TARGET Boost::headers)
  find_package(Boost 1.74 CONFIG QUIET COMPONENTS headers)
endif()
if(NOT TARGET Boost::headers)
  list(APPEND VT_DEPS_MISSING "Boost headers >= 1.74 (apt: libboost-dev)")
endif()

# --- GMP / MPFR / MPFI (reference: exact and interval arithmetic) ------------
# _vt_find_c_library(<name> <header> <lib> <apt-package> [<link deps>...])
macro(_vt_find_c_library _name _header _lib _apt)
  if(NOT TARGET vt_dep::${_name})
    string(TOUPPER "${_name}" _VT_UP)
    find_path(VT_${_VT_UP}_INCLUDE_DIR NAMES ${_header})
    find_library(VT_${_VT_UP}_LIBRARY NAMES ${_lib})
    mark_as_advanced(VT_${_VT_UP}_INCLUDE_DIR VT_${_VT_UP}_LIBRARY)
    if(VT_${_VT_UP}_INCLUDE_DIR AND VT_${_VT_UP}_LIBRARY)
      add_library(vt_dep::${_name} UNKNOWN IMPORTED)
      set_target_properties(vt_dep::${_name} PROPERTIES
        IMPORTED_LOCATION "${VT_${_VT_UP}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${VT_${_VT_UP}_INCLUDE_DIR}")
      foreach(_vt_dep IN ITEMS ${ARGN})
        if(TARGET vt_dep::${_vt_dep})
          set_property(TARGET vt_dep::${_name} APPEND PROPERTY
            INTERFACE_LINK_LIBRARIES vt_dep::${_vt_dep})
        endif()
      endforeach()
    else()
      list(APPEND VT_DEPS_MISSING "${_name} (header ${_header}, library ${_lib}; apt: ${_apt})")
    endif()
    unset(_VT_UP)
  endif()
endmacro()

_vt_find_c_library(gmp  gmp.h  gmp  libgmp-dev)
_vt_find_c_library(mpfr mpfr.h mpfr libmpfr-dev gmp)
_vt_find_c_library(mpfi mpfi.h mpfi libmpfi-dev mpfr gmp)

# --- OpenBLAS (runtime) -------------------------------------------------------
# Debian's reference BLAS is much slower; we insist on OpenBLAS itself.
if(NOT TARGET vt_dep::openblas)
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(VT_PC_OPENBLAS QUIET openblas)
  endif()
  find_path(VT_OPENBLAS_INCLUDE_DIR NAMES cblas.h
            HINTS ${VT_PC_OPENBLAS_INCLUDE_DIRS}
            PATH_SUFFIXES openblas openblas-pthread x86_64-linux-gnu/openblas-pthread)
  find_library(VT_OPENBLAS_LIBRARY NAMES openblas
               HINTS ${VT_PC_OPENBLAS_LIBRARY_DIRS})
  mark_as_advanced(VT_OPENBLAS_INCLUDE_DIR VT_OPENBLAS_LIBRARY)
  if(VT_OPENBLAS_INCLUDE_DIR AND VT_OPENBLAS_LIBRARY)
    add_library(vt_dep::openblas UNKNOWN IMPORTED)
    set_target_properties(vt_dep::openblas PROPERTIES
      IMPORTED_LOCATION "${VT_OPENBLAS_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${VT_OPENBLAS_INCLUDE_DIR}")
  else()
    list(APPEND VT_DEPS_MISSING "OpenBLAS (cblas.h + libopenblas; apt: libopenblas-dev)")
  endif()
endif()

# --- zlib (runtime: NPZ archives, deflate + CRC-32) ----------------------------
if(NOT TARGET ZLIB::ZLIB)
  find_package(ZLIB QUIET)
endif()
if(NOT TARGET ZLIB::ZLIB)
  list(APPEND VT_DEPS_MISSING "zlib (apt: zlib1g-dev)")
endif()

# --- Z3 (contracts) -------------------------------------------------------------
if(NOT TARGET vt_dep::z3)
  find_package(Z3 CONFIG QUIET)
  if(TARGET z3::libz3)
    add_library(vt_dep::z3 INTERFACE IMPORTED)
    set_target_properties(vt_dep::z3 PROPERTIES INTERFACE_LINK_LIBRARIES z3::libz3)
  else()
    find_path(VT_Z3_INCLUDE_DIR NAMES z3++.h PATH_SUFFIXES z3)
    find_library(VT_Z3_LIBRARY NAMES z3 libz3)
    mark_as_advanced(VT_Z3_INCLUDE_DIR VT_Z3_LIBRARY)
    if(VT_Z3_INCLUDE_DIR AND VT_Z3_LIBRARY)
      add_library(vt_dep::z3 UNKNOWN IMPORTED)
      set_target_properties(vt_dep::z3 PROPERTIES
        IMPORTED_LOCATION "${VT_Z3_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${VT_Z3_INCLUDE_DIR}")
    else()
      list(APPEND VT_DEPS_MISSING "Z3 (z3++.h + libz3; apt: libz3-dev)")
    endif()
  endif()
endif()

# --- RapidCheck (proptests) -----------------------------------------------------
if(NOT TARGET rapidcheck)
  find_package(rapidcheck CONFIG QUIET)
endif()
if(NOT TARGET rapidcheck)
  list(APPEND VT_DEPS_MISSING "RapidCheck (apt: librapidcheck-dev)")
endif()
