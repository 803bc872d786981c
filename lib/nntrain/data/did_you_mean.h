// Did-you-mean suggestions for misspelt names (config keys, activation names, columns):
// edit distance, nothing more. Not a fuzzy matcher for anything else.
#pragma once
#include <string>
#include <vector>

namespace nntrain {

// Edit distance (insert, delete, substitute, swap two neighbours; each costs 1).
size_t edit_distance(const std::string& a, const std::string& b);

// The closest candidate within distance max(1, min(3, |word| / 3)), or "" when none is close.
std::string closest_name(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace nntrain
