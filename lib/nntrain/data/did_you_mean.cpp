// Did-you-mean suggestions; see did_you_mean.h.
#include "nntrain/data/did_you_mean.h"

#include <algorithm>
#include <cctype>

namespace nntrain {

size_t edit_distance(const std::string& a, const std::string& b) {
  // Optimal string alignment: an adjacent transposition ("rleu") costs 1 too.
  const size_t n = a.size(), m = b.size();
  std::vector<size_t> d((n + 1) * (m + 1));
  auto at = [&](size_t i, size_t j) -> size_t& { return d[i * (m + 1) + j]; };
  for (size_t i = 0; i <= n; ++i) at(i, 0) = i;
  for (size_t j = 0; j <= m; ++j) at(0, j) = j;
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
    }
  return at(n, m);
}

std::string closest_name(const std::string& word, const std::vector<std::string>& candidates) {
  std::string lower = word;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const size_t limit = std::max<size_t>(1, std::min<size_t>(3, word.size() / 3));
  size_t best = limit + 1;
  std::string best_name;
  for (const auto& c : candidates) {
    const size_t d = std::min(edit_distance(word, c), edit_distance(lower, c));
    if (d < best) {
      best = d;
      best_name = c;
    }
  }
  // An abbreviation ("val_acc", "lr_sched") is far in edits but unambiguous as a prefix.
  if (best_name.empty() && word.size() >= 3) {
    size_t matches = 0;
    for (const auto& c : candidates)
      if (c.size() > word.size() && (c.compare(0, word.size(), word) == 0 || c.compare(0, lower.size(), lower) == 0)) {
        ++matches;
        best_name = c;
      }
    if (matches != 1) best_name.clear();
  }
  return best_name;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string c = closest_name(word, candidates);
  return c.empty() ? std::string() : " (did you mean '" + c + "'?)";
}

}  // namespace nntrain
