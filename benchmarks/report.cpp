// What dynaq-bench prints: per-case tables, ratios, napkin math and the baselines (targets.cpp
// judges the targets; report_json.cpp writes the same in JSON).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench.hpp"
#include "dynaq/format.hpp"

namespace dynaq::bench {

namespace {

// Instructions one planning update of the straightforward kernel executes (Dyna-Q, kPairs draw,
// last-outcome model, a non-terminal outcome, 4 actions), counted by hand along that path
// through the planning loop of advance_agents_kernel in the sm_90 SASS of commit 460a399 (nvcc
// 13.0 -O3 --fmad=false; nvdisasm), BSSY/BSYNC included: 57 for the Philox block, the loop head
// and the variant loads, 13 to fetch the observed pair, 21 for the model lookup, 41 for
// max_a Q[s'][a] and the target, 21 for the bonus test, the backup, the planning-update counter
// and the loop test. Each further action adds about 7 (a load, a compare, a select, the address).
constexpr double kSassInstructionsPerUpdate4 = 153;
constexpr double kSassInstructionsPerExtraAction = 7;

// An H100 SXM's published figures, for the projection printed when no GPU is present.
constexpr int kH100Sms = 132;
constexpr double kH100ClockHz = 1.98e9;
constexpr double kH100Bandwidth = 3.35e12;

double instructions_per_update(std::uint32_t n_actions) {
  return kSassInstructionsPerUpdate4 + kSassInstructionsPerExtraAction * (double(n_actions) - 4.0);
}

// What one planning update touches of its agent's tables, should none of it be cached, in units
// of `unit` bytes: 4 counts the entries themselves, 32 a GPU's sectors, 64 a CPU's lines. It
// touches the observed-pairs entry drawn; the model's next state and reward (two tables), unless
// planning reads them from the environment, which all agents share and so stays cached
// (model_from_environment); the row Q[s'] (ceil(4A / unit) units: a row of 4 actions never
// straddles one); and Q[s][a], read and then written back. Neighbouring GPU threads are
// different agents, so no two of their accesses share a sector.
double table_bytes_per_update(std::uint32_t n_actions, double unit, bool model_from_environment) {
  const double entries = model_from_environment ? 3.0 : 5.0;
  return unit * (entries + std::ceil(4.0 * n_actions / unit));
}

// One core's L2 where sysfs does not say (Zen 4's): tables beyond it get the memory napkins.
constexpr std::uint64_t kDefaultL2Bytes = std::uint64_t{1} << 20;

// A cpu's cache line, the unit in which its tables move between memory and the core.
constexpr double kCacheLineBytes = 64;
// A GPU's sector, the unit of its memory transactions.
constexpr double kSectorBytes = 32;

// The most bytes of table lines one agent's learning can touch: each real step observes at most
// one new pair, and an observed pair brings its lines of Q, model next state and model reward and
// its 4-byte observed-pairs entry. Each of these lines comes from memory at least once per run
// (agent_init's writes have long left the caches when the tables outgrow them).
double learning_working_set(const Measurement& m) {
  const double pairs = double(m.n_states) * double(m.n_actions);
  return std::min(pairs, double(m.steps)) * (3.0 * kCacheLineBytes + 4.0);
}

// The machine's bandwidth measured on the engine's threads (else on one thread); null if none.
const MemoryBandwidth* bandwidth_for(const Machine& machine, int threads) {
  for (const MemoryBandwidth& b : machine.bandwidth)
    if (b.threads == threads) return &b;
  return machine.bandwidth.empty() ? nullptr : &machine.bandwidth.front();
}

}  // namespace

// ---- Shared with targets.cpp (bench.hpp says what each does) --------------------------------

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string seconds_text(double seconds) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.3g s", seconds);
  return buffer;
}

// Not cpu-1t, nor the one-thread lane groups.
std::string cpu_all_label(const BenchRun& run) {
  for (const std::string& e : run.engines)
    if (e.rfind("cpu-", 0) == 0 && e != "cpu-1t" && e != "cpu-1t-lanes") return e;
  return "";
}

