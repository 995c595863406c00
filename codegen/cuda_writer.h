// A small structured writer for CUDA C++ source: lines at the current indentation, scopes that open
// with a brace and close on destruction, and fresh names. Every emitter writes through it, so the
// generated kernels are uniformly indented and readable.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace agt::codegen {

class CudaWriter {
 public:
  // One line at the current indentation.
  void Line(std::string_view text);
  template <typename... Args>
  void Linef(fmt::format_string<Args...> f, Args&&... args) {
    Line(fmt::format(f, std::forward<Args>(args)...));
  }
  void Blank() { out_ += '\n'; }
  // Raw text, as is (for preludes written as literals).
  void Raw(std::string_view text) { out_ += text; }
  // `// ...` comment lines, one per line of `text`.
  void Comment(std::string_view text);

  // `head {` ... `}` (tail appended after the brace, e.g. ";").
  class Scope {
   public:
    Scope(CudaWriter& w, std::string_view head, std::string tail = "");
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    CudaWriter& w_;
    std::string tail_;
  };
  Scope Block(std::string_view head, std::string tail = "") { return Scope(*this, head, std::move(tail)); }

  // `head {` and the matching `}` for scopes that do not follow C++ scoping.
  void Open(std::string_view head) {
    Line(std::string(head) + " {");
    Indent();
  }
  void Close(std::string_view tail = "") {
    Dedent();
    Line("}" + std::string(tail));
  }
  void Indent() { ++depth_; }
  void Dedent() { --depth_; }
  // A name not handed out before: "<base><n>".
  std::string Fresh(std::string_view base);

  const std::string& str() const { return out_; }

 private:
  std::string out_;
  int depth_ = 0;
  int counter_ = 0;
};

}  // namespace agt::codegen
