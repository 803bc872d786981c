// Small output helpers shared by the commands: CSV quoting, round-trip float text, and
// writing a command's whole output to stdout or atomically to a file. No parsing here.
#pragma once
#include <string>

// `s` as one CSV field: quoted (with "" for ") when it holds a comma, quote, CR/LF or
// leading/trailing space; as is otherwise.
std::string csv_field(const std::string& s);
// The shortest text that reads back as the same float (std::to_chars).
void append_float(std::string& out, float v);
// The shortest text that reads back as the same double.
void append_double(std::string& out, double v);
// path "-" = stdout; otherwise write_file_atomic (no half-written file on failure).
void write_output(const std::string& path, const std::string& text);
