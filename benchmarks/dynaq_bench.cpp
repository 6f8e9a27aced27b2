// dynaq-bench: every engine side by side on the same work, after checking it against the reference.
//
// Work is controlled per agent: every agent takes --steps real steps (a kSteps budget), each with
// n planning updates, so a case (environment, n, agents) is agents x steps real steps and
// agents x steps x n planning updates on every engine. The run:
//   1. verify: for every (environment, n), the reference engine runs the first --verify-agents
//      agents with their tables kept; every other engine runs a group of up to 64 agents with
//      tables kept, and its first agents must match the reference bit for bit (Q, model, observed
//      pairs, metrics). An agent's results do not depend on its neighbours, so the first agents of
//      any group are those agents. Nothing is timed before every engine has passed.
//   2. time: for every (environment, n, engine), agent counts from --agents in increasing order.
//      Each count gets a fresh engine, one warm-up run (which allocates the tables: its peak
//      memory is the case's) and --repeats timed runs of Engine::run that reuse them, as the
//      chunks of a sweep do; the first agents' metrics of every run are checked against the
//      reference again. After each timed run the same agents run with 0 real steps: that run
//      makes their fresh tables (agent_init, or on the cpu engine agent_reset undoing the timed
//      run's agents: Case::init_only) and learns nothing, so initialisation is reported apart
//      from learning (the median timed run less the median of these). Then `dynaq run` runs the same
//      case in a child process, for the end-to-end time of a whole sweep. A count whose estimated
//      time (from the previous count, or the verification run) exceeds what is left of
//      --time-budget (--gpu-time-budget for cuda) is skipped with its reason; when the first
//      count alone would exceed it, the largest count that fits is run instead.
//   3. the baselines on the Dyna maze: the NumPy transcriptions of the book when python3 with
//      NumPy is present, then the fast peers (NumPy vectorised over seeds, Numba, JAX; --peers)
//      with one thread and with all, each when its package is (scripts/setup_baselines.sh); each
//      skipped one says why. JAX runs where its default backend is: on the GPU, once, and it is
//      set beside the cuda engine's run of as many agents (--peer-agents).
//   4. ratios, napkin math (on tables larger than a core's L2: their initialisation and the bytes
//      a planning update moves, against the memory bandwidth measured at the start on the
//      engines' threads), targets; JSON with every measurement (--json).
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>

#include "bench.hpp"
#include "dynaq/detail/cuda_engine_driver.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/option_values.hpp"

#ifndef DYNAQ_SOURCE_DIR
#define DYNAQ_SOURCE_DIR ""
#endif
#ifndef DYNAQ_BINARY
#define DYNAQ_BINARY ""
#endif
#ifndef DYNAQ_BENCH_BASELINES_DIR
#define DYNAQ_BENCH_BASELINES_DIR ""
#endif

namespace dynaq::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kMaxVerifyGroup = 64;                         // agents an engine runs to verify
constexpr std::uint64_t kVerifyTableBytes = std::uint64_t{256} << 20;  // kept tables in a verify run
constexpr double kGpuMemoryShare = 0.8;                               // of device memory for one case

Case make_case(const Options& options, const std::string& env, std::uint32_t n, std::uint32_t agents) {
  Case c;
  c.env = env;
  c.n = n;
  c.agents = agents;
  c.steps = options.steps;
  c.buckets = options.buckets;
  c.seed = options.seed;
  return c;
}

// What one (environment, n, engine) sweep over agent counts has spent and seen so far.
struct CountSweep {
  double budget = 0.0;            // seconds for the whole sweep
  double used = 0.0;
  int runs_per_count = 0;         // full runs of the case per count: timed, warm-up and dynaq run
  int init_runs_per_count = 0;    // init-only runs per count
  double seconds_per_agent = 0;   // of the verification run: the estimate before any count ran
  std::uint32_t last_agents = 0;  // the last count measured (0: none yet)
  double last_seconds = 0.0;      // its median timed run
  double last_init_seconds = 0.0; // its median init-only run
  std::string stop;               // non-empty: every remaining count is skipped, for this reason
};

