// The learning-curve SVG of learning_curve.h: two panels (loss; main metric), linear axes with
// nice ticks, polylines, a legend. Hand-written SVG 1.1, no scripts, no external fonts.
#include "nntrain/run/learning_curve.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace nntrain {

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0.0, 1.0};
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {  // a flat line: a unit band around it
    const double pad = lo == 0 ? 1.0 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  const double first = std::floor(lo / step + 1e-9) * step;
  const double last = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> ticks;
  for (int i = 0; first + i * step <= last + step * 1e-6 && i < 100; ++i) {
    double t = first + i * step;
    if (std::fabs(t) < step * 1e-9) t = 0;  // no "-0"
    ticks.push_back(t);
  }
  if (ticks.size() < 2) ticks = {first, first + step};
  return ticks;
}

namespace {

struct Series {
  std::string label;
  const char* color;
  const char* dash;  // stroke-dasharray, "" = solid
  std::vector<std::pair<double, double>> xy;  // finite points only; NaN x = gap marker
};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string tick_label(double v, double step) {
  // Enough decimals to tell neighbouring ticks apart, no more.
  int decimals = 0;
  if (step > 0 && step < 1) decimals = std::min(8, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  char buf[64];
  if (std::fabs(v) >= 1e5 || (v != 0 && std::fabs(v) < 1e-4)) std::snprintf(buf, sizeof buf, "%.2g", v);
  else std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// A panel's plot area (x0, y0, w, h inside its margins) and the data ranges its ticks span;
// px/py map an epoch and a value to SVG coordinates.
struct Frame {
  double x0, y0, w, h;
  std::vector<double> xt, yt;  // tick values; the first and last are the axis ends
  double px(double e) const {
    const double lo = xt.front(), hi = xt.back();
    return x0 + (hi > lo ? (e - lo) / (hi - lo) : 0.5) * w;
  }
  double py(double v) const {
    const double lo = yt.front(), hi = yt.back();
    return y0 + h - (hi > lo ? (v - lo) / (hi - lo) : 0.5) * h;
  }
};

Frame frame_of(double x0, double y0, double w, double h, int max_epoch, const std::vector<Series>& series) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : series)
    for (const auto& [x, y] : s.xy) {
      lo = std::min(lo, y);
      hi = std::max(hi, y);
    }
  if (!std::isfinite(lo)) {
    lo = 0;
    hi = 1;
  }
  return {x0, y0, w, h, nice_ticks(max_epoch > 1 ? 1 : 0, std::max(max_epoch, 1), 6), nice_ticks(lo, hi, 5)};
}

std::string dash_attr(const Series& s) {
  return *s.dash ? std::string(" stroke-dasharray=\"") + s.dash + "\"" : std::string();
}

void draw_grid_and_ticks(std::string& svg, const Frame& f) {
  const double ystep = f.yt.size() > 1 ? f.yt[1] - f.yt[0] : 1;
  for (double t : f.yt) {
    const std::string y = fmt("%.1f", f.py(t));
    svg += "<line x1=\"" + fmt("%.1f", f.x0) + "\" y1=\"" + y + "\" x2=\"" + fmt("%.1f", f.x0 + f.w) + "\" y2=\"" + y +
           "\" stroke=\"#e5e5e5\"/>\n";
    svg += "<line x1=\"" + fmt("%.1f", f.x0 - 5) + "\" y1=\"" + y + "\" x2=\"" + fmt("%.1f", f.x0) + "\" y2=\"" + y +
           "\" stroke=\"#333\"/>\n";
    svg += "<text x=\"" + fmt("%.1f", f.x0 - 8) + "\" y=\"" + fmt("%.1f", f.py(t) + 4) +
           "\" text-anchor=\"end\" font-size=\"11\">" + tick_label(t, ystep) + "</text>\n";
  }
  for (double t : f.xt) {
    if (t < f.xt.front()) continue;
    const std::string x = fmt("%.1f", f.px(t));
    svg += "<line x1=\"" + x + "\" y1=\"" + fmt("%.1f", f.y0 + f.h) + "\" x2=\"" + x + "\" y2=\"" +
           fmt("%.1f", f.y0 + f.h + 5) + "\" stroke=\"#333\"/>\n";
    svg += "<text x=\"" + x + "\" y=\"" + fmt("%.1f", f.y0 + f.h + 18) + "\" text-anchor=\"middle\" font-size=\"11\">" +
           tick_label(t, 1) + "</text>\n";
  }
}

void draw_axes(std::string& svg, const Frame& f, const std::string& ylabel) {
  const double x0 = f.x0, y0 = f.y0, w = f.w, h = f.h;
  svg += "<line x1=\"" + fmt("%.1f", x0) + "\" y1=\"" + fmt("%.1f", y0) + "\" x2=\"" + fmt("%.1f", x0) + "\" y2=\"" +
         fmt("%.1f", y0 + h) + "\" stroke=\"#333\"/>\n";
  svg += "<line x1=\"" + fmt("%.1f", x0) + "\" y1=\"" + fmt("%.1f", y0 + h) + "\" x2=\"" + fmt("%.1f", x0 + w) +
         "\" y2=\"" + fmt("%.1f", y0 + h) + "\" stroke=\"#333\"/>\n";
  svg += "<text x=\"" + fmt("%.1f", x0 + w / 2) + "\" y=\"" + fmt("%.1f", y0 + h + 36) +
         "\" text-anchor=\"middle\" font-size=\"12\">epoch</text>\n";
  svg += "<text transform=\"translate(" + fmt("%.1f", x0 - 52) + "," + fmt("%.1f", y0 + h / 2) +
         ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">" + escape(ylabel) + "</text>\n";
}

// One polyline per run of finite points (a NaN point is a gap); a dot when a series has a
// single finite point, which a polyline would not show.
void draw_series(std::string& svg, const Frame& f, const Series& s) {
  std::string pts;
  size_t count = 0;
  auto flush = [&]() {
    if (count > 1)
      svg += std::string("<polyline fill=\"none\" stroke=\"") + s.color + "\" stroke-width=\"2\"" + dash_attr(s) +
             " points=\"" + pts + "\"/>\n";
    pts.clear();
    count = 0;
  };
  for (const auto& [x, y] : s.xy) {
    if (std::isnan(x)) {
      flush();
      continue;
    }
    if (!pts.empty()) pts += ' ';
    pts += fmt("%.1f", f.px(x)) + "," + fmt("%.1f", f.py(y));
    ++count;
  }
  flush();
  size_t finite = 0;
  for (const auto& [x, y] : s.xy) finite += std::isnan(x) ? 0 : 1;
  if (finite == 1)
    for (const auto& [x, y] : s.xy)
      if (!std::isnan(x))
        svg += "<circle cx=\"" + fmt("%.1f", f.px(x)) + "\" cy=\"" + fmt("%.1f", f.py(y)) + "\" r=\"3\" fill=\"" +
               s.color + "\"/>\n";
}

// The legend, top right inside the plot.
void draw_legend(std::string& svg, const Frame& f, const std::vector<Series>& series) {
  size_t longest = 0;
  for (const auto& s : series) longest = std::max(longest, s.label.size());
  const double legend_w = 40 + 7.0 * static_cast<double>(longest);  // ~7 px per character at 12 px
  double ly = f.y0 + 14;
  for (const auto& s : series) {
    const double lx = f.x0 + f.w - legend_w;
    svg += "<rect x=\"" + fmt("%.1f", lx - 6) + "\" y=\"" + fmt("%.1f", ly - 11) + "\" width=\"" +
           fmt("%.0f", legend_w) + "\" height=\"18\" fill=\"white\" fill-opacity=\"0.8\"/>\n";
    svg += std::string("<line x1=\"") + fmt("%.1f", lx) + "\" y1=\"" + fmt("%.1f", ly - 4) + "\" x2=\"" +
           fmt("%.1f", lx + 22) + "\" y2=\"" + fmt("%.1f", ly - 4) + "\" stroke=\"" + s.color +
           "\" stroke-width=\"2\"" + dash_attr(s) + "/>\n";
    svg += "<text x=\"" + fmt("%.1f", lx + 28) + "\" y=\"" + fmt("%.1f", ly) + "\" font-size=\"12\">" +
           escape(s.label) + "</text>\n";
    ly += 18;
  }
}

// One panel at (x0, y0) of size w x h (the plot area inside its margins).
void panel(std::string& svg, double x0, double y0, double w, double h, const std::string& title,
           const std::string& ylabel, int max_epoch, const std::vector<Series>& series) {
  const Frame f = frame_of(x0, y0, w, h, max_epoch, series);
  svg += "<g>\n";
  svg += "<text x=\"" + fmt("%.1f", x0 + w / 2) + "\" y=\"" + fmt("%.1f", y0 - 14) +
         "\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" + escape(title) + "</text>\n";
  draw_grid_and_ticks(svg, f);
  draw_axes(svg, f, ylabel);
  for (const auto& s : series) draw_series(svg, f, s);
  draw_legend(svg, f, series);
  svg += "</g>\n";
}

Series make_series(const std::string& label, const char* color, const char* dash, const std::vector<CurvePoint>& points,
                   double CurvePoint::*field) {
  Series s{label, color, dash, {}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& p : points) {
    const double v = p.*field;
    if (std::isfinite(v)) s.xy.emplace_back(p.epoch, v);
    else if (!s.xy.empty() && !std::isnan(s.xy.back().first)) s.xy.emplace_back(nan, nan);  // a gap
  }
  while (!s.xy.empty() && std::isnan(s.xy.back().first)) s.xy.pop_back();
  return s;
}

bool has_points(const Series& s) { return !s.xy.empty(); }

}  // namespace

