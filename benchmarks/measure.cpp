// One run of one case, its memory, and the bit-for-bit check against the reference.
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <sstream>
#include <stdexcept>

#include "bench.hpp"
#include "dynaq/detail/agent_core.hpp"
#include "dynaq/format.hpp"
#include "dynaq/random.hpp"
#include "dynaq/same_bits.hpp"

namespace dynaq::bench {

namespace {

using Clock = std::chrono::steady_clock;

// A field of /proc/self/status in bytes ("VmRSS", "VmHWM"), or -1.
std::int64_t status_bytes(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(status, line))
    if (line.rfind(key, 0) == 0) return std::stoll(line.substr(key.size())) * 1024;
  return -1;
}

// Linux resets VmHWM to the current RSS when "5" is written to clear_refs (since 4.0).
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return clear.good();
}

bool peak_rss_resettable() {
  static const bool resettable = reset_peak_rss();
  return resettable;
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + 1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

std::int64_t max_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
}

std::uint32_t float_bits(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, 4);
  return b;
}

// Distance in units in the last place between two floats (via their ordered bit patterns).
std::int64_t ulps(float a, float b) {
  const auto ordered = [](float x) {
    const std::int64_t i = static_cast<std::int32_t>(float_bits(x));
    return i < 0 ? std::int64_t{INT32_MIN} - i : i;
  };
  const std::int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

// Collects the first few mismatches and counts them all.
class Mismatches {
 public:
  void add(const std::string& what) {
    if (shown_ < 5) out_ << "  " << what << "\n";
    ++shown_;
  }
  std::string report() const {
    if (shown_ == 0) return "";
    return std::to_string(shown_) + " value" + (shown_ == 1 ? "" : "s") + " differ; the first ones:\n" + out_.str();
  }

 private:
  std::ostringstream out_;
  std::uint64_t shown_ = 0;
};

}  // namespace

AgentGroup make_group(const Environment& environment, const Case& c, bool keep_tables) {
  AgentParams params{};
  params.alpha = 0.1f;
  params.gamma = 0.95f;
  params.q_init = 0.0f;
  params.epsilon_threshold = probability_threshold(0.1);
  params.planning_steps = c.n;
  params.max_episode_steps = environment.first().max_episode_steps;
  params.planning_draw = PlanningDraw::kPairs;
  RunBudget budget{};
  budget.kind = BudgetKind::kSteps;
  budget.steps = c.init_only ? 0 : c.steps;
  budget.bucket_steps = c.bucket_steps();
  budget.n_buckets = static_cast<std::uint32_t>((c.steps + budget.bucket_steps - 1) / budget.bucket_steps);
  AgentGroup group;
  group.environment = &environment;
  group.points = {params};
  group.seeds_per_point = c.agents;
  group.first_agent = 0;
  group.sweep_seed = c.seed;
  group.budget = budget;
  group.keep_tables = keep_tables;
  return group;
}

Stats stats_of(std::vector<double> values) {
  if (values.empty()) return Stats{};
  std::sort(values.begin(), values.end());
  const std::size_t m = values.size();
  const double median = m % 2 ? values[m / 2] : 0.5 * (values[m / 2 - 1] + values[m / 2]);
  return Stats{median, values.front(), values.back()};
}