Measurement blank_measurement(const Options& o, const BenchEngine& engine, const ReferenceRun& reference,
                              std::uint32_t requested, std::uint64_t table_bytes, std::uint64_t metric_bytes) {
  Measurement m;
  m.engine = engine.label;
  m.threads = engine.threads;
  m.env = reference.env;
  m.n = reference.n;
  m.requested_agents = m.agents = requested;
  m.steps = o.steps;
  m.n_states = reference.environment->n_states();
  m.n_actions = reference.environment->n_actions();
  m.table_bytes_per_agent = table_bytes;
  m.metric_bytes_per_agent = metric_bytes;
  m.init_bytes_per_agent = reference.group.init_bytes_per_agent();
  m.model_from_environment = engine.gpu && model_is_environment(reference.group);
  return m;
}

// On the GPU, at most the agents whose tables and metrics fit kGpuMemoryShare of device memory.
// Returns why the count is skipped, or empty; sets `reduced` when it runs fewer agents.
std::string fit_device_memory(const BenchRun& run, const CountSweep& sweep, Measurement& m, bool& reduced) {
  const double bytes_per_agent = double(m.table_bytes_per_agent + m.metric_bytes_per_agent);
  const double fit = std::floor(kGpuMemoryShare * double(run.gpu.memory_bytes) / bytes_per_agent);
  if (m.agents <= fit) return "";
  if (fit < 1.0 || fit <= sweep.last_agents)
    return "device memory: " + bytes_text(double(m.agents) * bytes_per_agent) + " of tables and metrics is over " +
           std::to_string(int(kGpuMemoryShare * 100)) + "% of " + bytes_text(double(run.gpu.memory_bytes));
  m.agents = static_cast<std::uint32_t>(fit);
  reduced = true;
  return "";
}

// At most the agents whose runs fit what is left of the time budget. Returns why the count is
// skipped, or empty; sets `reduced` when it runs fewer agents.
std::string fit_time_budget(const BenchRun& run, const BenchEngine& engine, const CountSweep& sweep,
                            Measurement& m, bool& reduced) {
  // The next count's time, from the last one: proportional to the agents on the cpu; on the
  // GPU, flat until the device is full (one thread per agent, 2048 resident threads per SM).
  const double full_device = double(run.gpu.sm_count) * 2048.0;
  const double scale = engine.gpu ? std::max(1.0, m.agents / std::max<double>(sweep.last_agents, full_device))
                                  : double(m.agents) / std::max<std::uint32_t>(1, sweep.last_agents);
  // Before any count ran, an init-only run is taken to cost a full one: it does part of its work.
  const double per_run = sweep.last_agents > 0 ? sweep.last_seconds * scale : sweep.seconds_per_agent * m.agents;
  const double per_init_run = sweep.last_agents > 0 ? sweep.last_init_seconds * scale : per_run;
  const double estimate = sweep.runs_per_count * per_run + sweep.init_runs_per_count * per_init_run;
  const int runs = sweep.runs_per_count + sweep.init_runs_per_count;
  const double left = sweep.budget - sweep.used;
  if (estimate <= left) return "";
  if (sweep.last_agents > 0)
    return "time budget: about " + si(estimate, 2) + " s for " + std::to_string(runs) + " runs, " +
           si(std::max(0.0, left), 2) + " s of " + si(sweep.budget, 2) + " s left";
  // The first count is always measured. On the cpu, with as many agents as fit the budget by the
  // verification run's rate; on the GPU as asked: a small verification group says nothing about
  // the rate of a full device.
  if (!engine.gpu) {
    const double fit = std::floor(left / (runs * sweep.seconds_per_agent));
    m.agents = static_cast<std::uint32_t>(std::max(1.0, std::min<double>(fit, m.agents)));
    reduced = true;
  }
  return "";
}

