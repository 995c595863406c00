# agt_add_library(NAME DIRS dir... DEPS lib...): a static library from every .cpp under the given
# folders (an INTERFACE library while a folder has no sources yet), so adding a file needs no edit.
#
# Include roots enforce the layer order (README, "Layout"): a library sees only its own folders and
# those of the libraries it depends on, never the whole tree. Each library gets a root of its own,
# build/include/NAME, holding a symbolic link per folder (build/include/agt_fusion/compiler/fusion ->
# compiler/fusion), so that `#include "compiler/fusion/dpof.h"` keeps its path while a header of a
# higher layer is simply not found. Dependencies pass their roots on (PUBLIC), so the roots a source
# sees are exactly the layers below it. tests/layering.cmake checks every forbidden edge.
function(agt_include_root name)
  set(root ${PROJECT_BINARY_DIR}/include/${name})
  foreach(d ${ARGN})
    get_filename_component(parent ${root}/${d} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    if(NOT IS_SYMLINK ${root}/${d})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${d} ${root}/${d} SYMBOLIC)
    endif()
  endforeach()
  set(AGT_INCLUDE_ROOT ${root} PARENT_SCOPE)
endfunction()

function(agt_add_library name)
  cmake_parse_arguments(A "" "" "DIRS;DEPS" ${ARGN})
  set(srcs)
  foreach(d ${A_DIRS})
    file(GLOB_RECURSE s CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${d}/*.cpp ${PROJECT_SOURCE_DIR}/${d}/*.cc)
    list(APPEND srcs ${s})
  endforeach()
  agt_include_root(${name} ${A_DIRS})
  if(srcs)
    add_library(${name} STATIC ${srcs})
    target_include_directories(${name} PUBLIC ${AGT_INCLUDE_ROOT})
    target_link_libraries(${name} PUBLIC ${A_DEPS})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${AGT_INCLUDE_ROOT})
    target_link_libraries(${name} INTERFACE ${A_DEPS})
  endif()
endfunction()
