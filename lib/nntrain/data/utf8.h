// UTF-8 checks for text that reaches JSON, YAML or the terminal: CSV lines and config text are
// validated as read, so a Latin-1 export is a data/config error at its line and column rather
// than a JSON library's exception when a name or label is written into model.bin or metrics.json.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace nntrain {

// Byte offset of the first byte of `s` that is not part of a well-formed UTF-8 sequence (as
// RFC 3629 and nlohmann/json read it: no overlong forms, no surrogates, nothing past U+10FFFF),
// or std::string_view::npos when all of `s` is valid.
size_t invalid_utf8_at(std::string_view s);

// 1-based column in characters of byte offset `at`, counting the (valid) characters before it.
long utf8_column(std::string_view s, size_t at);

// "invalid UTF-8 (byte 0xE9): ..." for the bad byte at `at`: says the text must be UTF-8 and how
// to convert it (`what` names the kind of file, e.g. "the CSV file").
std::string invalid_utf8_message(std::string_view s, size_t at, const std::string& what);

// `s` with every byte of an invalid sequence written as \xNN, for quoting user text (a command
// line argument, a path) in an error line that must itself be valid UTF-8.
std::string printable_utf8(std::string_view s);

}  // namespace nntrain