// A fresh engine, its warm-up, then in turn the timed runs of one count and the init-only runs
// of the same agents (so that a change of the machine's speed meets both alike); then `dynaq run`
// on the same case.
void measure_count(const Options& o, BenchEngine& engine, const ReferenceRun& reference, Measurement& m) {
  const Case c = make_case(o, reference.env, reference.n, m.agents);
  try {
    engine.engine.reset();  // the previous case's tables go before the new engine's come
    engine.engine = engine.make();
    m.warm_up = run_case(engine, c, reference, false);
    for (int r = 0; r < o.repeats; ++r) {
      m.runs.push_back(run_case(engine, c, reference, false));
      m.init_runs.push_back(run_init_only(engine, c, reference));
    }
  } catch (const std::bad_alloc&) {
    m.runs.clear();
    m.init_runs.clear();
    m.skipped = "out of host memory";
  }
  if (!m.runs.empty() && !o.no_end_to_end && !engine.emulated)
    m.end_to_end = run_end_to_end(o.dynaq, engine, c, std::max(10.0, 10.0 * m.engine_seconds().max));
  else if (o.no_end_to_end)
    m.end_to_end.note = "--no-end-to-end";
  else if (engine.emulated)
    m.end_to_end.note = "the host emulation is no backend of dynaq run";
}

// One (environment, n, engine): agent counts in increasing order within the time budget.
// With `cannot_run` set, every count is skipped saying so.
void time_engine(BenchRun& run, BenchEngine& engine, const ReferenceRun& reference, double seconds_per_agent,
                 std::uint64_t table_bytes, const std::string& cannot_run) {
  const Options& o = run.options;
  CountSweep sweep;
  sweep.budget = engine.gpu ? o.gpu_time_budget : o.time_budget;
  sweep.runs_per_count = o.repeats + 1 + (o.no_end_to_end || engine.emulated ? 0 : 1);  // a warm-up, and dynaq run
  sweep.init_runs_per_count = o.repeats;
  sweep.seconds_per_agent = seconds_per_agent;
  sweep.stop = cannot_run;
  const std::uint64_t metric_bytes =
      metric_bytes_per_agent(*reference.environment, make_case(o, reference.env, reference.n, 1));
  for (const std::uint32_t requested : o.agents) {
    Measurement m = blank_measurement(o, engine, reference, requested, table_bytes, metric_bytes);
    bool reduced = false;  // fewer agents than requested: the last count of this sweep
    m.skipped = sweep.stop;
    if (m.skipped.empty() && engine.gpu) {
      m.skipped = fit_device_memory(run, sweep, m, reduced);
      sweep.stop = m.skipped;
    }
    if (m.skipped.empty()) m.skipped = fit_time_budget(run, engine, sweep, m, reduced);
    if (!m.skipped.empty()) {
      run.measurements.push_back(m);
      continue;
    }
    const auto start = Clock::now();
    measure_count(o, engine, reference, m);
    sweep.used += seconds_since(start);
    if (!m.runs.empty()) {
      sweep.last_agents = m.agents;
      sweep.last_seconds = m.engine_seconds().median;
      sweep.last_init_seconds = m.init_seconds().median;
    }
    run.measurements.push_back(m);
    if (reduced) sweep.stop = "a smaller count was already reduced to " + std::to_string(m.agents) + " agents to fit";
  }
}

std::string command_line(int argc, char** argv) {
  std::string text;
  for (int i = 0; i < argc; ++i) {
    if (i) text += ' ';
    text += argv[i];
  }
  return text;
}

// Where the JSON goes is checked before the benchmarks run, not after an hour of them.
void check_json_writable(const std::string& json) {
  if (json.empty()) return;
  const std::string probe = json + ".tmp";
  FILE* f = std::fopen(probe.c_str(), "w");
  if (f == nullptr) throw InputError("--json " + json + ": cannot write " + probe + ": " + std::strerror(errno));
  std::fclose(f);
  std::remove(probe.c_str());
}

