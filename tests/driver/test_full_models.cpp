// The nine full-size zoo models compile (fp16 and fp32) to artifacts that open and report their
// metadata, weights in a side file that is deleted after each model to keep the disk low. Hidden
// ([.full]): ctest runs it as its own entry labelled `full` (ctest -L full), since it takes minutes.
#include <chrono>

#include <autogtco/runtime.h>
#include <fmt/format.h>

#include "tests/driver/driver_test_util.h"

using namespace agt;
using namespace agt::test;
using ir::Precision;

TEST_CASE("driver: the nine full-size zoo models compile in fp16 and fp32", "[.full][driver]") {
  TempDir dir;
  std::string table;
  auto t_all = std::chrono::steady_clock::now();
  for (const std::string& name : ZooNames()) {
    auto t0 = std::chrono::steady_clock::now();
    auto g = ZooGraph(name, /*tiny=*/false);
    double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (Precision p : {Precision::kFP16, Precision::kFP32}) {
      INFO(name << " " << ir::PrecisionName(p));
      auto t1 = std::chrono::steady_clock::now();
      driver::CompileOptions o = Options(p, 0);
      o.weights = runtime::WeightsMode::kExternal;
      std::string so = dir.File(name + ".so");
      driver::CompileResult r = CompileTo(*g, o, so);
      double compile_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
      agt_model* m = nullptr;
      REQUIRE(agt_model_open_file(so.c_str(), &m) == AGT_OK);
      CHECK(std::string(agt_model_precision(m)) == ir::PrecisionName(p));
      CHECK(agt_model_weight_bytes(m) == r.summary.weight_bytes);
      CHECK(agt_model_num_outputs(m) == static_cast<int>(g->outputs().size()));
      agt_model_destroy(m);
      CHECK(r.summary.fallback_tasks == 0);
      table += fmt::format("{:<18} {:<5} {:>3} groups {:>3} tasks  arena {:>10} (no reuse {:>10})  weights {:>10}  "
                           "model {:5.1f} s  compile {:5.1f} s\n",
                           name, ir::PrecisionName(p), r.summary.phases, r.summary.tasks,
                           driver::FormatBytes(r.summary.arena_bytes), driver::FormatBytes(r.summary.intermediate_bytes),
                           driver::FormatBytes(r.summary.weight_bytes), build_s, compile_s);
      std::filesystem::remove(so);
      std::filesystem::remove(dir.File(name + ".weights"));
    }
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_all).count();
  WARN("full-size compiles (" << fmt::format("{:.0f}", total) << " s in all):\n" << table);
}