Stats stats_of(const std::vector<Timing>& runs, double Timing::*field) {
  std::vector<double> values;
  for (const Timing& t : runs) values.push_back(t.*field);
  return stats_of(std::move(values));
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

Stats Measurement::engine_seconds() const { return stats_of(runs, &Timing::engine_seconds); }

Stats Measurement::planning_updates_per_second() const {
  const Stats s = engine_seconds();
  const double work = static_cast<double>(agents) * static_cast<double>(steps) * n;
  if (s.median <= 0) return Stats{};
  return Stats{work / s.median, work / s.max, work / s.min};
}

Stats Measurement::real_steps_per_second() const {
  const Stats s = engine_seconds();
  const double work = static_cast<double>(agents) * static_cast<double>(steps);
  if (s.median <= 0) return Stats{};
  return Stats{work / s.median, work / s.max, work / s.min};
}

double Measurement::planning_updates_per_cpu_second() const {
  const double median = stats_of(runs, &Timing::cpu_seconds).median;
  return median > 0 ? static_cast<double>(agents) * static_cast<double>(steps) * n / median : 0;
}

Stats Measurement::init_seconds() const { return stats_of(init_runs, &Timing::engine_seconds); }

namespace {

// The median of `field` over the timed runs less its median over the init-only runs; 0 when not
// positive (the two runs differ by less than their noise) or when either is missing.
double median_difference(const Measurement& m, double Timing::*field) {
  if (m.runs.empty() || m.init_runs.empty()) return 0;
  return std::max(0.0, stats_of(m.runs, field).median - stats_of(m.init_runs, field).median);
}

// Planning updates, or real steps where n = 0: the work a learning rate counts.
double learning_work(const Measurement& m) {
  const double steps_taken = static_cast<double>(m.agents) * static_cast<double>(m.steps);
  return m.n > 0 ? steps_taken * m.n : steps_taken;
}

double per_second(double work, double seconds) { return seconds > 0 ? work / seconds : 0; }

}  // namespace

double Measurement::learning_seconds() const { return median_difference(*this, &Timing::engine_seconds); }

double Measurement::learning_cpu_seconds() const { return median_difference(*this, &Timing::cpu_seconds); }

double Measurement::learning_rate() const { return per_second(learning_work(*this), learning_seconds()); }

double Measurement::learning_rate_per_cpu_second() const {
  return per_second(learning_work(*this), learning_cpu_seconds());
}

std::int64_t Measurement::peak_bytes() const {
  std::int64_t peak = warm_up.peak_bytes;
  for (const Timing& t : runs) peak = std::max(peak, t.peak_bytes);
  return peak;
}

std::uint64_t metric_bytes_per_agent(const Environment& environment, const Case& c) {
  // What GroupResults holds for one agent without tables: its curves and totals.
  Case one = c;
  one.agents = 1;
  GroupResults results;
  results.allocate(make_group(environment, one, false));
  const auto bytes = [](const auto& v) { return std::uint64_t{v.size()} * sizeof(v[0]); };
  std::uint64_t metrics = 0;
  for_each_metric(results, results, [&](std::uint32_t, MetricRecorded, const auto& metric, const auto&) {
    metrics += bytes(metric);
  });
  return metrics + bytes(results.total_steps) + bytes(results.planning_updates);
}

std::string peak_memory_method() {
  return peak_rss_resettable()
             ? "VmHWM of /proc/self/status after the run (reset through /proc/self/clear_refs before it) "
               "minus VmRSS before the run: host memory the run added at its peak"
             : "growth of getrusage ru_maxrss over the run: a lower bound (the process peak only grows "
               "when a run exceeds every earlier one)";
}

ReferenceRun run_reference(std::shared_ptr<const Environment> environment, const Case& c, std::uint32_t agents) {
  ReferenceRun reference;
  reference.environment = std::move(environment);
  reference.env = c.env;
  reference.n = c.n;
  reference.agents = agents;
  Case first = c;
  first.agents = agents;
  reference.group = make_group(*reference.environment, first, true);
  const auto start = Clock::now();
  make_reference_engine()->run(reference.group, reference.results, nullptr);
  reference.seconds = seconds_since(start);
  return reference;
}

namespace {

// Compares the first `agents` agents of one agent-major array, bit for bit. `describe` names
// element i of an agent's slice.
template <typename T, typename Describe>
void compare_array(const char* what, const std::vector<T>& want, std::uint32_t want_agents, const std::vector<T>& got,
                   std::uint32_t got_agents, std::uint32_t agents, Mismatches& mismatches, Describe describe) {
  if (want.empty() && got.empty()) return;
  const std::size_t stride = want_agents ? want.size() / want_agents : 0;
  if (got_agents == 0 || got.size() / got_agents != stride || want.size() % want_agents != 0) {
    mismatches.add(std::string(what) + ": " + std::to_string(want.size()) + " values for " +
                   std::to_string(want_agents) + " agents expected, got " + std::to_string(got.size()) + " for " +
                   std::to_string(got_agents));
    return;
  }
  for (std::size_t i = 0; i < agents * stride; ++i) {
    if (same_bits(want[i], got[i])) continue;
    std::ostringstream out;
    out.precision(9);
    out << "agent " << i / stride << ", " << describe(i % stride) << ": " << what << " " << +want[i]
        << " expected, got " << +got[i];
    if constexpr (std::is_same_v<T, float>) out << " (" << ulps(want[i], got[i]) << " ulps)";
    mismatches.add(out.str());
  }
}

}  // namespace

std::string compare_with_reference(const ReferenceRun& reference, const AgentGroup& group, const GroupResults& got,
                                   bool tables) {
  const GroupResults& want = reference.results;
  const std::uint32_t kw = reference.group.n_agents(), kg = group.n_agents();
  const std::uint32_t k = std::min(reference.agents, kg);  // a run may have fewer agents than the check
  const std::uint32_t n_actions = group.environment->n_actions();
  const std::uint64_t pairs = std::uint64_t{group.environment->n_states()} * n_actions;
  Mismatches mismatches;
  const auto index = [](std::size_t i) { return "index " + std::to_string(i); };
  const auto bucket = [](std::size_t i) { return "bucket " + std::to_string(i); };
  const auto pair = [&](std::size_t i) {
    return "state " + std::to_string(i / n_actions) + ", action " + std::to_string(i % n_actions);
  };
  const auto slot = [&](std::size_t i) {
    const std::size_t slots = want.model_next.size() / std::max<std::size_t>(1, kw * pairs);
    const std::size_t p = i / std::max<std::size_t>(1, slots);
    return "state " + std::to_string(p / n_actions) + ", action " + std::to_string(p % n_actions) +
           (slots > 1 ? ", slot " + std::to_string(i % slots) : std::string());
  };
  compare_array("total steps", want.total_steps, kw, got.total_steps, kg, k, mismatches, index);
  compare_array("planning updates", want.planning_updates, kw, got.planning_updates, kg, k, mismatches, index);
  compare_array("cumulative reward", want.bucket_cumulative_reward, kw, got.bucket_cumulative_reward, kg, k,
                mismatches, bucket);
  compare_array("episodes", want.bucket_episodes, kw, got.bucket_episodes, kg, k, mismatches, bucket);
  compare_array("model error", want.bucket_model_error, kw, got.bucket_model_error, kg, k, mismatches, bucket);
  if (tables) {
    if (got.q.size() < std::uint64_t{k} * pairs) return "the engine kept no tables to compare";
    compare_array("Q", want.q, kw, got.q, kg, k, mismatches, pair);
    compare_array("model next state", want.model_next, kw, got.model_next, kg, k, mismatches, slot);
    compare_array("model reward", want.model_reward, kw, got.model_reward, kg, k, mismatches, slot);
    compare_array("model count", want.model_count, kw, got.model_count, kg, k, mismatches, slot);
    compare_array("observed pair", want.observed_pairs, kw, got.observed_pairs, kg, k, mismatches, index);
  }
  return mismatches.report();
}

namespace {

// One Engine::run of `group`, timed, with the host memory it added at its peak.
Timing timed_run(BenchEngine& engine, const AgentGroup& group, GroupResults& results) {
  Timing timing;
  // Hand freed heap back to the system first, so that memory the run reuses counts as its own.
  malloc_trim(0);
  const std::int64_t rss_before = status_bytes("VmRSS");
  const std::int64_t max_rss_before = max_rss_bytes();
  const bool peak_reset = peak_rss_resettable() && reset_peak_rss();

  const double cpu_start = process_cpu_seconds();
  const auto start = Clock::now();
  engine.engine->run(group, results, nullptr);
  timing.engine_seconds = seconds_since(start);
  timing.cpu_seconds = process_cpu_seconds() - cpu_start;

  if (peak_reset && rss_before >= 0) {
    const std::int64_t hwm = status_bytes("VmHWM");
    timing.peak_bytes = hwm >= 0 ? std::max<std::int64_t>(0, hwm - rss_before) : -1;
  } else {
    timing.peak_bytes = std::max<std::int64_t>(0, max_rss_bytes() - max_rss_before);
  }
  return timing;
}

}  // namespace

Timing run_case(BenchEngine& engine, const Case& c, const ReferenceRun& reference, bool keep_tables) {
  const AgentGroup group = make_group(*reference.environment, c, keep_tables);
  GroupResults results;
  const Timing timing = timed_run(engine, group, results);
  const std::string report = compare_with_reference(reference, group, results, keep_tables);
  if (!report.empty())
    throw std::runtime_error(engine.label + " differs from the reference on " + c.env + ", n=" +
                             std::to_string(c.n) + ", " + std::to_string(c.agents) + " agents: " + report);
  return timing;
}

Timing run_init_only(BenchEngine& engine, const Case& c, const ReferenceRun& reference) {
  Case init = c;
  init.init_only = true;
  const AgentGroup group = make_group(*reference.environment, init, false);
  GroupResults results;
  const Timing timing = timed_run(engine, group, results);
  // Nothing to compare with the reference but that no agent stepped or planned.
  const auto stepped = [](std::uint64_t count) { return count != 0; };
  if (results.total_steps.size() != c.agents ||
      std::any_of(results.total_steps.begin(), results.total_steps.end(), stepped) ||
      std::any_of(results.planning_updates.begin(), results.planning_updates.end(), stepped))
    throw std::runtime_error(engine.label + " stepped agents in a run of 0 real steps on " + c.env + ", n=" +
                             std::to_string(c.n) + ", " + std::to_string(c.agents) + " agents");
  return timing;
}

namespace {

// `dynaq run` for the case, on the engine's backend, its results in `out`.
std::vector<std::string> end_to_end_arguments(const std::string& dynaq_binary, const BenchEngine& engine,
                                              const Case& c, const std::string& out) {
  std::vector<std::string> args{dynaq_binary, "run", "--quiet", "--overwrite", "--out", out,
                                "--env", c.env, "--planning-steps", std::to_string(c.n), "--seeds",
                                std::to_string(c.agents), "--seed", std::to_string(c.seed), "--steps",
                                std::to_string(c.steps), "--bucket", std::to_string(c.bucket_steps())};
  if (engine.oracle) {
    args.insert(args.end(), {"--backend", "reference"});
  } else if (engine.gpu) {
    args.insert(args.end(), {"--backend", "cuda", "--cuda-kernel", engine.cuda_kernel});
  } else {
    args.insert(args.end(), {"--backend", "cpu", "--threads", std::to_string(engine.threads)});
  }
  return args;
}

// Starts `args` in a child process whose stdout goes nowhere and whose stderr goes to
// `stderr_path`; returns its pid, or -1.
pid_t start_child(std::vector<std::string> args, const std::string& stderr_path) {
  const pid_t child = fork();
  if (child != 0) return child;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Its output is not ours to show: the run is quiet, and what it says on error is kept.
  if (std::freopen("/dev/null", "w", stdout) == nullptr) _exit(127);
  if (std::freopen(stderr_path.c_str(), "w", stderr) == nullptr) _exit(127);
  execv(argv[0], argv.data());
  _exit(127);
}

// How a child ended, and its peak memory while it ran.
struct ChildEnd {
  int status = 0;
  bool killed = false;       // past its time limit
  bool wait_failed = false;
  std::int64_t peak_bytes = -1;
};

// Waits for `child`, killing it after `limit_seconds`. Peak memory: VmHWM of the child, sampled
// every millisecond. Not its rusage: a forked child's ru_maxrss starts at the benchmark's own
// RSS, which exec does not reset. Sampled only once the child runs `binary` (its comm changed),
// for the same reason.
ChildEnd wait_for_child(pid_t child, const std::string& binary, Clock::time_point start, double limit_seconds) {
  namespace fs = std::filesystem;
  const std::string comm = fs::path(binary).filename().string().substr(0, 15);
  const std::string proc = "/proc/" + std::to_string(child);
  ChildEnd end;
  const auto sample_peak = [&] {
    std::ifstream name(proc + "/comm");
    std::string now;
    if (!std::getline(name, now) || now != comm) return;
    std::ifstream status(proc + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("VmHWM:", 0) == 0) end.peak_bytes = std::max<std::int64_t>(end.peak_bytes, std::stoll(line.substr(6)) * 1024);
  };
  for (;;) {
    sample_peak();
    const pid_t done = waitpid(child, &end.status, WNOHANG);
    if (done == child) break;
    if (done < 0) {
      end.wait_failed = true;
      break;
    }
    if (!end.killed && seconds_since(start) > limit_seconds) {
      kill(child, SIGKILL);
      end.killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return end;
}

// Why the run did not count, or empty when it exited 0; `said` is the first line of its stderr.
std::string end_note(const ChildEnd& end, double limit_seconds, const std::string& said) {
  if (end.killed) return "stopped after " + si(limit_seconds, 2) + " s";
  if (end.wait_failed) return "wait4 failed";
  if (WIFEXITED(end.status) && WEXITSTATUS(end.status) == 0) return "";
  return "dynaq run exited with status " +
         std::to_string(WIFEXITED(end.status) ? WEXITSTATUS(end.status) : 128 + WTERMSIG(end.status)) +
         (said.empty() ? std::string() : ": " + said);
}

}  // namespace

EndToEnd run_end_to_end(const std::string& dynaq_binary, const BenchEngine& engine, const Case& c,
                        double limit_seconds) {
  namespace fs = std::filesystem;
  EndToEnd result;
  if (dynaq_binary.empty() || !fs::exists(dynaq_binary)) {
    result.note = "no dynaq binary (--dynaq)";
    return result;
  }
  std::string folder_template = (fs::temp_directory_path() / "dynaq-bench-XXXXXX").string();
  if (mkdtemp(folder_template.data()) == nullptr) {
    result.note = "could not make a temporary folder";
    return result;
  }
  const fs::path folder = folder_template;
  const std::vector<std::string> args = end_to_end_arguments(dynaq_binary, engine, c, (folder / "out").string());
  for (std::size_t i = 0; i < args.size(); ++i) result.command += (i ? " " : "") + args[i];

  const auto start = Clock::now();
  const pid_t child = start_child(args, (folder / "stderr.txt").string());
  if (child < 0) {
    result.note = "fork failed";
    fs::remove_all(folder);
    return result;
  }
  const ChildEnd end = wait_for_child(child, dynaq_binary, start, limit_seconds);
  result.seconds = seconds_since(start);
  result.peak_bytes = end.peak_bytes;
  std::string said;
  {
    std::ifstream err(folder / "stderr.txt");
    std::getline(err, said);
  }
  std::error_code ignored;
  fs::remove_all(folder, ignored);
  result.note = end_note(end, limit_seconds, said);
  result.ran = result.note.empty();
  return result;
}

}  // namespace dynaq::bench