// The caches, and the memory bandwidth on one thread and on as many as the all-threads engine
// runs: what a planning update's bytes are set against.
void measure_machine_memory(Machine& machine, const std::vector<BenchEngine>& engines) {
  machine.caches = cache_sizes();
  std::vector<int> thread_counts{1};
  for (const BenchEngine& e : engines)
    if (!e.gpu && std::find(thread_counts.begin(), thread_counts.end(), e.threads) == thread_counts.end())
      thread_counts.push_back(e.threads);
  for (const int threads : thread_counts)
    machine.bandwidth.push_back(measure_memory_bandwidth(threads, machine.caches.l3));
}

void print_memory(const Machine& machine) {
  std::printf("memory: L2 %s per core, L3 %s", bytes_text(double(machine.caches.l2)).c_str(),
              bytes_text(double(machine.caches.l3)).c_str());
  if (!machine.bandwidth.empty())
    std::printf("; bandwidth in B/s (STREAM-like, 3 arrays of %s, best of %d):",
                bytes_text(double(machine.bandwidth.front().array_bytes)).c_str(), machine.bandwidth.front().repeats);
  for (std::size_t i = 0; i < machine.bandwidth.size(); ++i) {
    const MemoryBandwidth& b = machine.bandwidth[i];
    std::printf("%s %d thread%s copy %s, triad %s, fill %s", i ? ";" : "", b.threads, b.threads == 1 ? "" : "s",
                si(b.copy_bytes_per_second).c_str(), si(b.triad_bytes_per_second).c_str(),
                si(b.fill_bytes_per_second).c_str());
  }
  std::printf("\n");
}

void print_header(const BenchRun& run, const std::vector<BenchEngine>& engines) {
  const Options& o = run.options;
  std::printf("dynaq-bench %s: %s\n", DYNAQ_VERSION, run.command.c_str());
  std::printf("machine: %s, %d logical CPUs (OpenMP: %d threads), %s; %s; load average %s\n",
              run.machine.cpu_model.c_str(), run.machine.cores, run.machine.openmp_threads,
              run.machine.hostname.c_str(), run.machine.date_utc.c_str(), run.machine.load_average.c_str());
  std::printf("build: %s; CUDA %s; commit %s\n", run.machine.compiler.c_str(),
              run.machine.cuda_build.empty() ? "not built" : run.machine.cuda_build.c_str(),
              run.machine.git_commit.empty() ? "unknown" : run.machine.git_commit.c_str());
  print_memory(run.machine);
  std::printf("engines:");
  for (const BenchEngine& e : engines) std::printf(" %s", e.label.c_str());
  std::printf("\n");
  if (run.gpu.emulated)
    std::printf("GPU: none; the cuda engine's kernel versions on its %s, %s of host memory as device memory: "
                "correctness and the benchmark's GPU half only, no speed of a GPU\n",
                run.gpu.name.c_str(), bytes_text(double(run.gpu.memory_bytes)).c_str());
  else if (!run.gpu_skipped.empty())
    std::printf("GPU half skipped: %s\n", run.gpu_skipped.c_str());
  else
    std::printf("GPU: %s (sm_%d%d, %d SMs, %s), cuda engine = each kernel version (global, shared)\n",
                run.gpu.name.c_str(), run.gpu.compute_major, run.gpu.compute_minor, run.gpu.sm_count,
                bytes_text(double(run.gpu.memory_bytes)).c_str());
  std::printf("work: %llu real steps per agent, n planning updates each; alpha 0.1, gamma 0.95, epsilon 0.1; "
              "%d timed runs after one warm-up, each followed by a run of the same agents with 0 real steps "
              "(init s: initialisation alone; learning: the medians' difference, '-' within noise); "
              "time budget %.3g s per (engine, env, n)%s\n",
              static_cast<unsigned long long>(o.steps), o.repeats, o.time_budget,
              engines.empty() || !engines.back().gpu ? "" : (", " + si(o.gpu_time_budget, 2) + " s for cuda").c_str());
  std::fflush(stdout);
}