std::string learning_curve_svg(const std::vector<CurvePoint>& points, const std::string& metric) {
  int max_epoch = 1;
  for (const auto& p : points) max_epoch = std::max(max_epoch, p.epoch);
  std::vector<Series> loss_series;
  loss_series.push_back(make_series("train loss", "#1f77b4", "", points, &CurvePoint::train_loss));
  Series val = make_series("validation loss", "#d62728", "6,3", points, &CurvePoint::val_loss);
  if (has_points(val)) loss_series.push_back(val);
  Series met = make_series("validation " + metric, "#2ca02c", "", points, &CurvePoint::val_metric);
  const bool show_metric = !metric.empty() && has_points(met);

  const double pw = 420, ph = 280, ml = 70, mt = 40, gap = 110;
  const double width = ml + pw + (show_metric ? gap + pw : 0) + 30;
  const double height = mt + ph + 50;
  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt("%.0f", width) + "\" height=\"" +
         fmt("%.0f", height) + "\" viewBox=\"0 0 " + fmt("%.0f", width) + " " + fmt("%.0f", height) +
         "\" font-family=\"sans-serif\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  panel(svg, ml, mt, pw, ph, "Loss", "loss", max_epoch, loss_series);
  if (show_metric) panel(svg, ml + pw + gap, mt, pw, ph, "Validation " + metric, metric, max_epoch, {met});
  svg += "</svg>\n";
  return svg;
}

}  // namespace nntrain