bool is_engine(const std::string& engine, const std::string& label) {
  return label == "cuda" ? engine.rfind("cuda-", 0) == 0 : engine == label;
}

bool has_engine(const BenchRun& run, const std::string& label) {
  return std::any_of(run.engines.begin(), run.engines.end(), [&](const std::string& e) { return is_engine(e, label); });
}

std::uint32_t target_n(const Options& o) {
  if (std::find(o.n.begin(), o.n.end(), 50u) != o.n.end()) return 50;
  return *std::max_element(o.n.begin(), o.n.end());
}

const BaselineResult* baseline(const BenchRun& run, const std::string& name, std::uint32_t n) {
  for (const BaselineResult& b : run.baselines)
    if (b.name == name && b.n == n && b.ran) return &b;
  return nullptr;
}

double rate_of(const Measurement& m) {
  return m.n > 0 ? m.planning_updates_per_second().median : m.real_steps_per_second().median;
}

const Measurement* best_measurement(const BenchRun& run, const std::string& engine, const std::string& env,
                                    std::uint32_t n, std::uint32_t agents) {
  const Measurement* best = nullptr;
  for (const Measurement& m : run.measurements) {
    if (!is_engine(m.engine, engine) || m.env != env || m.n != n || m.runs.empty()) continue;
    if (agents != 0 && m.agents != agents) continue;
    if (best == nullptr || rate_of(m) > rate_of(*best)) best = &m;
  }
  return best;
}

void print_case_table(const BenchRun& run, const std::string& env, std::uint32_t n) {
  const Measurement* any = nullptr;
  for (const Measurement& m : run.measurements)
    if (m.env == env && m.n == n) any = &m;
  if (any == nullptr) return;
  std::printf("%s, n=%u: %llu real steps per agent; %s of tables + %s of metrics per agent\n", env.c_str(), n,
              static_cast<unsigned long long>(any->steps), bytes_text(double(any->table_bytes_per_agent)).c_str(),
              bytes_text(double(any->metric_bytes_per_agent)).c_str());
  std::printf("  %-12s %8s  %-28s %-22s %-24s %-10s %-26s %-10s %-20s\n", "engine", "agents",
              "planning updates/s [min,max]", "real steps/s", "engine s [min,max]", "init s",
              n == 0 ? "learning steps/s (CPU-s)" : "learning updates/s (CPU-s)", "peak mem", "dynaq run s (peak RSS)");
  for (const Measurement& m : run.measurements) {
    if (m.env != env || m.n != n) continue;
    if (m.runs.empty()) {
      std::printf("  %-12s %8u  skipped: %s\n", m.engine.c_str(), m.requested_agents, m.skipped.c_str());
      continue;
    }
    const Stats p = m.planning_updates_per_second(), r = m.real_steps_per_second(), t = m.engine_seconds();
    const std::string planning = n == 0 ? "-" : si(p.median) + " [" + si(p.min, 2) + "," + si(p.max, 2) + "]";
    const std::string e2e = m.end_to_end.ran ? si(m.end_to_end.seconds) + " (" +
                                                   bytes_text(double(m.end_to_end.peak_bytes)) + ")"
                                             : "- (" + m.end_to_end.note + ")";
    const auto rate_or_dash = [](double rate) { return rate > 0 ? si(rate) : std::string("-"); };
    const std::string learning =
        rate_or_dash(m.learning_rate()) + " (" + rate_or_dash(m.learning_rate_per_cpu_second()) + ")";
    std::printf("  %-12s %8u  %-28s %-22s %-24s %-10s %-26s %-10s %s%s\n", m.engine.c_str(), m.agents,
                planning.c_str(), (si(r.median) + " [" + si(r.min, 2) + "," + si(r.max, 2) + "]").c_str(),
                (si(t.median) + " [" + si(t.min, 2) + "," + si(t.max, 2) + "]").c_str(),
                si(m.init_seconds().median).c_str(), learning.c_str(), bytes_text(double(m.peak_bytes())).c_str(),
                e2e.c_str(),
                m.agents != m.requested_agents
                    ? ("  (" + std::to_string(m.requested_agents) + " asked; fewer to fit)").c_str()
                    : "");
  }
  std::printf("\n");
  std::fflush(stdout);
}

