# Shared build settings for our own targets (never for generated code).
function(dt_warnings target)
  # -Wno-restrict: GCC 12 at -O3 (Release) reports false overlaps inside std::string (GCC bug 105651).
  # (GCC only: clang does not know the option, and -Werror makes that an error.)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wno-missing-field-initializers $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  if(DT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# dt_library(name SOURCES ... DEPS ...): a module library with its public headers under include/.
function(dt_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                     PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  dt_warnings(${name})
endfunction()
