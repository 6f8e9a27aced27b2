// The steps of `dynaq run` (run_steps.hpp).
#include "run_steps.hpp"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "commands.hpp"
#include "dynaq/cuda_runtime_checks.hpp"
#include "dynaq/cuda_statistics.hpp"
#include "dynaq/environment_fingerprint.hpp"
#include "dynaq/errors.hpp"
#include "dynaq/result_files.hpp"

namespace dynaq::cli {

namespace fs = std::filesystem;

namespace {

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y%m%d-%H%M%S", std::localtime(&now));
  return buffer;
}



// Files a stopped writer left under temporary names are never results.
void remove_temporaries(const std::string& folder) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error))
    if (entry.path().filename().string().find(".partial-") != std::string::npos) fs::remove(entry.path(), error);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The option lines of a config.toml (comments left out), by key.
std::map<std::string, std::string> config_lines(const std::string& text) {
  std::map<std::string, std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == '[') continue;
    lines[line.substr(0, line.find(" = "))] = line;
  }
  return lines;
}

void check_resumed_configuration(const std::string& folder, const std::string& stored, const std::string& effective) {
  // Environments are compared by content: the same file under another path resumes.
  const auto before = config_lines(content_identity_text(stored)), now = config_lines(content_identity_text(effective));
  std::string differences;
  for (const auto& [key, line] : now) {
    const auto it = before.find(key);
    if (it == before.end() || it->second != line)
      differences += "\n  " + (it == before.end() ? std::string("(unset)") : it->second) + "  became  " + line;
  }
  for (const auto& [key, line] : before)
    if (now.find(key) == now.end()) differences += "\n  " + line + "  became  (unset)";
  if (!differences.empty())
    throw InputError("--resume " + folder + ": a resumed run keeps the configuration it started with (" +
                     chunk_folder(folder) + "/config.toml), but these options differ:" + differences);
}

}  // namespace

void warn(const std::string& text) { std::cerr << "dynaq: warning: " << text << "\n"; }

// A fresh folder name under dynaq-runs/ that no earlier run used.
std::string default_output_folder(const std::string& stem) {
  const std::string base = "dynaq-runs/" + stem + "-" + timestamp();
  std::string candidate = base;
  for (int k = 2; fs::exists(candidate); ++k) candidate = base + "-" + std::to_string(k);
  return candidate;
}

std::string chunk_folder(const std::string& out) { return (fs::path(out) / "chunks").string(); }

RunPlan plan_run(const RunOptions& o) {
  RunPlan plan;
  const SweepSpec spec = spec_from(o);
  std::tie(plan.shard_index, plan.shard_count) = parse_shard(o.shard);
  plan.threads = parse_thread_count(o.threads, "--threads");
  const std::uint64_t batch = parse_count(o.batch, "--batch");
  if (batch > 0xFFFFFFFFull) throw InputError("--batch " + o.batch + " is more than 2^32 - 1 agents");
  plan.batch = static_cast<std::uint32_t>(batch);
  if (!o.resume.empty() && !o.out.empty())
    throw InputError("--out cannot be given with --resume: a resumed run finishes in its own folder");
  plan.sweep = plan_sweep(spec);
  check_environment_fingerprints(o.env_fingerprint, spec.values("env"), plan.sweep.environment_fingerprints);
  const std::string shard_text =
      plan.shard_count > 1 ? std::to_string(plan.shard_index) + "/" + std::to_string(plan.shard_count) : "";
  plan.config_text = effective_config(plan.sweep, shard_text);
  plan.identity = chunk_identity(plan.sweep);
  return plan;
}

std::string run_folder(const RunOptions& o) {
  return !o.resume.empty() ? o.resume : !o.out.empty() ? o.out : default_output_folder("run");
}

