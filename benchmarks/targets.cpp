// The targets dynaq-bench judges: each goal beside the least workload on which it means
// something, the measurement it is judged on, and its verdict (met, not met, not judged).
#include <algorithm>
#include <cstdio>

#include "bench.hpp"
#include "dynaq/format.hpp"

namespace dynaq::bench {

namespace {

// A target's goal beside the least workload on which it is judged. Below that workload a figure
// says more about the timer, the scheduler and start-up than about the engine:
// - a cpu run under 0.1 s can lose a large share of itself to one preemption (a scheduler time
//   slice is a few milliseconds on a shared machine) and to waking the OpenMP team;
// - a GPU run under 10 ms is only a few hundred times the latency of a launch and its
//   synchronisation;
// - the cpu engine hands agents to its threads one at a time, so a thread can idle for up to one
//   agent's run at the end: with 100 agents per thread that is at most 1% of the run;
// - a GPU is full only with many agents: 65536 is the CUDA target's own definition, and the
//   other GPU targets take the same.
struct Goal {
  double threshold;
  MinimumWorkload needs;
};
constexpr double kCpuRunSeconds = 0.1;
constexpr double kGpuRunSeconds = 0.01;
constexpr std::uint32_t kAgentsPerThread = 100;
constexpr std::uint32_t kGpuAgents = 65536;
constexpr Goal kCpuPerCore{kCpuPerCoreUpdates, {kAgentsPerThread, 0, kCpuRunSeconds}};
constexpr Goal kCpuSimdPerCore{5e8, {kAgentsPerThread, 0, kCpuRunSeconds}};
// "Near-linear": at least 90% of threads x one core.
constexpr Goal kScaling{0.9, {kAgentsPerThread, kAgentsPerThread, kCpuRunSeconds}};
// cpu-1t over the faster of Numba and JAX, per CPU-second.
constexpr Goal kOverFastestPeer{2.0, {kAgentsPerThread, 0, kCpuRunSeconds}};
constexpr Goal kOverNumpyCpu{1e3, {kAgentsPerThread, 0, kCpuRunSeconds}};
constexpr Goal kCudaDynaMaze{1e11, {kGpuAgents, 0, kGpuRunSeconds}};
constexpr Goal kCudaRandomMaze{1e10, {kGpuAgents, 0, kGpuRunSeconds}};
constexpr Goal kOverNumpyGpu{1e5, {kGpuAgents, 0, kGpuRunSeconds}};
constexpr Goal kOverJaxGpu{10, {kGpuAgents, 0, kGpuRunSeconds}};

}  // namespace

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kMet: return "met";
    case Verdict::kNotMet: return "not met";
    case Verdict::kNotJudged: break;
  }
  return "not judged";
}