void print_ratios(const BenchRun& run) {
  const std::string all = cpu_all_label(run);
  std::printf("ratios of the best rates (planning updates/s; real steps/s where n=0), agents in brackets:\n");
  std::printf("  %-26s %4s  %-22s %-22s %-24s %s\n", "environment", "n", "cpu-1t/reference",
              (all.empty() ? std::string("cpu-all/reference") : all + "/reference").c_str(),
              (all.empty() ? std::string("scaling") : "scaling " + all + "/cpu-1t").c_str(),
              (all.empty() ? std::string("cuda/cpu") : "cuda/" + all).c_str());
  const auto ratio = [&](const std::string& a, const std::string& b, const std::string& env, std::uint32_t n) {
    const Measurement* x = best_measurement(run, a, env, n);
    const Measurement* y = best_measurement(run, b, env, n);
    if (x == nullptr || y == nullptr) return std::string("-");
    return fixed(rate_of(*x) / rate_of(*y), rate_of(*x) / rate_of(*y) < 10 ? 2 : 0) + "x [" +
           std::to_string(x->agents) + "/" + std::to_string(y->agents) + "]";
  };
  for (const std::string& env : run.options.envs)
    for (const std::uint32_t n : run.options.n)
      std::printf("  %-26s %4u  %-22s %-22s %-24s %s\n", env.c_str(), n, ratio("cpu-1t", "reference", env, n).c_str(),
                  all.empty() ? "-" : ratio(all, "reference", env, n).c_str(),
                  all.empty() ? "-" : ratio(all, "cpu-1t", env, n).c_str(),
                  has_engine(run, "cuda") ? ratio("cuda", all.empty() ? "cpu-1t" : all, env, n).c_str() : "-");
  std::printf("\n");
}

namespace {

// The runs of 0 real steps on a cpu engine: each place's previous agent undone (agent_reset writes
// back only the entries an agent can change: about its observed pairs), set against what writing
// whole tables (agent_init, which only fresh memory gets: the warm-up) would take at the measured
// fill bandwidth.
Napkin table_reset_napkin(const BenchRun& run, const Measurement& m, double reset_seconds, double fill,
                          const std::string& on) {
  const double whole_seconds = double(m.init_bytes_per_agent) * m.agents / fill;
  Napkin reset{"table reset", m.engine, m.env, m.n, m.agents, m.planning_updates_per_second().median, "",
               reset_seconds / whole_seconds, 0, fill};
  const double all_tables = double(m.table_bytes_per_agent) * m.agents;
  reset.text = "table reset: the runs of 0 real steps, " + std::to_string(m.agents) + " agents in " +
               seconds_text(reset_seconds) + " (" + si(stats_of(m.init_runs, &Timing::cpu_seconds).median, 3) + " CPU-s), " +
               fixed(100.0 * reset_seconds / m.engine_seconds().median, 0) +
               "% of the timed run: each place's previous agent undone (agent_reset); whole tables (agent_init, " +
               bytes_text(double(m.init_bytes_per_agent)) + " per agent, only into fresh memory: the warm-up) would take " +
               seconds_text(whole_seconds) + " at the " + si(fill) + " B/s fill bandwidth" + on + ": the reset takes " +
               fixed(100.0 * reset.fraction, 1) + "% of that" +
               (run.machine.caches.l3 > 0 && all_tables <= double(run.machine.caches.l3)
                    ? "; all agents' tables (" + bytes_text(all_tables) + ") fit in the L3"
                    : "");
  return reset;
}

// Tables larger than one core's L2: what resetting them costs against the measured fill
// bandwidth, and what learning on them moves against the copy bandwidth, counted two ways: every
// line of an update from memory (a bound no cache would allow to be reached), and each line an
// agent learns on from memory once (what the caches make of it).
void add_table_napkins(BenchRun& run, const Measurement& m) {
  const MemoryBandwidth* bandwidth = bandwidth_for(run.machine, m.threads);
  if (bandwidth == nullptr || bandwidth->copy_bytes_per_second <= 0 || bandwidth->fill_bytes_per_second <= 0) return;
  const double copy = bandwidth->copy_bytes_per_second, fill = bandwidth->fill_bytes_per_second;
  const std::string on = " on " + std::to_string(bandwidth->threads) + " thread" + (bandwidth->threads == 1 ? "" : "s");
  const double init_seconds = m.init_seconds().median;
  if (init_seconds > 0) run.napkins.push_back(table_reset_napkin(run, m, init_seconds, fill, on));
  if (m.learning_seconds() <= 0) return;
  const double rate = m.learning_rate();
  const double every_line = table_bytes_per_update(m.n_actions, kCacheLineBytes, m.model_from_environment);
  Napkin uncached{"learning, no line in cache", m.engine, m.env, m.n, m.agents, rate, "", rate * every_line / copy,
                  every_line, copy};
  uncached.text = "learning (the run of 0 real steps subtracted): " + si(rate) + " planning updates/s x " +
                  fixed(every_line, 0) + " B of 64-byte lines per update, were none in cache, = " +
                  si(rate * every_line) + " B/s: " + fixed(100.0 * uncached.fraction, 0) + "% of the " + si(copy) +
                  " B/s copy bandwidth" + on;
  run.napkins.push_back(uncached);
  const double working_set = learning_working_set(m);
  const double once = working_set / (double(m.steps) * m.n);
  Napkin cached{"learning, each line once", m.engine, m.env, m.n, m.agents, rate, "", rate * once / copy, once, copy};
  cached.text = "learning: an agent's updates touch at most " + bytes_text(working_set) +
                " of lines (at most min(pairs, steps) observed pairs, 3 lines each; L2 " +
                bytes_text(double(run.machine.caches.l2)) + " per core), each from memory about once per run = " +
                fixed(once, 1) + " B per update, " + si(rate * once) + " B/s: " + fixed(100.0 * cached.fraction, 1) +
                "% of the copy bandwidth";
  run.napkins.push_back(cached);
}

}  // namespace

