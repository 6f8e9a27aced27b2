// The grid is not a blind Cartesian product: parameters that do not apply to a point's
// algorithm or model collapse, and values that apply nowhere are refused naming both options.
#include "dynaq/sweep/applicability.hpp"

#include <gtest/gtest.h>

#include "cli_test_support.hpp"
#include <fstream>

#include "dynaq/errors.hpp"
#include "dynaq/mdp_json.hpp"
#include "dynaq/option_values.hpp"
#include "dynaq/sweep/varying_axes.hpp"

namespace dynaq {
namespace {

using testing_support::contains;
using testing_support::read_file;
using testing_support::run_dynaq;
using testing_support::TempFolder;

Sweep plan(const std::vector<std::pair<std::string, std::string>>& axes) {
  SweepSpec spec;
  spec.seeds = 1;
  spec.episodes = 1;
  for (const auto& [key, values] : axes) spec.set(key, split_list({values}));
  return plan_sweep(spec);
}

std::string refusal(const std::vector<std::pair<std::string, std::string>>& axes) {
  try {
    plan(axes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string column(const Sweep& sweep, std::uint32_t point, const char* key) {
  return shown_field(sweep, point, grid_axis_index(key));
}

TEST(GridApplicability, ParametersOfAnotherAlgorithmCollapse) {
  const Sweep sweep = plan({{"algo", "dyna-q,dyna-q-plus"}, {"kappa", "0.001,0.01"}});
  ASSERT_EQ(sweep.points.size(), 3u) << "dyna-q once, dyna-q-plus with each kappa";
  EXPECT_EQ(column(sweep, 0, "algo"), "dyna-q");
  EXPECT_EQ(column(sweep, 0, "kappa"), "");
  EXPECT_EQ(column(sweep, 1, "kappa"), "0.001");
  EXPECT_EQ(column(sweep, 2, "kappa"), "0.01");
  // theta belongs to prioritized sweeping, planning-draw and the model to the others.
  const Sweep mixed = plan({{"algo", "dyna-q,prioritized"}, {"theta", "0.1,0.2"}, {"planning-draw", "pairs,states"},
                            {"model", "last,counts"}, {"backup", "sample,expected"}});
  // dyna-q: 2 draws x (last + counts x 2 backups) = 6; prioritized: 2 thetas.
  ASSERT_EQ(mixed.points.size(), 8u);
  for (std::uint32_t p = 0; p < mixed.points.size(); ++p) {
    const bool prioritized = column(mixed, p, "algo") == "prioritized";
    EXPECT_EQ(column(mixed, p, "theta").empty(), !prioritized) << p;
    EXPECT_EQ(column(mixed, p, "planning-draw").empty(), prioritized) << p;
    EXPECT_EQ(column(mixed, p, "model").empty(), prioritized) << p;
    EXPECT_EQ(column(mixed, p, "backup").empty(), column(mixed, p, "model") != "counts") << p;
    EXPECT_EQ(column(mixed, p, "model-capacity").empty(), column(mixed, p, "model") != "counts") << p;
    EXPECT_EQ(column(mixed, p, "kappa"), "") << p;
  }
}

TEST(GridApplicability, ACollapsedPointComputesWhatItsFirstValueWould) {
  // The collapsed point's agents never read the parameter: the same bits as the plain point.
  TempFolder dir;
  ASSERT_EQ(run_dynaq("run -q --seeds 3 --episodes 4 --algo dyna-q,dyna-q-plus --kappa 0.5,0.01 --out '" + dir / "a" + "'").exit_code, 0);
  ASSERT_EQ(run_dynaq("run -q --seeds 3 --episodes 4 --algo dyna-q --out '" + dir / "b" + "'").exit_code, 0);
  const std::string a = read_file(dir / "a/curves.csv"), b = read_file(dir / "b/curves.csv");
  const std::string first_row_a = a.substr(a.find('\n') + 1, a.find('\n', a.find('\n') + 1) - a.find('\n'));
  const std::string first_row_b = b.substr(b.find('\n') + 1, b.find('\n', b.find('\n') + 1) - b.find('\n'));
  EXPECT_EQ(first_row_a, first_row_b);
  EXPECT_TRUE(contains(first_row_a, ",dyna-q,,")) << "kappa empty beside dyna-q: " << first_row_a;
  EXPECT_TRUE(contains(read_file(dir / "a/summary.json"), "\"kappa\": null")) << read_file(dir / "a/summary.json");
}

TEST(GridApplicability, ValuesThatApplyNowhereAreRefusedNamingBothOptions) {
  std::string why = refusal({{"model", "last"}, {"backup", "expected"}});
  EXPECT_TRUE(contains(why, "--backup expected means nothing here")) << why;
  EXPECT_TRUE(contains(why, "--model counts only, and the grid has --model last")) << why;
  why = refusal({{"algo", "dyna-q"}, {"kappa", "0.01"}});
  EXPECT_TRUE(contains(why, "--kappa 0.01")) << why;
  EXPECT_TRUE(contains(why, "--algo dyna-q-plus or dyna-q-plus-action only")) << why;
  why = refusal({{"algo", "dyna-q-plus"}, {"theta", "0.5"}});
  EXPECT_TRUE(contains(why, "--theta 0.5")) << why;
  why = refusal({{"model-capacity", "4,16"}});
  EXPECT_TRUE(contains(why, "--model-capacity 4,16")) << why;
  EXPECT_TRUE(contains(why, "--model last")) << why;
  why = refusal({{"algo", "prioritized"}, {"planning-draw", "states"}});
  EXPECT_TRUE(contains(why, "--planning-draw states")) << why;
  EXPECT_TRUE(contains(why, "--algo prioritized")) << why;
  // The default alone, or values used by some point, are fine.
  EXPECT_EQ(refusal({{"model", "last,counts"}, {"backup", "expected"}}), "(accepted)");
  EXPECT_EQ(refusal({{"algo", "dyna-q"}, {"kappa", "0.001"}}), "(accepted)");
  // From the command line, with the option named.
  const auto r = run_dynaq("run --model last --backup expected --seeds 1 --episodes 1 -q");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.err, "--backup expected means nothing here")) << r.err;
}

TEST(GridApplicability, AValueListedTwiceIsRefused) {
  // Once a silent collapse (alpha) or the same environment run twice under one name (env).
  std::string why = refusal({{"alpha", "0.1,0.5,0.10"}});
  EXPECT_TRUE(contains(why, "--alpha lists 0.1 twice (values 1 and 3)")) << why;
  why = refusal({{"env", "dyna-maze,dyna-maze"}});
  EXPECT_TRUE(contains(why, "--env lists dyna-maze twice")) << why;
  why = refusal({{"algo", "dyna-q,dyna-q"}});
  EXPECT_TRUE(contains(why, "--algo lists dyna-q twice")) << why;
}

TEST(GridApplicability, TwoEnvironmentsShownUnderOneNameAreRefused) {
  TempFolder dir;
  {
    std::ofstream out(dir / "copy.json");
    write_mdp_json(load_environment("dyna-maze").first(), out);  // named "dyna-maze" inside
  }
  const std::string why = refusal({{"env", "dyna-maze," + dir / "copy.json"}});
  EXPECT_TRUE(contains(why, "would both be shown as 'dyna-maze'")) << why;
}

TEST(GridApplicability, AScheduleThatTheBudgetEndsBeforeIsRefused) {
  SweepSpec spec;
  spec.seeds = 1;
  spec.budget_kind = BudgetKind::kSteps;
  spec.steps = 1000;  // the blocking maze switches at step 1000
  spec.set("env", {"blocking-maze"});
  try {
    plan_sweep(spec);
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_TRUE(contains(e.what(), "--env blocking-maze switches at step 1000, but --steps 1000 ends every agent before it"))
        << e.what();
  }
  spec.steps = 1001;
  EXPECT_NO_THROW(plan_sweep(spec));
}

TEST(VaryingAxes, TheTableShowsEveryAxisThatVariesAndOnlyThose) {
  const Sweep sweep = plan({{"algo", "dyna-q,dyna-q-plus"}, {"model", "last,counts"}, {"backup", "sample,expected"}});
  std::vector<std::string> keys;
  for (const std::size_t a : varying_axes(sweep)) keys.push_back(grid_axes()[a].key);
  EXPECT_EQ(keys, (std::vector<std::string>{"algo", "kappa", "model", "backup", "model-capacity"}));
  const PointColumns columns(sweep);
  EXPECT_TRUE(contains(columns.header(), "env")) << columns.header();
  EXPECT_FALSE(contains(columns.header(), "alpha")) << columns.header();
  EXPECT_FALSE(contains(columns.header(), "planning-steps")) << columns.header();
  // No two rows read alike.
  for (std::uint32_t p = 0; p < sweep.points.size(); ++p)
    for (std::uint32_t q = p + 1; q < sweep.points.size(); ++q) EXPECT_NE(columns.row(p), columns.row(q)) << p << " " << q;
  // One point: the env alone.
  EXPECT_TRUE(varying_axes(plan({})).empty());
}

TEST(VaryingAxes, TheBlockingMazePresetsRowsTellDynaQFromDynaQPlus) {
  TempFolder dir;
  const auto r = run_dynaq("run --preset figure-8.4 --seeds 2 --steps 1200 --out '" + dir / "r" + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "algo")) << r.out;
  EXPECT_TRUE(contains(r.out, "dyna-q-plus")) << r.out;
  EXPECT_FALSE(contains(r.out, "gamma")) << r.out;
}

}  // namespace
}  // namespace dynaq
