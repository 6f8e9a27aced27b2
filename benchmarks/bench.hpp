// dynaq-bench: what its parts share. The order of a run (dynaq_bench.cpp):
//   1. verify  every engine against the reference, bit for bit, on the first agents of every case;
//   2. time    every (engine, environment, n) over agent counts, within a time budget, and the
//              same agents with 0 real steps, for initialisation apart from learning;
//   3. compare with the baselines (baselines/*.py): the NumPy transcriptions of the book when
//      python3 with NumPy is present, and the fast peers (NumPy vectorised over seeds, Numba,
//      JAX) when their packages are (scripts/setup_baselines.sh installs them);
//   4. report  ratios, napkin math and targets on stdout, and everything in JSON.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dynaq/engine.hpp"
#include "dynaq/environment.hpp"
#include "gpu_properties.hpp"

namespace dynaq::bench {

struct Options {
  std::vector<std::string> envs{"dyna-maze", "random-maze:100x100:1", "random-maze:1000x1000:1",
                                "garnet:10000:4:3:1", "taxi"};
  std::vector<std::uint32_t> n{0, 5, 50};
  std::vector<std::uint32_t> agents{100, 1000, 10000, 100000, 1000000};
  std::uint64_t steps = 1000;         // real steps per agent (a kSteps budget: same work everywhere)
  std::uint32_t buckets = 10;         // metric buckets per agent
  int repeats = 3;                    // timed runs per case, after one warm-up run
  double time_budget = 4.0;           // seconds per (cpu or reference engine, env, n) sweep
  double gpu_time_budget = 60.0;      // seconds per (cuda engine, env, n) sweep
  double baseline_seconds = 5.0;      // per run of a NumPy transcription of the book
  std::uint32_t peer_agents = 1000;   // agents of every run of a fast peer
  std::vector<std::string> peers;     // the fast peers to run (add_options sets all of peer_names())
  std::uint32_t verify_agents = 4;    // first agents compared with the reference
  int threads = 0;                    // "all threads" engine; 0: what OpenMP sees
  std::uint64_t seed = 12345;
  std::string json;                   // output file; empty: none
  std::string baselines_dir;          // where baselines/*.py are
  std::string python;                 // interpreter of the baselines; empty: .venv-bench's, else python3
  std::string dynaq;                  // the dynaq binary, for the end-to-end runs; empty: none
  bool quick = false;
  bool no_baselines = false;
  bool no_peers = false;
  bool no_end_to_end = false;
  bool no_gpu = false;
};

// One engine as the benchmark runs it.
struct BenchEngine {
  std::string label;   // reference, cpu-1t, cpu-2t, cuda-global, cuda-shared, emulated-cuda-global, ...
  bool gpu = false;    // the cuda engine, on a GPU or on its host emulation
  bool oracle = false;
  int threads = 1;
  std::unique_ptr<Engine> engine;
  std::string cuda_kernel;  // for `dynaq run --cuda-kernel`, on the GPU
  // A fresh engine, made before each case so that its warm-up starts from no memory held.
  std::function<std::unique_ptr<Engine>()> make;
  bool emulated = false;  // the cuda engine's host emulation: no `dynaq run` backend, no targets
};

// One case: an environment, n and an agent count, every agent taking `steps` real steps.
struct Case {
  std::string env;
  std::uint32_t n = 0;
  std::uint32_t agents = 0;
  std::uint64_t steps = 0;
  std::uint32_t buckets = 1;
  std::uint64_t seed = 0;
  // A budget of 0 real steps, with the metric buckets of `steps`: the run does everything a run of
  // the case does (metrics allocated, fresh tables made) except learning. On the cpu engine its
  // tables are made by undoing the timed run's agents (agent_reset), and the next timed run's
  // reset then has nothing to undo: so it holds the reset's cost of a learned agent.
  bool init_only = false;

