// learning_curve.cpp: tick placement (hand-worked cases) and the shape of the SVG.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nntrain/run/learning_curve.h"

using namespace nntrain;

namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

void check_ticks(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]));
}

}  // namespace

TEST_CASE("nice ticks use steps of 1, 2 or 5 times a power of ten") {
  check_ticks(nice_ticks(0.13, 0.68, 5), {0.0, 0.2, 0.4, 0.6, 0.8});  // raw step 0.11 -> 0.2
  check_ticks(nice_ticks(1, 100, 6), {0, 20, 40, 60, 80, 100});       // raw 16.5 -> 20
  check_ticks(nice_ticks(0.91, 0.97, 5), {0.9, 0.92, 0.94, 0.96, 0.98});  // raw .012 -> .02
  check_ticks(nice_ticks(3, 7, 4), {3, 4, 5, 6, 7});                  // raw 1 -> 1
  const auto flat = nice_ticks(0.5, 0.5, 5);                           // a flat line still gets a range
  CHECK(flat.front() < 0.5);
  CHECK(flat.back() > 0.5);
}

TEST_CASE("the SVG has both panels, three lines and a legend") {
  std::vector<CurvePoint> pts;
  for (int e = 1; e <= 12; ++e)
    pts.push_back({e, 1.0 / e, 1.2 / e, 0.8 + 0.01 * e});
  const std::string svg = learning_curve_svg(pts, "accuracy");
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(count(svg, "<svg ") == 1);
  CHECK(count(svg, "</svg>") == 1);
  CHECK(count(svg, "<polyline") == 3);
  CHECK(svg.find(">train loss<") != std::string::npos);
  CHECK(svg.find(">validation loss<") != std::string::npos);
  CHECK(svg.find(">validation accuracy<") != std::string::npos);
  CHECK(svg.find(">epoch<") != std::string::npos);
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(count(svg, "<g>") == count(svg, "</g>"));
}

TEST_CASE("without validation only the train loss is drawn") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<CurvePoint> pts = {{1, 0.7, nan, nan}, {2, 0.5, nan, nan}, {3, 0.4, nan, nan}};
  const std::string svg = learning_curve_svg(pts, "r2");
  CHECK(count(svg, "<polyline") == 1);
  CHECK(svg.find("validation") == std::string::npos);
  CHECK(svg.find("nan") == std::string::npos);
}

TEST_CASE("non-finite values leave a gap, one epoch gives a dot") {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<CurvePoint> pts = {{1, 0.7, 0.8, 0.5}, {2, 0.6, 0.7, 0.6}, {3, inf, 0.6, 0.7}, {4, 0.4, 0.5, 0.8},
                                 {5, 0.3, 0.4, 0.9}};
  const std::string svg = learning_curve_svg(pts, "accuracy");
  CHECK(count(svg, "<polyline") == 4);  // train loss in two pieces
  CHECK(svg.find("inf") == std::string::npos);
  const std::string one = learning_curve_svg({{1, 0.7, 0.8, 0.5}}, "accuracy");
  CHECK(count(one, "<circle") == 3);
}