namespace {

// What `m` lacks of `needs`, one phrase per shortfall; empty when it has enough.
std::vector<std::string> shortfalls(const MinimumWorkload& needs, const Measurement& m) {
  std::vector<std::string> missing;
  if (m.agents < needs.agents) missing.push_back(">= " + std::to_string(needs.agents) + " agents");
  if (m.threads > 1 && std::uint64_t{m.agents} < std::uint64_t{needs.agents_per_thread} * std::uint64_t(m.threads))
    missing.push_back(">= " + std::to_string(needs.agents_per_thread) + " agents per thread (" +
                      std::to_string(needs.agents_per_thread * std::uint64_t(m.threads)) + " on " +
                      std::to_string(m.threads) + " threads)");
  if (m.engine_seconds().median < needs.run_seconds)
    missing.push_back("a timed run of >= " + seconds_text(needs.run_seconds));
  return missing;
}

// The measurement a target is judged on: the best rate of those with the workload it needs; when
// none has it, the one with the most agents (the target is then not judged, and says on what).
const Measurement* pick(const BenchRun& run, const std::string& engine, const std::string& env, std::uint32_t n,
                        const MinimumWorkload& needs) {
  const Measurement* best = nullptr;
  const Measurement* largest = nullptr;
  for (const Measurement& m : run.measurements) {
    if (!is_engine(m.engine, engine) || m.env != env || m.n != n || m.runs.empty()) continue;
    if (shortfalls(needs, m).empty() && (best == nullptr || rate_of(m) > rate_of(*best))) best = &m;
    if (largest == nullptr || m.agents > largest->agents ||
        (m.agents == largest->agents && m.engine_seconds().median > largest->engine_seconds().median))
      largest = &m;
  }
  return best != nullptr ? best : largest;
}

Workload workload_of(const Measurement& m) {
  return Workload{m.engine, m.env, m.n, m.agents, m.steps, m.threads, m.engine_seconds().median};
}

std::string workload_text(const Workload& w) {
  return w.engine + ", " + w.env + " n=" + std::to_string(w.n) + ", " + std::to_string(w.agents) + " agents x " +
         std::to_string(w.steps) + " steps, " +
         (w.threads == 0 ? std::string("one GPU thread per agent")
                         : std::to_string(w.threads) + (w.threads == 1 ? " thread" : " threads")) +
         ", timed run " + seconds_text(w.run_seconds);
}

Target make_target(std::string name, const Goal& goal) {
  Target t;
  t.name = std::move(name);
  t.goal = goal.threshold;
  t.needs = goal.needs;
  return t;
}

Target not_measured(Target t, const std::string& why) {
  t.reason = "not measured: " + why;
  return t;
}

// Judges `value` against the goal when every measurement in `used` has the workload the target
// needs; otherwise the target is not judged, and says what is missing.
Target judge(Target t, const std::vector<const Measurement*>& used, double value, std::string detail) {
  std::string missing;  // "a and b", per measurement; "engine: a and b; engine: c" when several
  for (const Measurement* m : used) {
    t.measured_on.push_back(workload_of(*m));
    std::string lacks;
    for (const std::string& s : shortfalls(t.needs, *m)) lacks += (lacks.empty() ? "" : " and ") + s;
    if (lacks.empty()) continue;
    missing += (missing.empty() ? "" : "; ") + (used.size() > 1 ? m->engine + ": " : std::string()) + lacks;
  }
  if (!missing.empty()) {
    t.reason = "this target needs " + missing;
  } else if (!(value > 0)) {
    t.reason = "the measured figure is 0";
  } else {
    t.verdict = value >= t.goal ? Verdict::kMet : Verdict::kNotMet;
    t.value = value;
    t.detail = std::move(detail);
  }
  return t;
}

// What every target's judgement shares: the n it is judged at and the reasons for a missing
// measurement.
struct TargetContext {
  std::uint32_t n = 0;
  std::string nn;          // "n=50"
  std::string all;         // the all-threads cpu engine's label; empty with one thread
  std::string no_cpu_1t;   // why a cpu-1t figure is missing
  std::string no_gpu;      // why a cuda figure is missing
};

double median_rate(const Measurement* m) { return m->planning_updates_per_second().median; }

Target cpu_per_core_target(const BenchRun& run, const TargetContext& x) {
  Target t = make_target("cpu: planning updates/s per core, dyna-maze " + x.nn, kCpuPerCore);
  const Measurement* one = pick(run, "cpu-1t", "dyna-maze", x.n, t.needs);
  if (one == nullptr) return not_measured(t, x.no_cpu_1t);
  return judge(t, {one}, median_rate(one),
               "wall clock; " + si(one->planning_updates_per_cpu_second()) + " per CPU-second");
}

Target scaling_target(const BenchRun& run, const TargetContext& x) {
  const Measurement* many = x.all.empty() ? nullptr : pick(run, x.all, "dyna-maze", x.n, kScaling.needs);
  const int threads = many ? many->threads : 1;
  Target t = make_target("cpu: near-linear scaling over cores (" + (x.all.empty() ? "cpu-all" : x.all) + " / (" +
                             std::to_string(threads) + " x cpu-1t)), dyna-maze " + x.nn,
                         kScaling);
  const Measurement* one = pick(run, "cpu-1t", "dyna-maze", x.n, t.needs);
  if (one == nullptr || many == nullptr)
    return not_measured(t, x.all.empty() ? "only one thread available" : "not measured on dyna-maze " + x.nn);
  return judge(t, {many, one}, median_rate(many) / (threads * median_rate(one)),
               "parallel efficiency on " + std::to_string(run.machine.cores) + " logical CPUs");
}

// Judged on the faster of the scalar path and the SIMD lane groups (cpu-1t-lanes, when run).
Target cpu_simd_target(const BenchRun& run, const TargetContext& x) {
  Target t = make_target("cpu: planning updates/s per core, dyna-maze " + x.nn + ", the SIMD goal (faster of cpu-1t and "
                         "cpu-1t-lanes)",
                         kCpuSimdPerCore);
  const Measurement* one = pick(run, "cpu-1t", "dyna-maze", x.n, t.needs);
  const Measurement* lanes = pick(run, "cpu-1t-lanes", "dyna-maze", x.n, t.needs);
  if (lanes != nullptr && shortfalls(t.needs, *lanes).empty() &&
      (one == nullptr || !shortfalls(t.needs, *one).empty() || median_rate(lanes) > median_rate(one)))
    one = lanes;
  return one ? judge(t, {one}, median_rate(one), "wall clock") : not_measured(t, x.no_cpu_1t);
}

Target over_fastest_peer_target(const BenchRun& run, const TargetContext& x) {
  const BaselineResult* fastest = nullptr;  // per CPU-second, one thread
  for (const BaselineResult& b : run.baselines)
    if (b.peer && b.ran && !b.on_gpu() && b.threads == 1 && b.n == x.n && (b.name == "numba" || b.name == "jax") &&
        (fastest == nullptr || b.planning_updates_per_cpu_second() > fastest->planning_updates_per_cpu_second()))
      fastest = &b;
  Target t = make_target("cpu-1t over the faster of Numba and JAX, one core, per CPU-second, dyna-maze " + x.nn,
                         kOverFastestPeer);
  const Measurement* one = pick(run, "cpu-1t", "dyna-maze", x.n, t.needs);
  if (fastest == nullptr)
    return not_measured(t, run.peers_skipped.empty() ? "neither Numba nor JAX ran on the CPU at " + x.nn
                                                     : "fast peers skipped: " + run.peers_skipped);
  if (one == nullptr) return not_measured(t, x.no_cpu_1t);
  return judge(t, {one}, one->planning_updates_per_cpu_second() / fastest->planning_updates_per_cpu_second(),
               "over " + fastest->label() + " (" + si(fastest->planning_updates_per_cpu_second()) +
                   " per CPU-second); wall clock " +
                   fixed(median_rate(one) / fastest->planning_updates_per_second(), 2) + "x");
}

Target cuda_rate_target(const BenchRun& run, const TargetContext& x, const std::string& env, const Goal& goal) {
  Target t = make_target("cuda: planning updates/s, " + env + (env == "dyna-maze" ? " " : ", ") + x.nn, goal);
  const Measurement* gpu = pick(run, "cuda", env, x.n, t.needs);
  return gpu ? judge(t, {gpu}, median_rate(gpu), "wall clock") : not_measured(t, x.no_gpu);
}

// The cuda engine over JAX's vmap Dyna-Q on the same GPU, with as many agents, per wall-clock
// second: the fastest way a researcher has to run this workload on a GPU today.
Target over_gpu_peer_target(const BenchRun& run, const TargetContext& x) {
  Target t = make_target("cuda over the JAX peer (jax.vmap) on the same GPU, same agents, dyna-maze " + x.nn,
                         kOverJaxGpu);
  const BaselineResult* jax = nullptr;
  for (const BaselineResult& b : run.baselines)
    if (b.peer && b.ran && b.on_gpu() && b.n == x.n) jax = &b;
  if (jax == nullptr)
    return not_measured(t, !run.peers_skipped.empty() ? "fast peers skipped: " + run.peers_skipped
                                                      : "JAX did not run on a GPU at " + x.nn +
                                                            " (it runs there when its CUDA plugin is installed)");
  if (jax->agents < t.needs.agents)
    return not_measured(t, "the JAX peer ran " + std::to_string(jax->agents) + " agents; this target needs >= " +
                               std::to_string(t.needs.agents) + " (--peer-agents)");
  const Measurement* gpu = best_measurement(run, "cuda", "dyna-maze", x.n, jax->agents);
  if (gpu == nullptr)
    return not_measured(t, "the cuda engine did not run " + std::to_string(jax->agents) +
                               " agents (the JAX peer's count; add it to --agents)");
  return judge(t, {gpu}, median_rate(gpu) / jax->planning_updates_per_second(),
               "over " + jax->label() + " (" + si(jax->planning_updates_per_second()) + " updates/s, best of " +
                   std::to_string(run.options.repeats) + "), per wall-clock second");
}

// An engine over the NumPy textbook transcription on the Dyna maze.
Target over_textbook_target(const BenchRun& run, const TargetContext& x, const std::string& engine, const Goal& goal) {
  const bool cpu = engine == "cpu-1t";
  Target t = make_target(engine + " over the NumPy textbook transcription, dyna-maze " + x.nn, goal);
  const Measurement* m = pick(run, engine, "dyna-maze", x.n, t.needs);
  const BaselineResult* textbook = baseline(run, "textbook", x.n);
  if (textbook == nullptr)
    return not_measured(t, run.baselines_skipped.empty() ? "the textbook baseline did not run at " + x.nn
                                                         : "NumPy baselines skipped: " + run.baselines_skipped);
  if (m == nullptr) return not_measured(t, cpu ? x.no_cpu_1t : x.no_gpu);
  std::string detail = "ratio of planning updates per wall-clock second";
  if (cpu)
    detail += "; per CPU-second " +
              fixed(m->planning_updates_per_cpu_second() / textbook->planning_updates_per_cpu_second(), 0) + "x";
  return judge(t, {m}, median_rate(m) / textbook->planning_updates_per_second(), detail);
}

}  // namespace

