// The structured CUDA source writer.
#include "codegen/cuda_writer.h"

namespace agt::codegen {

void CudaWriter::Line(std::string_view text) {
  out_.append(static_cast<size_t>(depth_) * 2, ' ');
  out_ += text;
  out_ += '\n';
}

void CudaWriter::Comment(std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    Line(line.empty() ? std::string("//") : "// " + std::string(line));
    start = end + 1;
  }
}

CudaWriter::Scope::Scope(CudaWriter& w, std::string_view head, std::string tail) : w_(w), tail_(std::move(tail)) {
  w_.Line(std::string(head) + (head.empty() ? "{" : " {"));
  w_.Indent();
}

CudaWriter::Scope::~Scope() {
  w_.Dedent();
  w_.Line("}" + tail_);
}

std::string CudaWriter::Fresh(std::string_view base) { return fmt::format("{}{}", base, counter_++); }

}  // namespace agt::codegen
