# The layer order of README's layout table, checked: for every library and every header of a layer it
# may not see, a probe source that includes the header must fail to compile with "No such file"
# (cmake/AgtLibrary.cmake gives each library only the include roots of the layers below it). A few
# allowed edges are probed the same way and must compile, so that a broken probe cannot pass as a
# refusal. The probes are object libraries outside `all`; each test builds one.
#
#   ir <- frontend, passes <- fusion, tasks <- codegen <- planner <- records <- costmodel <- driver, tuner <- cli
#   runtime stands alone; plan (the memory plan) sits on ir; models (the zoo) on ir.

# One header of each library, and its rank in the order (same rank: siblings that may not see each
# other, except the listed allowed pairs).
set(AGT_LAYER_LIBS agt_ir agt_passes agt_frontend agt_fusion agt_tasks agt_plan agt_codegen agt_planner agt_records
    agt_costmodel agt_driver agt_tuner agt_runtime)
set(AGT_LAYER_HEADER_agt_ir ir/graph.h)
set(AGT_LAYER_HEADER_agt_passes compiler/passes/pipeline.h)
set(AGT_LAYER_HEADER_agt_frontend compiler/frontend/onnx_loader.h)
set(AGT_LAYER_HEADER_agt_fusion compiler/fusion/dpof.h)
set(AGT_LAYER_HEADER_agt_tasks compiler/tasks/task.h)
set(AGT_LAYER_HEADER_agt_plan compiler/plan/memory_plan.h)
set(AGT_LAYER_HEADER_agt_codegen codegen/program.h)
set(AGT_LAYER_HEADER_agt_planner compiler/planner/plan_model.h)
set(AGT_LAYER_HEADER_agt_records records/tuning_log.h)
set(AGT_LAYER_HEADER_agt_costmodel costmodel/model_file.h)
set(AGT_LAYER_HEADER_agt_driver compiler/driver/driver.h)
set(AGT_LAYER_HEADER_agt_tuner tuner/tuner.h)
set(AGT_LAYER_HEADER_agt_runtime runtime/cuda_driver.h)
set(AGT_LAYER_HEADER_cli cli/commands.h)
# What each library may include besides itself (the layers below it in the order).
set(AGT_LAYER_SEES_agt_ir "")
set(AGT_LAYER_SEES_agt_runtime "")
set(AGT_LAYER_SEES_agt_passes agt_ir)
set(AGT_LAYER_SEES_agt_frontend agt_ir agt_passes)
set(AGT_LAYER_SEES_agt_fusion agt_ir)
set(AGT_LAYER_SEES_agt_tasks agt_ir agt_fusion)
set(AGT_LAYER_SEES_agt_plan agt_ir)
set(AGT_LAYER_SEES_agt_codegen agt_ir agt_passes agt_frontend agt_fusion agt_tasks)
set(AGT_LAYER_SEES_agt_planner agt_ir agt_passes agt_frontend agt_fusion agt_tasks agt_codegen agt_plan agt_runtime)
set(AGT_LAYER_SEES_agt_records agt_ir agt_passes agt_frontend agt_fusion agt_tasks agt_codegen agt_plan agt_planner
    agt_runtime)
set(AGT_LAYER_SEES_agt_costmodel ${AGT_LAYER_SEES_agt_records} agt_records)
set(AGT_LAYER_SEES_agt_driver agt_ir agt_passes agt_frontend agt_fusion agt_tasks agt_codegen agt_plan agt_planner
    agt_records agt_costmodel agt_runtime)
set(AGT_LAYER_SEES_agt_tuner ${AGT_LAYER_SEES_agt_driver})
list(REMOVE_ITEM AGT_LAYER_SEES_agt_tuner agt_plan)

set(AGT_PROBE_DIR ${PROJECT_BINARY_DIR}/layer_probes)
file(MAKE_DIRECTORY ${AGT_PROBE_DIR})

# agt_layer_probe(LIB HEADER EXPECT_FAIL): a test that compiles `#include "HEADER"` as a source of LIB.
function(agt_layer_probe lib header expect_fail)
  string(MAKE_C_IDENTIFIER "probe_${lib}_${header}" target)
  set(src ${AGT_PROBE_DIR}/${target}.cpp)
  file(CONFIGURE OUTPUT ${src} CONTENT "// Layering probe: ${lib} including ${header}.\n#include \"${header}\"\n")
  add_library(${target} OBJECT EXCLUDE_FROM_ALL ${src})
  target_link_libraries(${target} PRIVATE ${lib})
  if(expect_fail)
    set(name "layers: ${lib} cannot include ${header}")
  else()
    set(name "layers: ${lib} may include ${header}")
  endif()
  if(CMAKE_GENERATOR MATCHES "Makefiles")
    # TARGET/fast compiles the probe alone, without re-checking the libraries it links.
    add_test(NAME ${name} COMMAND ${CMAKE_MAKE_PROGRAM} -C ${PROJECT_BINARY_DIR} ${target}/fast)
  else()
    add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target ${target})
    set_tests_properties(${name} PROPERTIES RESOURCE_LOCK agt_build_tree)   # builds of one tree, one at a time
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  if(expect_fail)
    set_tests_properties(${name} PROPERTIES PASS_REGULAR_EXPRESSION "${header}: No such file or directory")
  endif()
endfunction()

foreach(lib ${AGT_LAYER_LIBS})
  foreach(other ${AGT_LAYER_LIBS} cli)
    if(other STREQUAL lib)
      continue()
    endif()
    list(FIND AGT_LAYER_SEES_${lib} ${other} allowed)
    if(allowed EQUAL -1)
      agt_layer_probe(${lib} ${AGT_LAYER_HEADER_${other}} TRUE)
    endif()
  endforeach()
endforeach()

# Allowed edges, which must compile: the probe mechanism itself works.
agt_layer_probe(agt_driver compiler/planner/plan_model.h FALSE)
agt_layer_probe(agt_tuner records/tuning_log.h FALSE)
agt_layer_probe(agt_driver costmodel/model_file.h FALSE)
agt_layer_probe(agt_planner codegen/program.h FALSE)
agt_layer_probe(agt_tasks compiler/fusion/dpof.h FALSE)