// What the verification found of one engine on one (environment, n): its seconds per agent
// there (the first count's estimate), or why it cannot run there.
struct VerifiedEngine {
  double seconds_per_agent = 0;
  std::string cannot_run;  // empty: it ran, and matched the reference
};

// The verification's findings that the timing starts from, by (environment, n): the reference
// results, and each engine's (by label).
struct Verified {
  using Case = std::pair<std::string, std::uint32_t>;
  std::map<Case, ReferenceRun> references;
  std::map<std::pair<std::string, Case>, VerifiedEngine> engines;
};

// One (environment, n): the reference on the first agents, then every other engine on a group of
// up to kMaxVerifyGroup agents with their tables kept, compared bit for bit.
void verify_case(BenchRun& run, std::vector<BenchEngine>& engines, std::shared_ptr<const Environment> environment,
                 const std::string& env, std::uint32_t n, Verified& verified) {
  const Options& o = run.options;
  const std::uint32_t first = o.agents.front();
  const std::uint32_t k = std::min(o.verify_agents, first);
  ReferenceRun reference = run_reference(std::move(environment), make_case(o, env, n, first), k);
  const std::uint64_t bytes = reference.group.table_bytes_per_agent();
  const Verified::Case key{env, n};
  verified.engines[{"reference", key}].seconds_per_agent = reference.seconds / k;
  const std::uint32_t group_agents = static_cast<std::uint32_t>(std::max<std::uint64_t>(
      k, std::min<std::uint64_t>({first, kMaxVerifyGroup, kVerifyTableBytes / std::max<std::uint64_t>(1, bytes)})));
  for (BenchEngine& engine : engines) {
    if (engine.oracle) continue;
    engine.engine.reset();
    engine.engine = engine.make();
    try {
      const Timing t = run_case(engine, make_case(o, env, n, group_agents), reference, true);
      verified.engines[{engine.label, key}].seconds_per_agent = t.engine_seconds / group_agents;
      run.verifications.push_back(Verification{engine.label, env, n, group_agents, k, t.engine_seconds, ""});
    } catch (const InputError& e) {
      // The engine refuses this case as asked (the shared kernel, tables too large for a block):
      // the others still run it. A wrong result is not an InputError, and stops the benchmark.
      std::printf("%s cannot run %s, n=%u: %s\n", engine.label.c_str(), env.c_str(), n, e.what());
      verified.engines[{engine.label, key}].cannot_run = e.what();
      run.verifications.push_back(Verification{engine.label, env, n, group_agents, 0, 0.0, e.what()});
    }
  }
  // Only the metrics are compared from here on: drop the tables.
  reference.results.q = {};
  reference.results.model_next = {};
  reference.results.model_reward = {};
  reference.results.model_count = {};
  reference.results.observed_pairs = {};
  verified.references.emplace(key, std::move(reference));
}

// 1. Every engine is verified before anything is timed.
Verified verify_engines(BenchRun& run, std::vector<BenchEngine>& engines) {
  const Options& o = run.options;
  Verified verified;
  for (const std::string& env : o.envs) {
    const auto environment = std::make_shared<const Environment>(load_environment(env));
    for (const std::uint32_t n : o.n) verify_case(run, engines, environment, env, n, verified);
  }
  const auto refused = static_cast<std::size_t>(std::count_if(
      run.verifications.begin(), run.verifications.end(), [](const Verification& v) { return !v.cannot_run.empty(); }));
  std::printf("verification: %zu engine runs match the reference bit for bit (Q, model, observed pairs, metrics) on "
              "the first %u agents of every case%s\n\n",
              run.verifications.size() - refused, std::min(o.verify_agents, o.agents.front()),
              refused == 0 ? ""
                           : ("; " + std::to_string(refused) + (refused == 1 ? " case" : " cases") +
                              " refused by an engine, not timed on it").c_str());
  std::fflush(stdout);
  return verified;
}