void compute_napkins(BenchRun& run) {
  const double cpu_hz = run.machine.cpu_mhz * 1e6;
  for (const std::string& env : run.options.envs)
    for (const std::uint32_t n : run.options.n) {
      if (n == 0) continue;
      if (const Measurement* m = best_measurement(run, "cpu-1t", env, n)) {
        Napkin k{"cpu cycles", "cpu-1t", env, n, m->agents, m->planning_updates_per_second().median, "", 0};
        if (cpu_hz > 0) {
          const double cycles = cpu_hz / k.rate;
          k.fraction = k.rate / kCpuPerCoreUpdates;
          k.text = si(k.rate) + " planning updates/s on one core (" + si(m->planning_updates_per_cpu_second()) +
                   " per CPU-second) at " + fixed(cpu_hz / 1e9, 2) + " GHz nominal = " + fixed(cycles, 0) +
                   " cycles per update (real steps included); " + si(kCpuPerCoreUpdates, 1) +
                   "/s per core needs <= " + fixed(cpu_hz / kCpuPerCoreUpdates, 0) + " cycles";
        } else {
          k.text = si(k.rate) + " planning updates/s on one core (clock unknown)";
        }
        run.napkins.push_back(k);
      }
      const std::uint64_t l2 = run.machine.caches.l2 > 0 ? run.machine.caches.l2 : kDefaultL2Bytes;
      for (const std::string& engine : {std::string("cpu-1t"), cpu_all_label(run)}) {
        const Measurement* m = engine.empty() ? nullptr : best_measurement(run, engine, env, n);
        if (m != nullptr && m->table_bytes_per_agent > l2) add_table_napkins(run, *m);
      }
      if (!has_engine(run, "cuda")) continue;
      const Measurement* m = best_measurement(run, "cuda", env, n);
      if (m == nullptr) continue;
      const GpuProperties& g = run.gpu;
      const double rate = m->planning_updates_per_second().median;
      const double instructions = instructions_per_update(m->n_actions);
      const double lane_rate = double(g.sm_count) * g.sm_clock_hz * g.fp32_lanes_per_sm;
      const double instruction_bound = lane_rate / instructions;
      Napkin throughput{"gpu instructions", m->engine, env, n, m->agents, rate, "",
                        instruction_bound > 0 ? rate / instruction_bound : 0};
      throughput.text = si(rate) + " planning updates/s vs. the instruction-throughput bound " +
                        std::to_string(g.sm_count) + " SMs x " + fixed(g.sm_clock_hz / 1e9, 2) + " GHz x " +
                        std::to_string(g.fp32_lanes_per_sm) + " lanes / " + fixed(instructions, 0) +
                        " SASS instructions per update (counted, " + std::to_string(m->n_actions) + " actions) = " +
                        si(instruction_bound) + "/s: " + fixed(100.0 * throughput.fraction, 1) +
                        "% (its IMADs run on " + std::to_string(g.int32_lanes_per_sm) + " lanes)";
      run.napkins.push_back(throughput);
      const double useful = table_bytes_per_update(m->n_actions, 4, m->model_from_environment);
      const double sectors = table_bytes_per_update(m->n_actions, kSectorBytes, m->model_from_environment);
      Napkin memory{"gpu memory", m->engine, env, n, m->agents, rate, "",
                    g.memory_bandwidth > 0 ? rate * sectors / g.memory_bandwidth : 0, sectors, g.memory_bandwidth};
      memory.text = "tables in global memory: " + fixed(useful, 0) + " B touched (" + fixed(sectors, 0) +
                    " B in 32-byte sectors) per update x " + si(rate) + "/s = " + si(rate * useful) + " (" +
                    si(rate * sectors) + ") B/s vs. " + si(g.memory_bandwidth) + " B/s DRAM (" + g.bandwidth_source +
                    "): " + fixed(100.0 * memory.fraction, 1) + "% if nothing hit in cache (L2 " +
                    bytes_text(double(g.l2_bytes)) + "; tables " +
                    bytes_text(double(m->agents) * double(m->table_bytes_per_agent)) + ")";
      run.napkins.push_back(memory);
    }
}

