// dynaq-bench's JSON report: every option, the machine, each verification and measurement with
// its runs, the baselines, the napkin math and the targets, as report.cpp prints them.
#include <sstream>

#include "bench.hpp"
#include "dynaq/json_writer.hpp"

namespace dynaq::bench {

namespace {

using Layout = JsonWriter::Layout;

// key: the text, or null when it is empty.
JsonWriter& string_or_null(JsonWriter& j, const std::string& key, const std::string& text) {
  j.key(key);
  return text.empty() ? j.null() : j.value(text);
}

void stats_json(JsonWriter& j, const std::string& key, const Stats& s) {
  j.key(key).begin_object().member("median", s.median).member("min", s.min).member("max", s.max).end_object();
}

void timing_json(JsonWriter& j, const Timing& t) {
  j.begin_object()
      .member("engine_seconds", t.engine_seconds)
      .member("cpu_seconds", t.cpu_seconds)
      .member("peak_bytes", t.peak_bytes)
      .end_object();
}

// key: the thread count, or null for the GPU (one thread per agent).
void threads_json(JsonWriter& j, int threads) {
  j.key("threads");
  if (threads > 0) j.value(threads);
  else j.null();
}

void options_json(JsonWriter& j, const Options& o) {
  j.key("options")
      .begin_object()
      .member_array("envs", o.envs)
      .member_array("n", o.n)
      .member_array("agents", o.agents)
      .member("steps_per_agent", o.steps)
      .member("buckets", o.buckets)
      .member("repeats", o.repeats)
      .member("warmup_runs", 1)
      .member("time_budget_s", o.time_budget)
      .member("gpu_time_budget_s", o.gpu_time_budget)
      .member("baseline_seconds", o.baseline_seconds)
      .member("verify_agents", o.verify_agents)
      .member("seed", o.seed)
      .member("alpha", 0.1)
      .member("gamma", 0.95)
      .member("epsilon", 0.1)
      .member("planning_draw", "pairs")
      .member("quick", o.quick)
      .end_object();
}

void machine_json(JsonWriter& j, const Machine& m) {
  j.key("machine")
      .begin_object()
      .member("cpu", m.cpu_model)
      .member("logical_cpus", m.cores)
      .member("openmp_threads", m.openmp_threads)
      .member("cpu_mhz", m.cpu_mhz)
      .member("hostname", m.hostname)
      .member("load_average_start", m.load_average)
      .member("load_average_end", load_average())
      .member("compiler", m.compiler);
  string_or_null(j, "cuda_build", m.cuda_build).member("date_utc", m.date_utc);
  string_or_null(j, "git_commit", m.git_commit);
  j.member("l2_bytes_per_core", m.caches.l2).member("l3_bytes", m.caches.l3);
  j.key("memory_bandwidth").begin_array();
  for (const MemoryBandwidth& b : m.bandwidth)
    j.begin_object()
        .member("threads", b.threads)
        .member("copy_bytes_per_second", b.copy_bytes_per_second)
        .member("triad_bytes_per_second", b.triad_bytes_per_second)
        .member("fill_bytes_per_second", b.fill_bytes_per_second)
        .member("array_bytes", b.array_bytes)
        .member("repeats", b.repeats)
        .end_object();
  j.end_array();
  j.member("memory_bandwidth_method",
           "STREAM-like copy (c = a), triad (a = b + 3c) and fill (c = 3, stores only, as agent_init) over three "
           "arrays of array_bytes, first touched by the same threads, best of repeats; bytes counted as STREAM does: "
           "read and written by the program, without the write-allocate reads");
  j.end_object();
}

void gpu_json(JsonWriter& j, const BenchRun& run) {
  const GpuProperties& g = run.gpu;
  const bool gpu_used = run.gpu_skipped.empty();
  j.member("device", gpu_used ? g.name : "none");
  j.key("gpu").begin_object().member("used", gpu_used);
  string_or_null(j, "skipped", run.gpu_skipped);
  if (gpu_used)
    j.member("name", g.name)
        .member("compute_capability", std::to_string(g.compute_major) + "." + std::to_string(g.compute_minor))
        .member("sm_count", g.sm_count)
        .member("sm_clock_hz", g.sm_clock_hz)
        .member("memory_bytes", g.memory_bytes)
        .member("l2_bytes", g.l2_bytes)
        .member("memory_bandwidth_bytes_per_s", g.memory_bandwidth)
        .member("bandwidth_source", g.bandwidth_source)
        .member("cuda_runtime", g.runtime_version)
        .member("cuda_driver", g.driver_version)
        .member("kernel", "straightforward (run_group_on_gpu)");
  j.end_object();
}

void verification_json(JsonWriter& j, const std::vector<Verification>& verifications) {
  j.key("verification").begin_array(Layout::kBlock);
  for (const Verification& v : verifications) {
    j.begin_object().member("engine", v.engine).member("env", v.env).member("n", v.n);
    if (!v.cannot_run.empty()) {
      j.member("cannot_run", v.cannot_run).end_object();
      continue;
    }
    j.member("group_agents", v.agents)
        .member("agents_compared", v.compared)
        .member("bit_identical", true)
        .member("seconds", v.seconds)
        .end_object();
  }
  j.end_array();
}

void end_to_end_json(JsonWriter& j, const EndToEnd& e) {
  j.key("end_to_end").begin_object().member("ran", e.ran).key("seconds");
  if (e.ran) j.value(e.seconds);
  else j.null();
  j.key("peak_rss_bytes");
  if (e.ran && e.peak_bytes >= 0) j.value(e.peak_bytes);
  else j.null();
  string_or_null(j, "note", e.note).member("command", e.command).end_object();
}

// The init-only runs and what is left for learning (null where the difference is within noise).
void learning_json(JsonWriter& j, const Measurement& x) {
  j.key("init_runs").begin_array();
  for (const Timing& t : x.init_runs) timing_json(j, t);
  j.end_array();
  stats_json(j, "init_seconds", x.init_seconds());
  const bool learned = x.learning_seconds() > 0;
  const auto positive_or_null = [&j](const std::string& key, double value) {
    j.key(key);
    if (value > 0) j.value(value);
    else j.null();
  };
  j.key("learning").begin_object();
  positive_or_null("seconds", x.learning_seconds());
  positive_or_null("cpu_seconds", x.learning_cpu_seconds());
  const double real_steps = double(x.agents) * double(x.steps);
  positive_or_null("real_steps_per_second", learned ? real_steps / x.learning_seconds() : 0);
  positive_or_null("real_steps_per_cpu_second",
                   x.learning_cpu_seconds() > 0 ? real_steps / x.learning_cpu_seconds() : 0);
  positive_or_null("planning_updates_per_second", x.n > 0 ? x.learning_rate() : 0);
  positive_or_null("planning_updates_per_cpu_second", x.n > 0 ? x.learning_rate_per_cpu_second() : 0);
  j.end_object();
}

void measurement_json(JsonWriter& j, const Measurement& x) {
  j.begin_object().member("engine", x.engine);
  threads_json(j, x.threads);
  j.member("env", x.env)
      .member("n", x.n)
      .member("agents", x.agents)
      .member("requested_agents", x.requested_agents)
      .member("steps_per_agent", x.steps)
      .member("n_states", x.n_states)
      .member("n_actions", x.n_actions)
      .member("table_bytes_per_agent", x.table_bytes_per_agent)
      .member("init_bytes_per_agent", x.init_bytes_per_agent)
      .member("model_from_environment", x.model_from_environment)
      .member("metric_bytes_per_agent", x.metric_bytes_per_agent);
  if (x.runs.empty()) {
    j.member("skipped", x.skipped).end_object();
    return;
  }
  j.member("real_steps", std::uint64_t{x.agents} * x.steps)
      .member("planning_updates", std::uint64_t{x.agents} * x.steps * x.n);
  stats_json(j, "engine_seconds", x.engine_seconds());
  stats_json(j, "planning_updates_per_second", x.planning_updates_per_second());
  stats_json(j, "real_steps_per_second", x.real_steps_per_second());
  j.member("planning_updates_per_cpu_second", x.planning_updates_per_cpu_second()).member("peak_bytes", x.peak_bytes());
  j.key("runs").begin_array();
  for (const Timing& t : x.runs) timing_json(j, t);
  j.end_array().key("warm_up");
  timing_json(j, x.warm_up);
  learning_json(j, x);
  end_to_end_json(j, x.end_to_end);
  j.end_object();
}

void baseline_json(JsonWriter& j, const BaselineResult& b) {
  j.begin_object()
      .member("name", b.name)
      .member("label", b.label())
      .member("peer", b.peer)
      .member("threads", b.threads)
      .member("script", b.script)
      .member("n", b.n)
      .member("steps_per_agent", b.steps);
  if (!b.ran) {
    j.member("skipped", b.skipped).end_object();
    return;
  }
  j.member("seconds", b.seconds)
      .member("cpu_seconds", b.cpu_seconds)
      .member("planning_updates", b.planning_updates)
      .member("real_steps", b.real_steps)
      .member("agents_completed", b.agents_completed)
      .member("planning_updates_per_second", b.planning_updates_per_second())
      .member("planning_updates_per_cpu_second", b.planning_updates_per_cpu_second());
  if (b.peer)
    j.member("agents", b.agents)
        .member("device", b.device)
        .member("compile_seconds", b.compile_seconds)
        .member("check_seconds", b.check_seconds)
        .member("check_episode_1_mean", b.check_episode_1)
        .member("check_plateau_11_20", b.check_plateau);
  j.end_object();
}

void baselines_json(JsonWriter& j, const BenchRun& run) {
  j.key("baselines").begin_object(Layout::kBlock);
  string_or_null(j, "skipped", run.baselines_skipped);
  string_or_null(j, "peers_skipped", run.peers_skipped);
  j.member("peer_agents", run.options.peer_agents).member("env", "dyna-maze");
  j.key("runs").begin_array(Layout::kBlock);
  for (const BaselineResult& b : run.baselines) baseline_json(j, b);
  j.end_array().end_object();
}

void napkins_json(JsonWriter& j, const std::vector<Napkin>& napkins) {
  j.key("napkin").begin_array(Layout::kBlock);
  for (const Napkin& k : napkins)
    j.begin_object()
        .member("kind", k.kind)
        .member("engine", k.engine)
        .member("env", k.env)
        .member("n", k.n)
        .member("agents", k.agents)
        .member("planning_updates_per_second", k.rate)
        .member("fraction", k.fraction)
        .member("bytes_per_update", k.bytes_per_update)
        .member("bandwidth_bytes_per_second", k.bandwidth)
        .member("text", k.text)
        .end_object();
  j.end_array();
}

void target_json(JsonWriter& j, const Target& t) {
  j.begin_object().member("name", t.name).member("goal", t.goal).member("verdict", verdict_name(t.verdict));
  j.key("value");
  if (t.verdict != Verdict::kNotJudged) j.value(t.value);
  else j.null();
  string_or_null(j, "detail", t.detail);
  string_or_null(j, "reason", t.reason);
  j.key("needs")
      .begin_object()
      .member("agents", t.needs.agents)
      .member("agents_per_thread", t.needs.agents_per_thread)
      .member("run_seconds", t.needs.run_seconds)
      .end_object();
  j.key("measured_on").begin_array();
  for (const Workload& w : t.measured_on) {
    j.begin_object().member("engine", w.engine).member("env", w.env).member("n", w.n).member("agents", w.agents);
    j.member("steps_per_agent", w.steps);
    threads_json(j, w.threads);
    j.member("run_seconds", w.run_seconds).end_object();
  }
  j.end_array().end_object();
}

}  // namespace

std::string to_json(const BenchRun& run) {
  std::ostringstream out;
  JsonWriter j(out);
  j.begin_object(Layout::kBlock).member("tool", "dynaq-bench").member("dynaq_version", DYNAQ_VERSION);
  j.member("command", run.command);
  options_json(j, run.options);
  machine_json(j, run.machine);
  gpu_json(j, run);
  j.member_array("engines", run.engines);
  j.member("peak_memory_method", peak_memory_method());
  j.member("end_to_end_memory_method",
           "VmHWM of the dynaq run child process, sampled every millisecond once it runs dynaq");
  j.member("learning_method",
           "after each timed run, a run of the same agents on the same engine with 0 real steps (metrics allocated, "
           "fresh tables made: by agent_init, or on the cpu engine by undoing the timed run's agents with "
           "agent_reset; nothing learned): init_seconds is its median, learning the median timed run less it (wall "
           "and CPU time)");
  verification_json(j, run.verifications);
  j.key("measurements").begin_array(Layout::kBlock);
  for (const Measurement& x : run.measurements) measurement_json(j, x);
  j.end_array();
  baselines_json(j, run);
  napkins_json(j, run.napkins);
  j.key("targets").begin_array(Layout::kBlock);
  for (const Target& t : run.targets) target_json(j, t);
  j.end_array();
  j.member("total_seconds", run.total_seconds).end_object();
  out << '\n';
  return out.str();
}

}  // namespace dynaq::bench
