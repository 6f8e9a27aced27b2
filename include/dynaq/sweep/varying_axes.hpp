// The parameter columns of the terminal table (results_table): the environment, and every grid
// axis whose value differs between the grid's points, and only those, so that no two rows of
// different points read alike and no column repeats one value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dynaq/sweep/plan.hpp"

namespace dynaq {

// The axes other than env whose shown value (shown_field) is not the same at every point, in
// grid_axes() order.
std::vector<std::size_t> varying_axes(const Sweep& sweep);

// The env column and the varying axes' columns, each as wide as its longest cell.
class PointColumns {
 public:
  explicit PointColumns(const Sweep& sweep);
  std::string header() const;
  // A point's cells; an axis that does not apply at the point reads "-".
  std::string row(std::uint32_t point) const;

 private:
  const Sweep& sweep_;
  std::vector<std::size_t> axes_;
  std::size_t env_width_ = 0;
  std::vector<std::size_t> widths_;  // parallel to axes_
};

}  // namespace dynaq