// 2. Every (environment, n, engine), one table per (environment, n).
void time_engines(BenchRun& run, std::vector<BenchEngine>& engines, const Verified& verified) {
  for (const std::string& env : run.options.envs)
    for (const std::uint32_t n : run.options.n) {
      const ReferenceRun& reference = verified.references.at({env, n});
      for (BenchEngine& engine : engines) {
        const VerifiedEngine& verdict = verified.engines.at({engine.label, {env, n}});
        time_engine(run, engine, reference, verdict.seconds_per_agent, reference.group.table_bytes_per_agent(),
                    verdict.cannot_run.empty() ? "" : "cannot run this case: " + verdict.cannot_run);
      }
      print_case_table(run, env, n);
    }
}

bool runs_dyna_maze(const Options& o) { return std::find(o.envs.begin(), o.envs.end(), "dyna-maze") != o.envs.end(); }

// 3a. The NumPy transcriptions of the book, at every n > 0.
void run_transcriptions(BenchRun& run) {
  const Options& o = run.options;
  if (o.no_baselines) run.baselines_skipped = "--no-baselines";
  else if (!runs_dyna_maze(o)) run.baselines_skipped = "they run the Dyna maze, which --envs leaves out";
  else run.baselines_skipped = baselines_unavailable(o);
  if (!run.baselines_skipped.empty()) return;
  for (const std::uint32_t n : o.n) {
    if (n == 0) continue;
    for (const char* name : {"textbook", "fast"}) run.baselines.push_back(run_baseline(o, name, n));
  }
}

// 3b. The fast peers asked for (--peers) at every n > 0, with one thread and with all; a peer
// that ran on the GPU (JAX with CUDA) runs once, since host threads do not change its work.
void run_peers(BenchRun& run) {
  const Options& o = run.options;
  if (o.no_peers) run.peers_skipped = "--no-peers";
  else if (o.quick) run.peers_skipped = "--quick (their compilation and checks take tens of seconds)";
  else if (!runs_dyna_maze(o)) run.peers_skipped = "they run the Dyna maze, which --envs leaves out";
  if (!run.peers_skipped.empty()) return;
  const int all = o.threads > 0 ? o.threads : omp_get_max_threads();
  for (const std::uint32_t n : o.n) {
    if (n == 0) continue;
    for (const std::string& name : o.peers) {
      std::printf("running the %s peer, n=%u, %u agents, 1 thread...\n", name.c_str(), n, o.peer_agents);
      std::fflush(stdout);
      run.baselines.push_back(run_peer(o, name, n, 1));
      const BaselineResult& first = run.baselines.back();
      // NumPy's array operations here run on one thread whatever the machine has.
      if (all > 1 && name != "numpy_vectorized" && first.ran && !first.on_gpu()) {
        std::printf("running the %s peer, n=%u, %u agents, %d threads...\n", name.c_str(), n, o.peer_agents, all);
        std::fflush(stdout);
        run.baselines.push_back(run_peer(o, name, n, all));
      }
    }
  }
}

// Through a temporary file renamed into place: a failed run leaves no half-written JSON.
void write_json(const BenchRun& run) {
  const std::string& json = run.options.json;
  const std::string tmp = json + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) throw InputError("--json " + json + ": cannot write " + tmp);
  const std::string text = to_json(run);
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), json.c_str()) != 0)
    throw InputError("--json " + json + ": could not write the file");
  std::printf("\nwrote %s\n", json.c_str());
}

// 4. Ratios, napkin math and targets on stdout, everything in the JSON.
void report(BenchRun& run) {
  print_baselines(run);
  print_ratios(run);
  compute_napkins(run);
  print_napkins(run);
  evaluate_targets(run);
  print_targets(run);
}

int run_benchmark(BenchRun& run, const std::vector<std::string>& engine_names) {
  const auto start = Clock::now();
  check_json_writable(run.options.json);
  run.machine = describe_machine(DYNAQ_SOURCE_DIR);
  std::vector<BenchEngine> engines = make_engines(run.options, engine_names, run);
  measure_machine_memory(run.machine, engines);
  print_header(run, engines);
  const Verified verified = verify_engines(run, engines);
  time_engines(run, engines, verified);
  // The engines' memory goes back before the baselines run: JAX on the same GPU takes most of
  // the free memory when it starts.
  engines.clear();
  run_transcriptions(run);
  run_peers(run);
  report(run);
  run.total_seconds = seconds_since(start);
  if (!run.options.json.empty()) write_json(run);
  std::printf("total %.1f s\n", run.total_seconds);
  return 0;
}

