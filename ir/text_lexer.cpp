// The IR text lexer (ir/text_lexer.h). Numbers keep their text so that the parser converts them
// at the precision the context asks for (f32 data, f64 attributes, i64); `inf` and `nan` lex as
// floats; a bare value name never ends in ':' so that `%x: f32[4]` needs no space before the colon.
#include "ir/text_lexer.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "ir/text.h"
#include "ir/text_syntax.h"

namespace agt::ir::text_syntax {

namespace {

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

}  // namespace

std::string DescribeToken(const Token& t) {
  switch (t.kind) {
    case Tok::kEnd: return "end of input";
    case Tok::kValueRef: return fmt::format("'{}'", ValueRefText(t.text));
    case Tok::kString: return fmt::format("string {}", QuoteString(t.text));
    default: return fmt::format("'{}'", t.text);
  }
}

Status Lexer::ErrorAt(Pos p, const std::string& message) const {
  return Status::Error(fmt::format("{}:{}:{}: {}", filename_, p.line, p.col, message));
}

Status Lexer::Next(Token& t) {
  SkipSpaceAndComments();
  t = Token{};
  t.pos = pos_;
  if (i_ >= src_.size()) return Status::Ok();
  char c = src_[i_];
  if (c == '%') {
    Advance();
    t.kind = Tok::kValueRef;
    if (Peek() == '"') return ReadQuoted(t.text, t.pos, /*is_name=*/true);
    size_t start = i_;
    while (i_ < src_.size() && text_syntax::IsBareNameChar(src_[i_])) Advance();
    // A name never ends in ':' (the printer quotes such names), so `%x: f32[4]` reads as `%x` `:`.
    while (i_ > start && src_[i_ - 1] == ':') Retreat();
    t.text = std::string(src_.substr(start, i_ - start));
    if (t.text.empty()) return ErrorAt(t.pos, "expected a value name after '%'");
    return Status::Ok();
  }
  if (c == '"') {
    t.kind = Tok::kString;
    return ReadQuoted(t.text, t.pos, /*is_name=*/false);
  }
  if (IsDigit(c) || ((c == '-' || c == '+' || c == '.') && (IsDigit(Peek(1)) || Peek(1) == '.')) ||
      ((c == '-' || c == '+') && (Match(1, "inf") || Match(1, "nan")))) {
    return ReadNumber(t);
  }
  if (IsIdentStart(c)) {
    size_t start = i_;
    while (i_ < src_.size() && IsIdentChar(src_[i_])) Advance();
    t.text = std::string(src_.substr(start, i_ - start));
    t.kind = (t.text == "inf" || t.text == "nan") ? Tok::kFloat : Tok::kIdent;
    return Status::Ok();
  }
  if (std::strchr("(){}[],:=<>", c) != nullptr) {
    Advance();
    t.kind = Tok::kPunct;
    t.text = std::string(1, c);
    return Status::Ok();
  }
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
    return ErrorAt(t.pos, fmt::format("unexpected byte 0x{:02x}", static_cast<unsigned char>(c)));
  }
  return ErrorAt(t.pos, fmt::format("unexpected character '{}'", c));
}

bool Lexer::Match(size_t k, std::string_view word) const {
  return src_.substr(std::min(src_.size(), i_ + k), word.size()) == word &&
         !IsIdentChar(Peek(k + word.size()));
}

void Lexer::Advance() {
  if (src_[i_] == '\n') {
    ++pos_.line;
    pos_.col = 1;
  } else {
    ++pos_.col;
  }
  ++i_;
}

void Lexer::Retreat() {   // only ever steps back over ':' on the same line
  --i_;
  --pos_.col;
}

void Lexer::SkipSpaceAndComments() {
  while (i_ < src_.size()) {
    char c = src_[i_];
    if (c == '#') {
      while (i_ < src_.size() && src_[i_] != '\n') Advance();
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      Advance();
    } else {
      break;
    }
  }
}

Status Lexer::ReadNumber(Token& t) {
  size_t start = i_;
  bool is_float = false;
  if (Peek() == '-' || Peek() == '+') Advance();
  if (Match(0, "inf") || Match(0, "nan")) {
    for (int k = 0; k < 3; ++k) Advance();
    is_float = true;
  } else {
    while (IsDigit(Peek())) Advance();
    if (Peek() == '.') {
      is_float = true;
      Advance();
      while (IsDigit(Peek())) Advance();
    }
    if ((Peek() == 'e' || Peek() == 'E') &&
        (IsDigit(Peek(1)) || ((Peek(1) == '-' || Peek(1) == '+') && IsDigit(Peek(2))))) {
      is_float = true;
      Advance();
      if (Peek() == '-' || Peek() == '+') Advance();
      while (IsDigit(Peek())) Advance();
    }
  }
  t.text = std::string(src_.substr(start, i_ - start));
  if (IsIdentChar(Peek()) || Peek() == '.') {
    while (i_ < src_.size() && (IsIdentChar(Peek()) || Peek() == '.')) Advance();
    return ErrorAt(t.pos, fmt::format("malformed number '{}'", src_.substr(start, i_ - start)));
  }
  t.kind = is_float ? Tok::kFloat : Tok::kInt;
  return Status::Ok();
}

Status Lexer::ReadQuoted(std::string& out, Pos start, bool is_name) {
  Advance();   // opening quote
  out.clear();
  while (true) {
    if (i_ >= src_.size() || src_[i_] == '\n') return ErrorAt(start, "unterminated string");
    char c = src_[i_];
    if (c == '"') {
      Advance();
      break;
    }
    if (c != '\\') {
      out += c;
      Advance();
      continue;
    }
    Pos esc = pos_;
    Advance();
    char e = Peek();
    if (e == '\0') return ErrorAt(start, "unterminated string");
    Advance();
    switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'x': {
        auto hex = [](char h) -> int {
          if (h >= '0' && h <= '9') return h - '0';
          if (h >= 'a' && h <= 'f') return h - 'a' + 10;
          if (h >= 'A' && h <= 'F') return h - 'A' + 10;
          return -1;
        };
        int hi = hex(Peek()), lo = hex(Peek(1));
        if (hi < 0 || lo < 0) return ErrorAt(esc, "\\x must be followed by two hex digits");
        Advance();
        Advance();
        out += static_cast<char>(hi * 16 + lo);
        break;
      }
      default:
        if (static_cast<unsigned char>(e) < 0x20 || static_cast<unsigned char>(e) >= 0x7f) {
          return ErrorAt(esc, fmt::format("unknown escape: byte 0x{:02x} after '\\'", static_cast<unsigned char>(e)));
        }
        return ErrorAt(esc, fmt::format("unknown escape '\\{}'", e));
    }
  }
  if (is_name && out.empty()) return ErrorAt(start, "empty value name");
  return Status::Ok();
}

}  // namespace agt::ir::text_syntax
