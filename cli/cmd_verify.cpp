// `autogtco verify MODEL.so`: checks a compiled artifact completely on any machine, no GPU: every byte
// of the runtime code before the payload against the pack footer, the container and each section, and
// the weights (embedded or the side file) read in full; then prints its metadata. run and bench do the
// code check before they hand the file to the dynamic loader (a flipped byte in .dynamic crashes
// inside the system loader, before any check of ours could run): verify-then-load.
#include <fmt/format.h>

#include "cli/commands.h"
#include "ir/input_file.h"
#include "runtime/artifact_reader.h"
#include "runtime/metadata_json.h"

namespace agt::cli {

namespace {

Status Verify(const std::string& path) {
  AGT_RETURN_IF_ERROR(ir::CheckRegularFile(path));
  runtime::Result<runtime::OpenedArtifact> a = runtime::VerifyArtifactFile(path);
  if (!a.ok()) return Status::Error(a.status().message());
  const runtime::ArtifactMetadata& m = a->contents.metadata;
  fmt::print("{}: ok (runtime code, container and sections, {} bytes of {} weights)\n", path, m.weight_bytes,
             m.weights_mode == runtime::WeightsMode::kEmbedded ? "embedded" : "external");
  fmt::print("{}\n", runtime::MetadataJson(a->contents));
  return Status::Ok();
}

}  // namespace

void AddVerifyCommand(CLI::App& app, CommandContext& ctx) {
  auto path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("verify", "Check a compiled .so completely (code, container, weights; no GPU) and print its metadata");
  cmd->add_option("artifact", *path, "The compiled .so")->required();
  cmd->callback([path, &ctx] { Finish(ctx, "verify", Verify(*path)); });
}

}  // namespace agt::cli
