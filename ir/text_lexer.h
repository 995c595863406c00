// The lexer of the IR text (docs/ir-text.md), internal to ir/: tokens with their line and column,
// so that every parse error can say `file:line:col`. One token at a time; an error is a Status.
#pragma once

#include <string>
#include <string_view>

#include "ir/status.h"

namespace agt::ir::text_syntax {

struct Pos {
  int line = 1;
  int col = 1;
};

enum class Tok { kEnd, kIdent, kValueRef, kString, kInt, kFloat, kPunct };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;   // identifier, value name (no '%'), decoded string, number text or the punctuation
  Pos pos;
};

// "'add'", "'%x'", "string \"abc\"", "end of input": for "expected X, got Y" messages.
std::string DescribeToken(const Token& t);

class Lexer {
 public:
  Lexer(std::string_view src, std::string_view filename) : src_(src), filename_(filename) {}

  // `filename:line:col: message`.
  Status ErrorAt(Pos p, const std::string& message) const;
  // The next token (kind kEnd at the end of the input), or a lexical error.
  Status Next(Token& t);

 private:
  char Peek(size_t k = 0) const { return i_ + k < src_.size() ? src_[i_ + k] : '\0'; }
  bool Match(size_t k, std::string_view word) const;
  void Advance();
  void Retreat();
  void SkipSpaceAndComments();
  Status ReadNumber(Token& t);
  Status ReadQuoted(std::string& out, Pos start, bool is_name);

  std::string_view src_;
  std::string_view filename_;
  size_t i_ = 0;
  Pos pos_;
};

}  // namespace agt::ir::text_syntax