// auto: the cuda engine when a GPU is present, else the cpu engine. The cuda engine checks itself
// against the cpu engine before each group, and should it fail there (or any CUDA call fail),
// the run goes on on the cpu engine with a warning: every engine gives the same bits, so the
// choice changes only the speed. --backend cuda asks for the GPU alone and fails instead.
std::unique_ptr<Engine> make_engine(const std::string& backend, const std::string& kernel, int threads,
                                    std::uint32_t batch) {
  const CpuEngineOptions cpu{threads, batch, 0};
  CudaEngineOptions cuda_options;
  try {
    cuda_options.kernel = parse_cuda_kernel(kernel);
  } catch (const InputError& e) {
    throw InputError("--cuda-kernel: " + std::string(e.what()));
  }
  if (backend == "reference") return make_reference_engine();
  if (backend == "cpu") return make_cpu_engine(cpu);
  if (backend == "auto") {
    if (!query_gpu().present) return make_cpu_engine(cpu);
    std::unique_ptr<Engine> cuda;
    try {
      cuda = make_cuda_engine(cuda_options);
    } catch (const std::runtime_error& e) {
      warn(std::string("a GPU is present but the cuda engine cannot use it (") + e.what() + "); running on the cpu engine");
      return make_cpu_engine(cpu);
    }
    return make_fallback_engine(std::move(cuda), make_cpu_engine(cpu), warn);
  }
  if (backend == "cuda") {
    try {
      return make_cuda_engine(cuda_options);
    } catch (const std::runtime_error& e) {
      throw InputError(std::string("--backend cuda: ") + e.what() + "; use --backend cpu (bit-identical results)");
    }
  }
  throw InputError("--backend: '" + backend + "' is not one of: auto, reference, cpu, cuda");
}

void prepare_run_folder(const RunOptions& o, const std::string& out, const RunPlan& plan) {
  if (!o.resume.empty()) {
    check_resumed_configuration(out, read_text(chunk_folder(out) + "/config.toml"), plan.config_text);
    remove_temporaries(out);
    remove_temporaries(chunk_folder(out));
  } else {
    prepare_output_folder(out, o.overwrite, "--out");
    ResultFileSet files(chunk_folder(out));
    files.open("config.toml") << plan.config_text;
    files.commit();
  }
  chunks_in_folder(plan.sweep, chunk_folder(out), plan.identity);  // refuses chunks of another run
}

// Curves are summarised where the agents ran: the GPU's statistics have the host's bits. Under
// auto, a failure there moves them to the host, as a failing engine moves the agents.
void choose_statistics_backend(ExecutionInfo& execution, const Engine& engine, const std::string& backend) {
  if (engine.name() != "cuda") return;
  execution.statistics_backend = "cuda";
  execution.summarize_columns = make_cuda_column_summarizer();
  if (backend == "auto")
    execution.summarize_columns =
        with_host_fallback(execution.summarize_columns, [&execution](const std::string& failure) {
          warn("statistics on the GPU failed (" + failure + "); computing them on the host");
          execution.statistics_backend = "cpu";  // summary.json is written after every point
        });
}

SweepRunControl run_control(const RunPlan& plan, const std::string& out) {
  SweepRunControl control;
  control.chunk_folder = chunk_folder(out);
  control.identity = plan.identity;
  control.shard_index = plan.shard_index;
  control.shard_count = plan.shard_count;
  control.threads = plan.threads;
  return control;
}

ExecutionInfo execution_of(const std::string& command, const Engine& engine, const SweepRunReport& report,
                           std::chrono::steady_clock::time_point start) {
  ExecutionInfo execution;
  execution.command = command;
  execution.engine = engine.name();
  execution.device = engine.device();
  execution.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  execution.chunks_resumed = report.chunks_present;
  execution.chunks_run = report.chunks_run;
  return execution;
}

WrittenResults write_run_results(const RunPlan& plan, const std::string& out, const ExecutionInfo& execution) {
  const ChunkFiles files = collect_chunk_files(plan.sweep, {chunk_folder(out)}, plan.identity);
  const WrittenResults written = write_sweep_results(plan.sweep, files, out, execution, plan.config_text);
  std::error_code error;
  fs::remove_all(chunk_folder(out), error);
  return written;
}

}  // namespace dynaq::cli
