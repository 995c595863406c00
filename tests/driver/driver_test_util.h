// Helpers of the driver tests: zoo models through the real frontend and passes, compiles into a
// temporary folder, and the artifact opened through the C API.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>
#include <stdlib.h>

#include <catch2/catch.hpp>

#include "compiler/driver/driver.h"
#include "compiler/frontend/onnx_loader.h"
#include "compiler/passes/pipeline.h"
#include "models/zoo.h"

namespace agt::test {

inline std::vector<std::string> ZooNames() {
  std::vector<std::string> names;
  for (const models::ZooEntry& e : models::ZooEntries()) names.emplace_back(e.name);
  return names;
}

inline std::unique_ptr<ir::Graph> ZooGraph(const std::string& name, bool tiny) {
  models::ZooOptions o;
  o.tiny = tiny;
  auto m = models::BuildZooModel(name, o);
  if (!m.ok()) FAIL(name << ": " << m.status().message());
  auto g = frontend::ImportModel(m->proto, "", name);
  if (!g.ok()) FAIL(name << ": " << g.status().message());
  auto p = passes::RunFrontendPipeline(**g);
  if (!p.ok()) FAIL(name << ": " << p.status().message());
  return std::move(g).value();
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/agt_driver_test_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string File(const std::string& name) const { return path + "/" + name; }
};

inline driver::CompileOptions Options(ir::Precision p, int jobs = 2) {
  driver::CompileOptions o;
  o.plan.precision = p;
  o.jobs = jobs;
  return o;
}

// Compiles and packs; fails the test on an error.
inline driver::CompileResult CompileTo(const ir::Graph& g, const driver::CompileOptions& o, const std::string& out) {
  auto r = driver::CompileGraph(g, o, g.name() + ".onnx");
  if (!r.ok()) FAIL(g.name() << " (" << ir::PrecisionName(o.plan.precision) << "): " << r.status().message());
  Status s = driver::WriteArtifact(*r, out, o);
  if (!s.ok()) FAIL(out << ": " << s.message());
  return std::move(r).value();
}

}  // namespace agt::test
