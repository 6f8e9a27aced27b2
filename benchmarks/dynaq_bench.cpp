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
//      reference again; then `dynaq run` runs the same
//      case in a child process, for the end-to-end time of a whole sweep. A count whose estimated
//      time (from the previous count, or the verification run) exceeds what is left of
//      --time-budget (--gpu-time-budget for cuda) is skipped with its reason; when the first
//      count alone would exceed it, the largest count that fits is run instead.
//   3. the baselines on the Dyna maze: the NumPy transcriptions of the book when python3 with
//      NumPy is present, then the fast peers (NumPy vectorised over seeds, Numba, JAX) with one
//      thread and with all, each when its package is (scripts/setup_baselines.sh); each skipped
//      one says why.
//   4. ratios, napkin math, targets; JSON with every measurement (--json).
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
#include "dynaq/cpu_lanes.hpp"
#include "dynaq/cuda_runtime_checks.hpp"
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

std::vector<BenchEngine> make_engines(const Options& options, const std::vector<std::string>& wanted,
                                      BenchRun& run) {
  const auto want = [&](const std::string& name) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  };
  const auto cpu_engine = [](int threads, std::uint32_t lanes = CpuEngineOptions{}.lanes) {
    CpuEngineOptions cpu;  // batch size and memory budget: the engine's defaults, as `dynaq run` uses them
    cpu.threads = threads;
    cpu.lanes = lanes;
    return make_cpu_engine(cpu);
  };
  // Only when named: the cpu engine's SIMD lane groups (cpu_lanes.hpp) on one thread.
  const bool named = [&](const std::string& name) {
    return std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  }("cpu-1t-lanes");
  std::vector<BenchEngine> engines;
  if (want("reference")) engines.push_back(BenchEngine{"reference", false, true, 1, nullptr, "", make_reference_engine});
  if (want("cpu-1t")) engines.push_back(BenchEngine{"cpu-1t", false, false, 1, nullptr, "", [=] { return cpu_engine(1); }});
  if (named && kWidestLanes > 1)
    engines.push_back(BenchEngine{"cpu-1t-lanes", false, false, 1, nullptr, "", [=] { return cpu_engine(1, 0); }});
  const int all = options.threads > 0 ? options.threads : omp_get_max_threads();
  if (want("cpu-all") && all > 1)
    engines.push_back(BenchEngine{"cpu-" + std::to_string(all) + "t", false, false, all, nullptr, "", [=] { return cpu_engine(all); }});
  if (!want("cuda") && !want("cuda-global") && !want("cuda-shared")) {
    run.gpu_skipped = "not asked for (--engines)";
  } else if (options.no_gpu) {
    run.gpu_skipped = "--no-gpu";
  } else {
    const GpuStatus status = query_gpu();
    if (!status.present) {
      run.gpu_skipped = status.reason;
    } else {
      // Every kernel version, without the self-check: each case is verified against the
      // reference before it is timed.
      for (const CudaKernel kernel : {CudaKernel::kGlobal, CudaKernel::kShared}) {
        const std::string label = "cuda-" + cuda_kernel_name(kernel);
        if (!want("cuda") && !want(label)) continue;
        CudaEngineOptions cuda;
        cuda.kernel = kernel;
        cuda.self_check = false;
        make_cuda_engine(cuda);  // fails here, before any case, when the GPU cannot be used
        engines.push_back(BenchEngine{label, true, false, 0, nullptr, cuda_kernel_name(kernel),
                                      [cuda] { return make_cuda_engine(cuda); }});
      }
      run.gpu = gpu_properties();
    }
  }
  for (const BenchEngine& e : engines) run.engines.push_back(e.label);
  return engines;
}

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