void print_napkins(const BenchRun& run) {
  std::printf("napkin math:\n");
  for (const Napkin& k : run.napkins)
    std::printf("  %-12s %s n=%u (%u agents): %s\n", k.engine.c_str(), k.env.c_str(), k.n, k.agents, k.text.c_str());
  if (!has_engine(run, "cuda")) {
    const double lanes = double(kH100Sms) * kH100ClockHz * 128;
    const double tables = table_bytes_per_update(4, kSectorBytes, false);
    const double environment = table_bytes_per_update(4, kSectorBytes, true);
    std::printf("  cuda: not measured (%s). For scale, on one H100 SXM (%d SMs x %.2f GHz x 128 lanes = %s "
                "lane-instructions/s, %s B/s) the straightforward kernel's %.0f SASS instructions per update bound it "
                "at %s updates/s by instruction throughput, and %.0f B of sectors per update (%.0f planning from the "
                "environment) at %s updates/s (%s) by DRAM bandwidth when the tables miss in L2 (4 actions)\n",
                run.gpu_skipped.c_str(), kH100Sms, kH100ClockHz / 1e9, si(lanes).c_str(), si(kH100Bandwidth).c_str(),
                kSassInstructionsPerUpdate4, si(lanes / kSassInstructionsPerUpdate4).c_str(), tables, environment,
                si(kH100Bandwidth / tables).c_str(), si(kH100Bandwidth / environment).c_str());
  }
  std::printf("\n");
}

