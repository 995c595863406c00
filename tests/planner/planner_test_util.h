// Graphs for the planner's tests: a tiny zoo model through the frontend and the pass pipeline.
#pragma once

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "compiler/frontend/onnx_loader.h"
#include "compiler/passes/pipeline.h"
#include "models/zoo.h"

namespace agt::test {

inline std::unique_ptr<ir::Graph> TinyZoo(const std::string& name) {
  models::ZooOptions o;
  o.tiny = true;
  auto m = models::BuildZooModel(name, o);
  REQUIRE(m.ok());
  auto g = frontend::ImportModel(m->proto, "", name);
  REQUIRE(g.ok());
  REQUIRE(passes::RunFrontendPipeline(**g).ok());
  return std::move(g).value();
}

}  // namespace agt::test