void evaluate_targets(BenchRun& run) {
  TargetContext x;
  x.n = target_n(run.options);
  x.nn = "n=" + std::to_string(x.n);
  x.all = cpu_all_label(run);
  x.no_cpu_1t = "cpu-1t did not run dyna-maze " + x.nn;
  x.no_gpu = has_engine(run, "cuda") ? "no cuda measurement there" : "no GPU: " + run.gpu_skipped;
  run.targets.push_back(cpu_per_core_target(run, x));
  run.targets.push_back(scaling_target(run, x));
  run.targets.push_back(cpu_simd_target(run, x));
  run.targets.push_back(over_fastest_peer_target(run, x));
  run.targets.push_back(cuda_rate_target(run, x, "dyna-maze", kCudaDynaMaze));
  run.targets.push_back(cuda_rate_target(run, x, "random-maze:100x100:1", kCudaRandomMaze));
  run.targets.push_back(over_textbook_target(run, x, "cpu-1t", kOverNumpyCpu));
  run.targets.push_back(over_textbook_target(run, x, "cuda", kOverNumpyGpu));
  run.targets.push_back(over_gpu_peer_target(run, x));
}

void print_targets(const BenchRun& run) {
  std::printf("targets (each judged only on a workload large enough for it):\n");
  for (const Target& t : run.targets) {
    std::string on;
    for (const Workload& w : t.measured_on) on += (on.empty() ? "" : " and ") + workload_text(w);
    std::printf("  %-10s  %s: goal %s", verdict_name(t.verdict), t.name.c_str(), si(t.goal, 2).c_str());
    if (t.verdict != Verdict::kNotJudged)
      std::printf(", measured %s on %s (%s)\n", si(t.value).c_str(), on.c_str(), t.detail.c_str());
    else if (on.empty())
      std::printf("; %s\n", t.reason.c_str());
    else
      std::printf("; measured on %s; %s\n", on.c_str(), t.reason.c_str());
  }
}

}  // namespace dynaq::bench