// The options whose defaults --quick changes, to tell whether they were given.
struct QuickDefaults {
  CLI::Option* agents = nullptr;
  CLI::Option* envs = nullptr;
  CLI::Option* n = nullptr;
  CLI::Option* steps = nullptr;
  CLI::Option* repeats = nullptr;
  CLI::Option* time_budget = nullptr;
  CLI::Option* gpu_time_budget = nullptr;
  CLI::Option* baseline_seconds = nullptr;
};

QuickDefaults add_options(CLI::App& app, Options& o, std::vector<std::string>& engine_names) {
  QuickDefaults given;
  app.add_flag("--quick", o.quick,
               "a short run (seconds): dyna-maze and taxi, n 0 and 5, 100 agents of 200 steps, one "
               "repeat, 0.5 s budgets; options given explicitly still win");
  given.agents = app.add_option("--agents", o.agents, "agent counts, increasing (default 100,1000,10000,100000,1000000)")
                     ->delimiter(',')->check(CLI::Range(1u, 0xFFFFFFFFu));
  given.envs = app.add_option("--envs", o.envs,
                              "environments (default dyna-maze,random-maze:100x100:1,random-maze:1000x1000:1,"
                              "garnet:10000:4:3:1,taxi)")->delimiter(',');
  given.n = app.add_option("--n", o.n, "planning steps per real step (default 0,5,50)")->delimiter(',');
  given.steps = app.add_option("--steps", o.steps, "real steps per agent (default 1000)")->check(CLI::Range(1, 100000000));
  given.repeats = app.add_option("--repeats", o.repeats,
                                 "timed runs per case, after one warm-up, each followed by a run of the same agents "
                                 "with 0 real steps that times their initialisation alone (default 3)")
                      ->check(CLI::Range(1, 1000));
  given.time_budget = app.add_option("--time-budget", o.time_budget,
                                "seconds per (engine, environment, n) for the reference and cpu engines: larger "
                                "agent counts are skipped past it (default 4)")->check(CLI::PositiveNumber);
  given.gpu_time_budget = app.add_option("--gpu-time-budget", o.gpu_time_budget,
                                    "the same for the cuda engine (default 60)")->check(CLI::PositiveNumber);
  given.baseline_seconds = app.add_option("--baseline-seconds", o.baseline_seconds,
                                  "time limit of each run of a NumPy transcription of the book (default 5)")
                      ->check(CLI::PositiveNumber);
  app.add_option("--peer-agents", o.peer_agents,
                 "agents of every run of a fast peer (NumPy vectorised, Numba, JAX) (default 1000); JAX on a GPU "
                 "is set beside the cuda engine's run of as many agents, so put this count in --agents too")
      ->check(CLI::Range(1u, 10000000u));
  o.peers = peer_names();
  app.add_option("--peers", o.peers,
                 "the fast peers to run, among numpy_vectorized,numba,jax (default all); JAX runs on its default "
                 "backend: the GPU where its CUDA plugin is installed (JAX_PLATFORMS=cpu keeps it on the CPU)")
      ->delimiter(',')->check(CLI::IsMember(peer_names()));
  app.add_option("--buckets", o.buckets, "metric buckets per agent (default 10)")->check(CLI::Range(1, 1000000));
  app.add_option("--verify-agents", o.verify_agents, "first agents compared with the reference (default 4)")
      ->check(CLI::Range(1, 64));
  app.add_option("--threads", o.threads, "threads of the all-threads cpu engine (default: all OpenMP sees)")
      ->check(CLI::Range(0, static_cast<int>(dynaq::kMaxThreads)));
  app.add_option("--engines", engine_names,
                 "engines to run among reference,cpu-1t,cpu-all,cuda-global,cuda-shared; cuda = both kernel versions "
                 "(default all); only when named: cpu-1t-lanes, the cpu engine's SIMD lane groups on one thread, and "
                 "cuda-emulated, both kernel versions on the cuda engine's host emulation in place of a GPU (slow: "
                 "it checks the GPU half of the benchmark, and no target is judged on it)")
      ->delimiter(',')->check(CLI::IsMember({"reference", "cpu-1t", "cpu-1t-lanes", "cpu-all", "cuda", "cuda-global",
                                             "cuda-shared", "cuda-emulated"}));
  app.add_option("--seed", o.seed, "sweep seed (default 12345)");
  app.add_option("--json", o.json, "write every measurement to this JSON file");
  app.add_option("--baselines-dir", o.baselines_dir, "folder of the NumPy baseline scripts (default: the source tree's)");
  app.add_option("--python", o.python,
                 "Python interpreter for the baselines (default: the source tree's .venv-bench/bin/python, made by "
                 "scripts/setup_baselines.sh, else python3)");
  app.add_flag("--no-baselines", o.no_baselines, "skip the NumPy transcriptions of the book");
  app.add_flag("--no-peers", o.no_peers, "skip the fast peers (NumPy vectorised, Numba, JAX)");
  app.add_option("--dynaq", o.dynaq, "the dynaq binary for the end-to-end runs (default: the one built beside)");
  app.add_flag("--no-end-to-end", o.no_end_to_end, "skip the end-to-end `dynaq run` of every measured case");
  app.add_flag("--no-gpu", o.no_gpu, "skip the GPU half even when a GPU is present");
  return given;
}

