// Which grid axes mean something at which grid point, so that the grid is not a blind
// Cartesian product.
//
// Some parameters belong to one algorithm or one model only:
//   --kappa                          dyna-q-plus and dyna-q-plus-action (the exploration bonus)
//   --theta                          prioritized and prioritized-direct (the queue threshold)
//   --planning-draw, --model         every algorithm but prioritized sweeping, which replays its
//                                    queue and keeps the last-outcome model
//   --backup, --model-capacity       --model counts
// At a point where a parameter does not apply, its values collapse into one point (the
// parameter at its default, which the point's agents never read), shown empty in curves.csv
// and points.csv and null in summary.json. A parameter given values other than its default
// that apply at no point of the grid cannot mean anything, and is refused naming the option it
// depends on (--model last --backup expected, --algo dyna-q --kappa 0.01).
#pragma once

#include <string>
#include <vector>

#include "dynaq/sweep/plan.hpp"

namespace dynaq {

// Whether `axis` changes what the agents of a point with these settings compute.
bool axis_applies(const GridAxis& axis, const PointSettings& settings);

// `settings` with every axis that does not apply set to its default, so that points differing
// only there become equal.
PointSettings without_inapplicable(const PointSettings& settings);

// A text that is equal for two settings exactly when every axis has the same value.
std::string settings_key(const PointSettings& settings);

// Refuses (InputError naming both options) an axis whose values, as `axis_literals` holds them
// (Sweep::axis_literals), are not its default alone while it applies at none of `points`.
void refuse_inapplicable_values(const std::vector<std::vector<std::string>>& axis_literals,
                                const std::vector<GridPoint>& points);

// Refuses (InputError naming the option) an axis that lists one value twice, as written or in
// another spelling of the same value (0.1 and 0.10): its points would be one point run twice,
// with rows no reader can tell apart.
void refuse_repeated_values(const std::vector<std::vector<std::string>>& axis_literals);

// Refuses two environments of one sweep that result files would show under one name (an MDP
// JSON file's "name" field equal to another environment's name).
void refuse_ambiguous_environment_names(const std::vector<std::string>& specs,
                                        const std::vector<Environment>& environments);

// Refuses a schedule phase that a --steps budget ends before: its agents would never see it,
// while greedy_* and optimal_* are evaluated on the schedule's last phase.
void refuse_unreached_phases(const RunBudget& budget, const std::vector<Environment>& environments);

// The value of axis `axis` (an index into grid_axes()) at point `point` as result files show
// it: the axis's field, or "" where it does not apply.
std::string shown_field(const Sweep& sweep, std::uint32_t point, std::size_t axis);

}  // namespace dynaq
