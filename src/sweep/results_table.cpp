// The short table `dynaq run` and `dynaq merge` print (results.hpp).
#include <algorithm>
#include <iomanip>
#include <sstream>

#include "dynaq/sweep/results.hpp"
#include "dynaq/sweep/time_axis.hpp"
#include "dynaq/sweep/varying_axes.hpp"

namespace dynaq {

std::string results_table(const Sweep& sweep, const WrittenResults& results) {
  const RunBudget& b = sweep.budget;
  const std::uint32_t seeds = sweep.spec.seeds;
  // A few moments worth reading: 1, 2, 3, 5, 10, 20, 50, ... and the last.
  std::vector<std::uint64_t> marks;
  const std::uint64_t last = time_length(b);
  if (b.kind == BudgetKind::kEpisodes) {
    for (std::uint64_t m : {1ull, 2ull, 3ull, 5ull, 10ull, 20ull, 50ull, 100ull, 200ull, 500ull, 1000ull, 10000ull})
      if (m < last) marks.push_back(m);
  } else {
    for (std::uint64_t k = 1; k <= 4; ++k) marks.push_back(std::max<std::uint64_t>(1, last * k / 5));
  }
  marks.push_back(last);
  marks.erase(std::unique(marks.begin(), marks.end()), marks.end());

  std::ostringstream out;
  out << (b.kind == BudgetKind::kEpisodes ? "mean steps per episode" : "mean cumulative reward") << " over " << seeds
      << " seed" << (seeds == 1 ? "" : "s") << " per point\n";
  const PointColumns parameters(sweep);  // env and every axis that varies (varying_axes.hpp)
  out << std::left << std::setw(6) << "point" << parameters.header();
  for (std::uint64_t m : marks) {
    const std::string label = b.kind == BudgetKind::kEpisodes ? "ep " + std::to_string(m) : "t " + std::to_string(time_label(b, m - 1));
    out << std::right << std::setw(11) << label;
  }
  out << "\n";
  for (std::uint32_t p = 0; p < sweep.points.size(); ++p) {
    out << std::left << std::setw(6) << p << parameters.row(p) << std::right;
    for (std::uint64_t m : marks) {
      std::ostringstream cell;
      cell << std::fixed << std::setprecision(1) << results.first_curve.at(p).at(m - 1);
      out << std::setw(11) << cell.str();
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace dynaq