// --quick's defaults, for the options not given explicitly.
void apply_quick(Options& o, const QuickDefaults& given) {
  if (!given.agents->count()) o.agents = {100};
  if (!given.envs->count()) o.envs = {"dyna-maze", "taxi"};
  if (!given.n->count()) o.n = {0, 5};
  if (!given.steps->count()) o.steps = 200;
  if (!given.repeats->count()) o.repeats = 1;
  if (!given.time_budget->count()) o.time_budget = 0.5;
  if (!given.gpu_time_budget->count()) o.gpu_time_budget = 2.0;
  if (!given.baseline_seconds->count()) o.baseline_seconds = 0.5;
}

}  // namespace
}  // namespace dynaq::bench

int main(int argc, char** argv) {
  using namespace dynaq::bench;
  BenchRun run;
  Options& o = run.options;
  o.baselines_dir = DYNAQ_BENCH_BASELINES_DIR;
  o.dynaq = DYNAQ_BINARY;
  run.command = command_line(argc, argv);
  std::vector<std::string> engine_names;

  CLI::App app{"dynaq-bench: every dynaq engine on the same work, checked against the reference bit for bit, "
               "then timed; beside them the NumPy transcriptions of the book and the fast peers (NumPy vectorised "
               "over seeds, Numba, JAX), each when its packages are present."};
  const QuickDefaults given = add_options(app, o, engine_names);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : dynaq::kExitInputError;
  }
  if (o.quick) apply_quick(o, given);
  std::sort(o.agents.begin(), o.agents.end());
  o.agents.erase(std::unique(o.agents.begin(), o.agents.end()), o.agents.end());
  if (o.agents.empty() || o.envs.empty() || o.n.empty()) {
    std::cerr << "dynaq-bench: error: --agents, --envs and --n need at least one value\n";
    return dynaq::kExitInputError;
  }
  try {
    return run_benchmark(run, engine_names);
  } catch (const dynaq::InputError& e) {
    std::cerr << "dynaq-bench: error: " << e.what() << "\n";
    return dynaq::kExitInputError;
  } catch (const std::exception& e) {
    std::cerr << "dynaq-bench: " << e.what() << "\n";
    return dynaq::kExitRuntimeError;
  }
}
