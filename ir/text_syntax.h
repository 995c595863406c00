// Lexical rules of the IR text that the printer (ir/text.cpp) and the parser (ir/text_parser.cpp)
// must agree on. Internal to ir/.
#pragma once

#include <string>
#include <string_view>

namespace agt::ir::text_syntax {

// Characters of a bare value name after '%': [A-Za-z0-9_.:/-]. Other names are quoted.
bool IsBareNameChar(char c);
// A double-quoted string with \" \\ \n \t \r and \xHH escapes.
std::string QuoteString(std::string_view s);
// The shortest text that parses back to the same f32 ("nan" for every NaN).
std::string FloatText(float v);

}  // namespace agt::ir::text_syntax