namespace {

void print_transcriptions(const BenchRun& run) {
  if (!run.baselines_skipped.empty()) {
    std::printf("NumPy transcriptions of the book skipped: %s\n\n", run.baselines_skipped.c_str());
    return;
  }
  std::printf("NumPy transcriptions of the book (dyna-maze, %llu real steps per agent, one core, %.3g s each):\n",
              static_cast<unsigned long long>(run.options.steps), run.options.baseline_seconds);
  const std::string all = cpu_all_label(run);
  for (const BaselineResult& b : run.baselines) {
    if (b.peer) continue;
    if (!b.ran) {
      std::printf("  %-8s n=%-3u skipped: %s\n", b.name.c_str(), b.n, b.skipped.c_str());
      continue;
    }
    std::string line = si(b.planning_updates_per_second()) + " planning updates/s (" +
                       si(b.planning_updates_per_cpu_second()) + " per CPU-second; " +
                       std::to_string(b.agents_completed) + " agents done)";
    for (const std::string& engine : {std::string("cpu-1t"), all, std::string("cuda")}) {
      if (engine.empty() || !has_engine(run, engine)) continue;
      const Measurement* m = best_measurement(run, engine, "dyna-maze", b.n);
      if (m == nullptr) continue;
      line += "; " + engine + " " + fixed(m->planning_updates_per_second().median / b.planning_updates_per_second(), 0) + "x";
      if (engine == "cpu-1t")
        line += " (" + fixed(m->planning_updates_per_cpu_second() / b.planning_updates_per_cpu_second(), 0) +
                "x per CPU-second)";
    }
    std::printf("  %-8s n=%-3u %s\n", b.name.c_str(), b.n, line.c_str());
  }
  std::printf("\n");
}

// The dynaq run a peer's is set beside: on the GPU, the cuda engine's with as many agents; on the
// CPU, the cpu engine's with as many threads.
const Measurement* dynaq_beside(const BenchRun& run, const BaselineResult& b) {
  if (b.on_gpu()) return best_measurement(run, "cuda", "dyna-maze", b.n, b.agents);
  const std::string engine = b.threads == 1 ? "cpu-1t" : cpu_all_label(run);
  if (engine.empty() || !has_engine(run, engine)) return nullptr;
  return best_measurement(run, engine, "dyna-maze", b.n);
}

void print_peers(const BenchRun& run) {
  if (!run.peers_skipped.empty()) {
    std::printf("fast peers skipped: %s\n\n", run.peers_skipped.c_str());
    return;
  }
  std::printf("fast peers (dyna-maze, %u agents side by side, %llu real steps each; best of %d runs after compiling "
              "and a correctness check; a peer on the GPU beside the cuda engine's run of as many agents, its CPU "
              "time the host's alone):\n",
              run.options.peer_agents, static_cast<unsigned long long>(run.options.steps), run.options.repeats);
  std::printf("  %-22s %5s  %-11s %-11s %-9s %-20s %s\n", "peer", "n", "updates/s", "per CPU-s", "compile s",
              "check: ep 1, 11-20", "dynaq over it: wall, per CPU-second");
  for (const BaselineResult& b : run.baselines) {
    if (!b.peer) continue;
    if (!b.ran) {
      std::printf("  %-22s %5u  skipped: %s\n", b.label().c_str(), b.n, b.skipped.c_str());
      continue;
    }
    std::string versus = b.on_gpu() ? "- (no cuda run of " + std::to_string(b.agents) + " agents)" : "-";
    if (const Measurement* m = dynaq_beside(run, b)) {
      versus = m->engine + " " + fixed(m->planning_updates_per_second().median / b.planning_updates_per_second(), 2) + "x";
      if (!b.on_gpu())
        versus += ", " + fixed(m->planning_updates_per_cpu_second() / b.planning_updates_per_cpu_second(), 2) + "x";
    }
    std::printf("  %-22s %5u  %-11s %-11s %-9s %-20s %s\n", b.label().c_str(), b.n,
                si(b.planning_updates_per_second()).c_str(),
                b.on_gpu() ? "-" : si(b.planning_updates_per_cpu_second()).c_str(),
                fixed(b.compile_seconds, 1).c_str(),
                (fixed(b.check_episode_1, 1) + ", " + fixed(b.check_plateau, 2)).c_str(), versus.c_str());
  }
  std::printf("\n");
}

}  // namespace

void print_baselines(const BenchRun& run) {
  print_transcriptions(run);
  print_peers(run);
}

}  // namespace dynaq::bench
