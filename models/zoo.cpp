// The zoo table: each paper model's configuration, full size and tiny, and the family that builds it.
#include "models/zoo.h"

#include <array>
#include <cctype>

#include <fmt/format.h>

#include "models/detr.h"
#include "models/setr.h"
#include "models/vit.h"

namespace agt::models {
namespace {

constexpr std::array<ZooEntry, 9> kZoo = {{
    {"vit-base-16", "ViT-Base-16", "timm vit_base_patch16_224: 224x224, 197 tokens, 12 x 768, 12 heads"},
    {"vit-large-16", "ViT-Large-16", "timm vit_large_patch16_224: 224x224, 197 tokens, 24 x 1024, 16 heads"},
    {"vit-huge-14", "ViT-Huge-14", "timm vit_huge_patch14_224: 224x224, 257 tokens, 32 x 1280, 16 heads"},
    {"setr-naive-base", "SETR-Naive-Base", "ViT-Base at 384x384 (576 tokens) + naive head, 150 classes"},
    {"setr-naive", "SETR-Naive", "ViT-Large at 384x384 (576 tokens) + naive head, 150 classes"},
    {"setr-pup", "SETR-PUP", "ViT-Large at 384x384 (576 tokens) + PUP head, 150 classes"},
    {"detr-resnet50-e3", "DETR-ResNet50-E3", "ResNet-50 C5, 800x1333 (1050 tokens), 3 encoder + 6 decoder layers"},
    {"detr-resnet50-e6", "DETR-ResNet50-E6", "ResNet-50 C5, 800x1333 (1050 tokens), 6 encoder + 6 decoder layers"},
    {"detr-resnet50-e12", "DETR-ResNet50-E12", "ResNet-50 C5, 800x1333 (1050 tokens), 12 encoder + 6 decoder layers"},
}};

ViTConfig ViT(int64_t image, int64_t patch, int64_t embed, int64_t depth, int64_t heads, int64_t classes) {
  ViTConfig c;
  c.image = image;
  c.patch = patch;
  c.embed = embed;
  c.depth = depth;
  c.heads = heads;
  c.mlp = 4 * embed;
  c.num_classes = classes;
  return c;
}

// Tiny versions keep each model's structure and its distinguishing trait (head size, patch size,
// head type) at 2 layers (DETR: 1, 2 or 4 encoder layers, 2 decoder layers) and a width of 64-80,
// with images of 28-96 pixels.
// ViT-Huge keeps the 1000-class head like the other two (632.0M parameters, the paper's 632M);
// timm's vit_huge_patch14_224 defaults to its in21k config without one, BASELINES.md's 630.8M.
ViTConfig VitFor(std::string_view name, bool tiny) {
  if (name == "vit-base-16") return tiny ? ViT(32, 8, 64, 2, 2, 10) : ViT(224, 16, 768, 12, 12, 1000);
  if (name == "vit-large-16") return tiny ? ViT(32, 8, 64, 2, 4, 10) : ViT(224, 16, 1024, 24, 16, 1000);
  return tiny ? ViT(28, 7, 80, 2, 2, 10) : ViT(224, 14, 1280, 32, 16, 1000);
}

SetrConfig SetrFor(std::string_view name, bool tiny) {
  SetrConfig c;
  bool base = name == "setr-naive-base";
  c.head = name == "setr-pup" ? SetrConfig::Head::kPup : SetrConfig::Head::kNaive;
  if (tiny) {
    c.vit = ViT(64, 16, 64, 2, base ? 2 : 4, 0);
    c.head_channels = 32;
    c.num_classes = 5;
  } else {
    c.vit = base ? ViT(384, 16, 768, 12, 12, 0) : ViT(384, 16, 1024, 24, 16, 0);
  }
  return c;
}

DetrConfig DetrFor(std::string_view name, bool tiny) {
  DetrConfig c;
  c.encoder_layers = name == "detr-resnet50-e3" ? 3 : name == "detr-resnet50-e6" ? 6 : 12;
  if (tiny) {
    c.backbone.stem = 8;
    c.backbone.widths = {4, 8, 16, 32};
    c.backbone.blocks = {1, 1, 1, 1};
    c.height = 64;
    c.width = 96;   // not square, so that a transposed H and W shows
    c.d_model = 64;
    c.heads = 2;
    c.ffn = 128;
    c.encoder_layers = c.encoder_layers / 3;   // 1, 2, 4: the three stay distinct
    c.decoder_layers = 2;
    c.num_queries = 10;
  }
  return c;
}

}  // namespace

std::span<const ZooEntry> ZooEntries() { return kZoo; }

std::optional<std::string_view> CanonicalZooName(std::string_view name) {
  auto same = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
    }
    return true;
  };
  for (const ZooEntry& e : kZoo) {
    if (same(name, e.name) || same(name, e.title)) return e.name;
  }
  return std::nullopt;
}

Expected<BuiltModel> BuildZooModel(std::string_view requested, const ZooOptions& o) {
  const std::string_view name = CanonicalZooName(requested).value_or(requested);
  std::string graph = std::string(name) + (o.tiny ? "-tiny" : "");
  if (name.starts_with("vit-")) {
    for (std::string_view n : {"vit-base-16", "vit-large-16", "vit-huge-14"}) {
      if (name == n) return BuildViT(VitFor(name, o.tiny), graph, o.seed, o.materialize);
    }
  } else if (name.starts_with("setr-")) {
    for (std::string_view n : {"setr-naive-base", "setr-naive", "setr-pup"}) {
      if (name == n) return BuildSetr(SetrFor(name, o.tiny), graph, o.seed, o.materialize);
    }
  } else if (name.starts_with("detr-")) {
    for (std::string_view n : {"detr-resnet50-e3", "detr-resnet50-e6", "detr-resnet50-e12"}) {
      if (name == n) return BuildDetr(DetrFor(name, o.tiny), graph, o.seed, o.materialize);
    }
  }
  std::string known;
  for (const ZooEntry& e : kZoo) known += (known.empty() ? "" : ", ") + std::string(e.name);
  return Status::Errorf("unknown zoo model '{}' (known: {})", requested, known);
}

std::string InputShapes(const onnx::ModelProto& model) {
  std::string out;
  for (const auto& in : model.graph().input()) {
    if (!out.empty()) out += ",";
    std::string dims;
    for (const auto& d : in.type().tensor_type().shape().dim()) {
      dims += (dims.empty() ? "" : "x") + std::to_string(d.dim_value());
    }
    out += dims;
  }
  return out;
}

}  // namespace agt::models