double elapsed(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// One (environment, n, engine): agent counts in increasing order within the time budget.
void time_engine(BenchRun& run, BenchEngine& engine, const ReferenceRun& reference, double seconds_per_agent,
                 std::uint64_t table_bytes) {
  const Options& o = run.options;
  const double budget = engine.gpu ? o.gpu_time_budget : o.time_budget;
  const int runs_per_count = o.repeats + 1 + (o.no_end_to_end ? 0 : 1);  // a warm-up, and dynaq run
  const std::uint64_t metric_bytes =
      metric_bytes_per_agent(*reference.environment, make_case(o, reference.env, reference.n, 1));
  double used = 0.0;
  std::uint32_t last_agents = 0;  // the last count measured (0: none yet)
  double last_seconds = 0.0;
  std::string stop;               // non-empty: every remaining count is skipped, for this reason
  for (const std::uint32_t requested : o.agents) {
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
    if (!stop.empty()) {
      m.skipped = stop;
      run.measurements.push_back(m);
      continue;
    }
    bool reduced = false;  // fewer agents than requested: the last count of this sweep
    if (engine.gpu) {
      const double fit = std::floor(kGpuMemoryShare * double(run.gpu.memory_bytes) / double(table_bytes + metric_bytes));
      if (m.agents > fit) {
        if (fit < 1.0 || fit <= last_agents) {
          m.skipped = "device memory: " + bytes_text(double(m.agents) * double(table_bytes + metric_bytes)) +
                      " of tables and metrics is over " + std::to_string(int(kGpuMemoryShare * 100)) + "% of " +
                      bytes_text(double(run.gpu.memory_bytes));
          stop = m.skipped;
          run.measurements.push_back(m);
          continue;
        }
        m.agents = static_cast<std::uint32_t>(fit);
        reduced = true;
      }
    }
    // The next count's time, from the last one: proportional to the agents on the cpu; on the
    // GPU, flat until the device is full (one thread per agent, 2048 resident threads per SM).
    const double full_device = double(run.gpu.sm_count) * 2048.0;
    const double scale = engine.gpu ? std::max(1.0, m.agents / std::max<double>(last_agents, full_device))
                                    : double(m.agents) / std::max<std::uint32_t>(1, last_agents);
    const double per_run = last_agents > 0 ? last_seconds * scale : seconds_per_agent * m.agents;
    const double left = budget - used;
    if (runs_per_count * per_run > left) {
      if (last_agents > 0) {
        m.skipped = "time budget: about " + si(runs_per_count * per_run, 2) + " s for " +
                    std::to_string(runs_per_count) + " runs, " + si(std::max(0.0, left), 2) + " s of " +
                    si(budget, 2) + " s left";
        run.measurements.push_back(m);
        continue;
      }
      // The first count is always measured. On the cpu, with as many agents as fit the budget
      // by the verification run's rate; on the GPU as asked: a small verification group says
      // nothing about the rate of a full device.
      if (!engine.gpu) {
        const double fit = std::floor(left / (runs_per_count * seconds_per_agent));
        m.agents = static_cast<std::uint32_t>(std::max(1.0, std::min<double>(fit, m.agents)));
        reduced = true;
      }
    }
    const Case c = make_case(o, reference.env, reference.n, m.agents);
    const auto start = Clock::now();
    try {
      engine.engine.reset();  // the previous case's tables go before the new engine's come
      engine.engine = engine.make();
      m.warm_up = run_case(engine, c, reference, false);
      for (int r = 0; r < o.repeats; ++r) m.runs.push_back(run_case(engine, c, reference, false));
    } catch (const std::bad_alloc&) {
      m.runs.clear();
      m.skipped = "out of host memory";
    }
    if (!m.runs.empty() && !o.no_end_to_end)
      m.end_to_end = run_end_to_end(o.dynaq, engine, c, std::max(10.0, 10.0 * m.engine_seconds().max));
    else if (o.no_end_to_end)
      m.end_to_end.note = "--no-end-to-end";
    used += elapsed(start);
    if (!m.runs.empty()) {
      last_agents = m.agents;
      last_seconds = m.engine_seconds().median;
    }
    run.measurements.push_back(m);
    if (reduced) stop = "a smaller count was already reduced to " + std::to_string(m.agents) + " agents to fit";
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

int run_benchmark(BenchRun& run, const std::vector<std::string>& engine_names) {
  const Options& o = run.options;
  const auto start = Clock::now();
  // Where the JSON goes is checked before the benchmarks run, not after an hour of them.
  if (!o.json.empty()) {
    const std::string probe = o.json + ".tmp";
    FILE* f = std::fopen(probe.c_str(), "w");
    if (f == nullptr) throw InputError("--json " + o.json + ": cannot write " + probe + ": " + std::strerror(errno));
    std::fclose(f);
    std::remove(probe.c_str());
  }
  run.machine = describe_machine(DYNAQ_SOURCE_DIR);
  std::vector<BenchEngine> engines = make_engines(o, engine_names, run);

  std::printf("dynaq-bench %s: %s\n", DYNAQ_VERSION, run.command.c_str());
  std::printf("machine: %s, %d logical CPUs (OpenMP: %d threads), %s; %s; load average %s\n",
              run.machine.cpu_model.c_str(), run.machine.cores, run.machine.openmp_threads,
              run.machine.hostname.c_str(), run.machine.date_utc.c_str(), run.machine.load_average.c_str());
  std::printf("build: %s; CUDA %s; commit %s\n", run.machine.compiler.c_str(),
              run.machine.cuda_build.empty() ? "not built" : run.machine.cuda_build.c_str(),
              run.machine.git_commit.empty() ? "unknown" : run.machine.git_commit.c_str());
  std::printf("engines:");
  for (const BenchEngine& e : engines) std::printf(" %s", e.label.c_str());
  std::printf("\n");
  if (!run.gpu_skipped.empty())
    std::printf("GPU half skipped: %s\n", run.gpu_skipped.c_str());
  else
    std::printf("GPU: %s (sm_%d%d, %d SMs, %s), cuda engine = each kernel version (global, shared)\n",
                run.gpu.name.c_str(), run.gpu.compute_major, run.gpu.compute_minor, run.gpu.sm_count,
                bytes_text(double(run.gpu.memory_bytes)).c_str());
  std::printf("work: %llu real steps per agent, n planning updates each; alpha 0.1, gamma 0.95, epsilon 0.1; "
              "%d timed runs after one warm-up; time budget %.3g s per (engine, env, n)%s\n",
              static_cast<unsigned long long>(o.steps), o.repeats, o.time_budget,
              engines.empty() || !engines.back().gpu ? "" : (", " + si(o.gpu_time_budget, 2) + " s for cuda").c_str());
  std::fflush(stdout);

  // 1. Verify every engine before anything is timed.
  std::map<std::pair<std::string, std::uint32_t>, ReferenceRun> references;
  std::map<std::pair<std::string, std::string>, double> seconds_per_agent;  // (engine, "env/n")
  for (const std::string& env : o.envs) {
    const auto environment = std::make_shared<const Environment>(load_environment(env));
    for (const std::uint32_t n : o.n) {
      const std::uint32_t first = o.agents.front();
      const std::uint32_t k = std::min(o.verify_agents, first);
      ReferenceRun reference = run_reference(environment, make_case(o, env, n, first), k);
      const std::uint64_t bytes = reference.group.table_bytes_per_agent();
      const std::string key = env + "/" + std::to_string(n);
      seconds_per_agent[{"reference", key}] = reference.seconds / k;
      const std::uint32_t group_agents = static_cast<std::uint32_t>(std::max<std::uint64_t>(
          k, std::min<std::uint64_t>({first, kMaxVerifyGroup, kVerifyTableBytes / std::max<std::uint64_t>(1, bytes)})));
      for (BenchEngine& engine : engines) {
        if (engine.oracle) continue;
        engine.engine.reset();
        engine.engine = engine.make();
        const Timing t = run_case(engine, make_case(o, env, n, group_agents), reference, true);
        seconds_per_agent[{engine.label, key}] = t.engine_seconds / group_agents;
        run.verifications.push_back(Verification{engine.label, env, n, group_agents, k, t.engine_seconds});
      }
      // Only the metrics are compared from here on: drop the tables.
      reference.results.q = {};
      reference.results.model_next = {};
      reference.results.model_reward = {};
      reference.results.model_count = {};
      reference.results.observed_pairs = {};
      references.emplace(std::make_pair(env, n), std::move(reference));
    }
  }
  std::printf("verification: %zu engine runs match the reference bit for bit (Q, model, observed pairs, metrics) on "
              "the first %u agents of every case\n\n",
              run.verifications.size(), std::min(o.verify_agents, o.agents.front()));
  std::fflush(stdout);

  // 2. Time.
  for (const std::string& env : o.envs)
    for (const std::uint32_t n : o.n) {
      const ReferenceRun& reference = references.at({env, n});
      const std::string key = env + "/" + std::to_string(n);
      for (BenchEngine& engine : engines)
        time_engine(run, engine, reference, seconds_per_agent.at({engine.label, key}),
                    reference.group.table_bytes_per_agent());
      print_case_table(run, env, n);
    }

  // 3. Baselines.
  const bool dyna_maze = std::find(o.envs.begin(), o.envs.end(), "dyna-maze") != o.envs.end();
  if (o.no_baselines) run.baselines_skipped = "--no-baselines";
  else if (!dyna_maze) run.baselines_skipped = "they run the Dyna maze, which --envs leaves out";
  else run.baselines_skipped = baselines_unavailable(o);
  if (run.baselines_skipped.empty())
    for (const std::uint32_t n : o.n) {
      if (n == 0) continue;
      for (const char* name : {"textbook", "fast"}) run.baselines.push_back(run_baseline(o, name, n));
    }
  if (o.no_peers) run.peers_skipped = "--no-peers";
  else if (o.quick) run.peers_skipped = "--quick (their compilation and checks take tens of seconds)";
  else if (!dyna_maze) run.peers_skipped = "they run the Dyna maze, which --envs leaves out";
  if (run.peers_skipped.empty()) {
    const int all = o.threads > 0 ? o.threads : omp_get_max_threads();
    for (const std::uint32_t n : o.n) {
      if (n == 0) continue;
      for (const std::string& name : peer_names()) {
        std::printf("running the %s peer, n=%u, 1 thread...\n", name.c_str(), n);
        std::fflush(stdout);
        run.baselines.push_back(run_peer(o, name, n, 1));
        // NumPy's array operations here run on one thread whatever the machine has.
        if (all > 1 && name != "numpy_vectorized" && run.baselines.back().ran) {
          std::printf("running the %s peer, n=%u, %d threads...\n", name.c_str(), n, all);
          std::fflush(stdout);
          run.baselines.push_back(run_peer(o, name, n, all));
        }
      }
    }
  }

  // 4. Report.
  print_baselines(run);
  print_ratios(run);
  compute_napkins(run);
  print_napkins(run);
  evaluate_targets(run);
  print_targets(run);
  run.total_seconds = elapsed(start);
  if (!o.json.empty()) {
    const std::string tmp = o.json + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) throw InputError("--json " + o.json + ": cannot write " + tmp);
    const std::string text = to_json(run);
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), o.json.c_str()) != 0)
      throw InputError("--json " + o.json + ": could not write the file");
    std::printf("\nwrote %s\n", o.json.c_str());
  }
  std::printf("total %.1f s\n", run.total_seconds);
  return 0;
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
  app.add_flag("--quick", o.quick,
               "a short run (seconds): dyna-maze and taxi, n 0 and 5, 100 agents of 200 steps, one "
               "repeat, 0.5 s budgets; options given explicitly still win");
  auto* agents = app.add_option("--agents", o.agents, "agent counts, increasing (default 100,1000,10000,100000,1000000)")
                     ->delimiter(',')->check(CLI::Range(1u, 0xFFFFFFFFu));
  auto* envs = app.add_option("--envs", o.envs,
                              "environments (default dyna-maze,random-maze:100x100:1,random-maze:1000x1000:1,"
                              "garnet:10000:4:3:1,taxi)")->delimiter(',');
  auto* n = app.add_option("--n", o.n, "planning steps per real step (default 0,5,50)")->delimiter(',');
  auto* steps = app.add_option("--steps", o.steps, "real steps per agent (default 1000)")->check(CLI::Range(1, 100000000));
  auto* repeats = app.add_option("--repeats", o.repeats, "timed runs per case, after one warm-up (default 3)")
                      ->check(CLI::Range(1, 1000));
  auto* budget = app.add_option("--time-budget", o.time_budget,
                                "seconds per (engine, environment, n) for the reference and cpu engines: larger "
                                "agent counts are skipped past it (default 4)")->check(CLI::PositiveNumber);
  auto* gpu_budget = app.add_option("--gpu-time-budget", o.gpu_time_budget,
                                    "the same for the cuda engine (default 60)")->check(CLI::PositiveNumber);
  auto* baseline = app.add_option("--baseline-seconds", o.baseline_seconds,
                                  "time limit of each run of a NumPy transcription of the book (default 5)")
                      ->check(CLI::PositiveNumber);
  app.add_option("--peer-agents", o.peer_agents,
                 "agents of every run of a fast peer (NumPy vectorised, Numba, JAX) (default 1000)")
      ->check(CLI::Range(1u, 10000000u));
  app.add_option("--buckets", o.buckets, "metric buckets per agent (default 10)")->check(CLI::Range(1, 1000000));
  app.add_option("--verify-agents", o.verify_agents, "first agents compared with the reference (default 4)")
      ->check(CLI::Range(1, 64));
  app.add_option("--threads", o.threads, "threads of the all-threads cpu engine (default: all OpenMP sees)")
      ->check(CLI::Range(0, static_cast<int>(dynaq::kMaxThreads)));
  app.add_option("--engines", engine_names,
                 "engines to run among reference,cpu-1t,cpu-all,cuda-global,cuda-shared; cuda = both kernel versions "
                 "(default all); cpu-1t-lanes, only when named, is the cpu engine's SIMD lane groups on one thread")
      ->delimiter(',')->check(CLI::IsMember({"reference", "cpu-1t", "cpu-1t-lanes", "cpu-all", "cuda", "cuda-global", "cuda-shared"}));
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : dynaq::kExitInputError;
  }
  if (o.quick) {
    if (!agents->count()) o.agents = {100};
    if (!envs->count()) o.envs = {"dyna-maze", "taxi"};
    if (!n->count()) o.n = {0, 5};
    if (!steps->count()) o.steps = 200;
    if (!repeats->count()) o.repeats = 1;
    if (!budget->count()) o.time_budget = 0.5;
    if (!gpu_budget->count()) o.gpu_time_budget = 2.0;
    if (!baseline->count()) o.baseline_seconds = 0.5;
  }
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
