// The terminal table's parameter columns (varying_axes.hpp).
#include "dynaq/sweep/varying_axes.hpp"

#include <algorithm>

#include "dynaq/sweep/applicability.hpp"

namespace dynaq {

namespace {

constexpr std::size_t kLongestEnvName = 21;  // longer names are cut to 18 characters and "..."

std::string env_cell(const Sweep& sweep, std::uint32_t point) {
  std::string env = sweep.environments[sweep.points[point].environment].name;
  if (env.size() > kLongestEnvName) env = env.substr(0, kLongestEnvName - 3) + "...";
  return env;
}

std::string axis_cell(const Sweep& sweep, std::uint32_t point, std::size_t axis) {
  const std::string shown = shown_field(sweep, point, axis);
  return shown.empty() ? "-" : shown;
}

std::string padded(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

}  // namespace

std::vector<std::size_t> varying_axes(const Sweep& sweep) {
  std::vector<std::size_t> axes;
  const std::size_t env_axis = grid_axis_index("env");
  for (std::size_t a = 0; a < grid_axes().size(); ++a) {
    if (a == env_axis || sweep.points.empty()) continue;
    const std::string first = shown_field(sweep, 0, a);
    for (std::uint32_t p = 1; p < sweep.points.size(); ++p)
      if (shown_field(sweep, p, a) != first) {
        axes.push_back(a);
        break;
      }
  }
  return axes;
}

PointColumns::PointColumns(const Sweep& sweep) : sweep_(sweep), axes_(varying_axes(sweep)) {
  env_width_ = 3;
  for (std::uint32_t p = 0; p < sweep.points.size(); ++p) env_width_ = std::max(env_width_, env_cell(sweep, p).size());
  env_width_ += 2;
  for (const std::size_t a : axes_) {
    std::size_t width = std::string(grid_axes()[a].key).size();
    for (std::uint32_t p = 0; p < sweep.points.size(); ++p) width = std::max(width, axis_cell(sweep, p, a).size());
    widths_.push_back(width + 2);
  }
}

std::string PointColumns::header() const {
  std::string text = padded("env", env_width_);
  for (std::size_t k = 0; k < axes_.size(); ++k) text += padded(grid_axes()[axes_[k]].key, widths_[k]);
  return text;
}

std::string PointColumns::row(std::uint32_t point) const {
  std::string text = padded(env_cell(sweep_, point), env_width_);
  for (std::size_t k = 0; k < axes_.size(); ++k) text += padded(axis_cell(sweep_, point, axes_[k]), widths_[k]);
  return text;
}

}  // namespace dynaq
