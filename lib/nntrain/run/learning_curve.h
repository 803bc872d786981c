// learning_curve.svg: train and validation loss per epoch (left panel) and the main
// validation metric (right panel), as a plain hand-written SVG with axes, ticks and a legend.
// Text only: no file I/O here, no plotting library.
#pragma once
#include <string>
#include <vector>

namespace nntrain {

struct CurvePoint {
  int epoch = 0;
  double train_loss = 0;
  double val_loss = 0;    // NaN when there is no validation set
  double val_metric = 0;  // NaN when there is no validation set
};

// `metric` names the right panel (e.g. "accuracy"); empty or all-NaN values leave it out.
// Non-finite values are skipped (a gap in the line).
std::string learning_curve_svg(const std::vector<CurvePoint>& points, const std::string& metric);

// "Nice" axis ticks covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about `target`
// of them (the first <= lo, the last >= hi).
std::vector<double> nice_ticks(double lo, double hi, int target);

}  // namespace nntrain