  std::uint64_t bucket_steps() const { return (steps + buckets - 1) / buckets; }
  std::uint64_t real_steps() const { return std::uint64_t{agents} * steps; }
  std::uint64_t planning_updates() const { return real_steps() * n; }
};

// The engine group of a case: one grid point (alpha 0.1, gamma 0.95, epsilon 0.1, Q = 0,
// uniform draws over observed pairs, the environment's step limit), a kSteps budget, agents
// 0 .. agents-1 of the sweep.
AgentGroup make_group(const Environment& environment, const Case& c, bool keep_tables);

// One timed run of one case.
struct Timing {
  double engine_seconds = 0;      // Engine::run alone, wall clock: the rates come from this
  double cpu_seconds = 0;         // user + system CPU time of the process over Engine::run
  std::int64_t peak_bytes = -1;   // VmHWM after the run - VmRSS before it (-1: unknown)
};

// `dynaq run` on the same case in a child process: the end-to-end time of a whole sweep as a
// user runs it (start-up, loading the environment, the run, statistics and result files).
struct EndToEnd {
  bool ran = false;
  std::string note;               // why not, or what failed
  double seconds = 0;
  std::int64_t peak_bytes = -1;   // the child's VmHWM, sampled every millisecond (-1: none seen)
  std::string command;
};

struct Stats {
  double median = 0, min = 0, max = 0;
};
Stats stats_of(std::vector<double> values);
// The same over one field of each run, e.g. stats_of(m.runs, &Timing::cpu_seconds).
Stats stats_of(const std::vector<Timing>& runs, double Timing::*field);

// Seconds of the steady clock since `start`.
double seconds_since(std::chrono::steady_clock::time_point start);

struct Measurement {
  std::string engine, env;
  int threads = 1;  // of the engine; 0: the GPU, one thread per agent
  std::uint32_t n = 0, agents = 0, requested_agents = 0;
  std::uint64_t steps = 0;
  std::vector<Timing> runs;
  // The warm-up: the first run on a fresh engine, which allocates (and faults in) the tables
  // that the timed runs reuse, as the chunks of a sweep reuse them.
  Timing warm_up;
  // Runs of the same agents with 0 real steps (Case::init_only), one after each timed run: what
  // a timed run spends on anything but learning, chiefly making fresh tables (agent_init, or on
  // the cpu engine undoing the previous agent of the place: see Case::init_only).
  std::vector<Timing> init_runs;
  EndToEnd end_to_end;
  std::uint32_t n_states = 0, n_actions = 0;
  std::uint64_t table_bytes_per_agent = 0, metric_bytes_per_agent = 0;
  std::uint64_t init_bytes_per_agent = 0;  // what agent_init writes (AgentGroup::init_bytes_per_agent)
  bool model_from_environment = false;     // the cuda engine plans from the environment (model_is_environment)
  std::string skipped;  // non-empty: not measured, and why

  Stats engine_seconds() const;
  // Rates per second from the engine time: median, and min/max from the slowest/fastest run.
  Stats planning_updates_per_second() const;
  Stats real_steps_per_second() const;
  // Planning updates per second of CPU time (all threads): on a machine shared with other work,
  // closer to what a core can do than the wall-clock rate.
  double planning_updates_per_cpu_second() const;
  std::int64_t peak_bytes() const;  // the largest over runs

