// Writes the artifact's metadata as JSON; see metadata_json.h.
#include "runtime/metadata_json.h"

#include <cstdio>

namespace agt::runtime {
namespace {

std::string TensorsJson(const std::vector<TensorInfo>& tensors) {
  std::string out = "[";
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorInfo& t = tensors[i];
    if (i > 0) out += ", ";
    out += "{\"name\": " + JsonQuote(t.name) + ", \"dtype\": \"" + DTypeName(t.dtype) + "\", \"shape\": [";
    for (size_t d = 0; d < t.shape.size(); ++d) out += (d ? ", " : "") + std::to_string(t.shape[d]);
    out += "], \"bytes\": " + std::to_string(t.size_bytes()) + "}";
  }
  return out + "]";
}

}  // namespace

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string MetadataJson(const ArtifactContents& c) {
  const ArtifactMetadata& m = c.metadata;
  std::string out = "{";
  out += "\"format_version\": " + std::to_string(kFormatVersion);
  out += ", \"model\": " + JsonQuote(m.model_name);
  out += ", \"compiler_version\": " + JsonQuote(m.compiler_version);
  out += ", \"precision\": " + JsonQuote(m.precision);
  out += ", \"arch\": " + JsonQuote(m.arch);
  out += ", \"arena_bytes\": " + std::to_string(m.arena_bytes);
  out += ", \"weight_bytes\": " + std::to_string(m.weight_bytes);
  out += ", \"weights\": \"" + std::string(WeightsModeName(m.weights_mode)) + "\"";
  if (m.weights_mode == WeightsMode::kExternal) out += ", \"weights_file\": " + JsonQuote(m.weights_file);
  out += ", \"modules\": " + std::to_string(c.modules.size());
  out += ", \"kernels\": " + std::to_string(c.kernels.size());
  out += ", \"launches\": " + std::to_string(c.launches.size());
  out += ", \"tensor_maps\": " + std::to_string(c.tensor_maps.size());
  out += ", \"inputs\": " + TensorsJson(c.inputs);
  out += ", \"outputs\": " + TensorsJson(c.outputs);
  out += ", \"properties\": {";
  for (size_t i = 0; i < m.properties.size(); ++i) {
    out += (i ? ", " : "") + JsonQuote(m.properties[i].first) + ": " + JsonQuote(m.properties[i].second);
  }
  return out + "}}";
}

}  // namespace agt::runtime