  // Initialisation apart from learning: learning is the median timed run less the median
  // init-only run (both medians of as many runs of the same agents, in turn on the same engine).
  Stats init_seconds() const;
  double learning_seconds() const;      // 0 when the difference is not positive (noise)
  double learning_cpu_seconds() const;  // the same in CPU time
  // Planning updates (real steps where n = 0) per second of learning, and per CPU-second of it.
  double learning_rate() const;
  double learning_rate_per_cpu_second() const;
};

// The reference results of the first agents of a case (tables kept), computed once per (env, n).
struct ReferenceRun {
  std::shared_ptr<const Environment> environment;
  std::string env;
  std::uint32_t n = 0;
  std::uint32_t agents = 0;
  double seconds = 0;
  AgentGroup group;
  GroupResults results;
};

// ---- measure.cpp ------------------------------------------------------------------------

ReferenceRun run_reference(std::shared_ptr<const Environment> environment, const Case& c, std::uint32_t agents);

// Runs `engine` once on `c` with 0 real steps (Case::init_only) and checks that no agent stepped.
Timing run_init_only(BenchEngine& engine, const Case& c, const ReferenceRun& reference);

// Runs `engine` once on `c` (tables kept when asked), checks the first reference.agents agents'
// results against `reference` (tables too when kept) and returns the timing. Throws
// std::runtime_error describing the first mismatches when a bit differs.
Timing run_case(BenchEngine& engine, const Case& c, const ReferenceRun& reference, bool keep_tables);

// The first differences between the reference and an engine's results for the reference's agents
// (with agent, state, action, both values and ulps); empty when every bit is the same.
std::string compare_with_reference(const ReferenceRun& reference, const AgentGroup& group,
                                   const GroupResults& got, bool tables);

// Runs `dynaq run` for the case with the engine's backend and threads, killed after
// `limit_seconds`; its results go to a temporary folder that is removed afterwards.
EndToEnd run_end_to_end(const std::string& dynaq_binary, const BenchEngine& engine, const Case& c,
                        double limit_seconds);

// Bytes of metrics GroupResults keeps per agent (tables not kept).
std::uint64_t metric_bytes_per_agent(const Environment& environment, const Case& c);

// How peak memory is measured here (depends on what the kernel allows).
std::string peak_memory_method();

// ---- memory_bandwidth.cpp ---------------------------------------------------------------

struct CacheSizes {
  std::uint64_t l2 = 0, l3 = 0;  // bytes of one core's L2 and of the L3; 0: unknown
};
CacheSizes cache_sizes();  // from sysfs

// STREAM's copy and triad, and a fill (c = 3: stores only, as agent_init writes tables), on
// `threads` threads over three arrays of array_bytes each (at least 4 x the last-level cache, 64
// MiB at least, first touched by their threads), best of `repeats`, bytes counted as STREAM
// counts them: read and written by the program, not the write-allocate reads of the lines written.
struct MemoryBandwidth {
  int threads = 0;
  std::uint64_t array_bytes = 0;
  int repeats = 0;
  double copy_bytes_per_second = 0;
  double triad_bytes_per_second = 0;
  double fill_bytes_per_second = 0;
};
MemoryBandwidth measure_memory_bandwidth(int threads, std::uint64_t last_level_cache_bytes);

// ---- machine.cpp ------------------------------------------------------------------------

struct Machine {
  std::string cpu_model;
  int cores = 0;             // logical CPUs the OS reports
  int openmp_threads = 0;
  double cpu_mhz = 0;        // from /proc/cpuinfo (0: unknown)
  std::string compiler;
  std::string cuda_build;    // CUDA runtime version the build used; empty without CUDA
  std::string date_utc;
  std::string git_commit;    // empty when unknown; "+dirty" when the tree has changes
  std::string hostname;
  std::string load_average;  // /proc/loadavg at the start: other work competing for the cores
  CacheSizes caches;
  std::vector<MemoryBandwidth> bandwidth;  // one per thread count of the cpu engines, 1 first
};
std::string load_average();
Machine describe_machine(const std::string& source_dir);


// ---- baselines.cpp ----------------------------------------------------------------------

// One run of a baseline script. The NumPy transcriptions of the book (textbook, fast) run agents
// one after another for --baseline-seconds; the peers (numpy_vectorized, numba, jax) run
// --peer-agents agents side by side with `threads` threads, after compiling (timed apart) and a
// statistical correctness check (baselines/peer_harness.py), and report their best of --repeats.
// JAX runs on its default backend: on a machine whose JAX has CUDA, that is the GPU, and the run
// is set beside the cuda engine instead of the cpu engine.
struct BaselineResult {
  std::string name;      // textbook, fast, numpy_vectorized, numba, jax
  std::string script;
  bool peer = false;
  std::uint32_t n = 0;
  std::uint64_t steps = 0;
  int threads = 1;       // host threads the run was allowed
  std::uint32_t agents = 0;  // peers: agents side by side
  std::string device = "cpu";  // where a peer's work ran: "cpu", or JAX's backend ("gpu")
  bool ran = false;
  std::string skipped;   // why not, when not
  double seconds = 0, cpu_seconds = 0;
  double compile_seconds = 0, check_seconds = 0;          // peers only
  double check_episode_1 = 0, check_plateau = 0;          // peers: the check's figures
  std::uint64_t planning_updates = 0, real_steps = 0, agents_completed = 0;
  bool on_gpu() const { return device != "cpu"; }
  // jax-gpu, numba-16t, textbook: threads say nothing of a run on the GPU.
  std::string label() const {
    if (!peer) return name;
    return name + "-" + (on_gpu() ? device : std::to_string(threads) + "t");
  }
  double planning_updates_per_second() const { return seconds > 0 ? planning_updates / seconds : 0; }
  double planning_updates_per_cpu_second() const { return cpu_seconds > 0 ? planning_updates / cpu_seconds : 0; }
  double real_steps_per_second() const { return seconds > 0 ? real_steps / seconds : 0; }
};

// The fast peers, in the order they run.
const std::vector<std::string>& peer_names();
// The interpreter the baselines run with: --python, else the source tree's .venv-bench, else python3.
std::string baseline_python(const Options& options);
// Why the NumPy transcriptions cannot run here (python3 or NumPy missing), or empty when they can.
std::string baselines_unavailable(const Options& options);
// Why a peer cannot run here (its package missing), or empty when it can.
std::string peer_unavailable(const Options& options, const std::string& name);
BaselineResult run_baseline(const Options& options, const std::string& name, std::uint32_t n);
BaselineResult run_peer(const Options& options, const std::string& name, std::uint32_t n, int threads);

// ---- what a whole run found (dynaq_bench.cpp fills it; report.cpp prints and writes it) ----

struct Verification {
  std::string engine, env;
  std::uint32_t n = 0, agents = 0, compared = 0;
  double seconds = 0;
  std::string cannot_run;  // non-empty: the engine refused the case (why), and it is not timed
};

// The least work on which a target's figure means something: a smaller run is not judged.
struct MinimumWorkload {
  std::uint32_t agents = 0;             // of the measurement
  std::uint32_t agents_per_thread = 0;  // of a cpu engine, over its threads
  double run_seconds = 0;               // the median timed run of Engine::run
};

// What a target's figure was measured on: one measurement's case and engine.
struct Workload {
  std::string engine, env;
  std::uint32_t n = 0, agents = 0;
  std::uint64_t steps = 0;
  int threads = 0;          // 0: the GPU, one thread per agent
  double run_seconds = 0;   // the median timed run
};

enum class Verdict { kMet, kNotMet, kNotJudged };
const char* verdict_name(Verdict verdict);  // "met", "not met", "not judged"

// A performance target, as measured here.
struct Target {
  std::string name;     // what is asked
  double goal = 0;      // the threshold
  MinimumWorkload needs;
  Verdict verdict = Verdict::kNotJudged;
  double value = 0;     // what was measured, when judged
  std::string detail;   // how the value was obtained, when judged
  std::string reason;   // why not judged
  std::vector<Workload> measured_on;  // empty when nothing was measured
};

// One line of napkin math: a measured rate against a bound.
struct Napkin {
  std::string kind;     // cpu cycles, gpu instructions, gpu memory, table reset, learning, no line in
                        // cache; learning, each line once
  std::string engine, env;
  std::uint32_t n = 0, agents = 0;
  double rate = 0;      // planning updates per second
  std::string text;     // the arithmetic, for people
  double fraction = 0;  // of the bound named in text (0: none)
  // Memory figures: the bytes one planning update moves as the text estimates them, and the
  // bandwidth in B/s they are set against (0: not a memory figure).
  double bytes_per_update = 0;
  double bandwidth = 0;
};

struct BenchRun {
  Options options;
  std::string command;
  Machine machine;
  GpuProperties gpu;
  std::string gpu_skipped;  // non-empty: why the GPU half did not run
  std::vector<std::string> engines;
  std::vector<Verification> verifications;
  std::vector<Measurement> measurements;
  std::string baselines_skipped;  // the NumPy transcriptions, all together
  std::string peers_skipped;      // the fast peers, all together (each one also says why it did not run)
  std::vector<BaselineResult> baselines;
  std::vector<Napkin> napkins;
  std::vector<Target> targets;
  double total_seconds = 0;
};

// ---- engines.cpp ------------------------------------------------------------------------

// The engines named in `wanted` (all when empty; cpu-1t-lanes and cuda-emulated only when named),
// in the order they run; sets run.engines, run.gpu and, when the GPU half does not run, why.
std::vector<BenchEngine> make_engines(const Options& options, const std::vector<std::string>& wanted, BenchRun& run);

// ---- report.cpp -------------------------------------------------------------------------

// The one-core rate the cpu targets and the cycle napkin are set against, planning updates/s.
constexpr double kCpuPerCoreUpdates = 1e8;

// The best (largest median) planning-update rate, or real-step rate for n = 0, of one engine on
// one (env, n), of exactly `agents` agents unless 0; null when it measured nothing there. "cuda"
// stands for every kernel version (cuda-global, cuda-shared), here and in is_engine: the
// summaries take the best of them.
const Measurement* best_measurement(const BenchRun& run, const std::string& engine, const std::string& env,
                                    std::uint32_t n, std::uint32_t agents = 0);
double rate_of(const Measurement& m);  // planning updates/s, or real steps/s when n = 0
bool is_engine(const std::string& engine, const std::string& label);
bool has_engine(const BenchRun& run, const std::string& label);
std::string cpu_all_label(const BenchRun& run);  // cpu-<N>t, or empty with one thread
std::uint32_t target_n(const Options& o);        // 50 when measured, else the largest n
// The transcription or peer `name` that ran at n (the first), or null.
const BaselineResult* baseline(const BenchRun& run, const std::string& name, std::uint32_t n);
std::string fixed(double value, int decimals);   // "%.*f"
std::string seconds_text(double seconds);        // for people: "0.1 s", "0.00313 s", "12.5 s"

void print_case_table(const BenchRun& run, const std::string& env, std::uint32_t n);
void print_ratios(const BenchRun& run);
void compute_napkins(BenchRun& run);
void print_napkins(const BenchRun& run);
void print_baselines(const BenchRun& run);

// ---- targets.cpp ------------------------------------------------------------------------

void evaluate_targets(BenchRun& run);
void print_targets(const BenchRun& run);

// ---- report_json.cpp --------------------------------------------------------------------

std::string to_json(const BenchRun& run);

// ---- formatting -------------------------------------------------------------------------

std::string si(double value, int digits = 3);  // 1.23e+08 -> "1.23e8"
std::string bytes_text(double bytes);

}  // namespace dynaq::bench
