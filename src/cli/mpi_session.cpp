// MpiSession: Open MPI when built with it (DYNAQ_HAVE_MPI), a one-process session otherwise.
#include "mpi_session.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"

#if DYNAQ_HAVE_MPI
#include <mpi.h>
#endif

namespace dynaq::cli {

namespace {

int environment_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::atoi(value);
}

// The process count mpirun (Open MPI), or srun with PMI/PMIx, announced; 0 when not launched
// by either.
int launched_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    const int size = environment_int(name, 0);
    if (size > 0) return size;
  }
  return std::getenv("PMIX_RANK") != nullptr ? 1 : 0;
}

}  // namespace

MpiSession& MpiSession::instance() {
  static MpiSession session;
  return session;
}

void MpiSession::start(int* argc, char*** argv) {
  const int launched = launched_size();
  if (launched == 0) return;
#if DYNAQ_HAVE_MPI
  int provided = 0;
  // OpenMP threads compute, only the main thread talks to MPI.
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  started_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &local_rank_);
  MPI_Comm_free(&node);
#else
  (void)argc;
  (void)argv;
  if (launched > 1)
    throw InputError("this dynaq was built without MPI, but was started as " + std::to_string(launched) +
                     " processes (mpirun or srun): each would run the whole sweep. Rebuild with Open MPI "
                     "(Debian: libopenmpi-dev), or run the shards as separate jobs with --shard K/N");
  local_rank_ = environment_int("OMPI_COMM_WORLD_LOCAL_RANK", 0);
#endif
}

void MpiSession::stop() noexcept {
#if DYNAQ_HAVE_MPI
  if (started_) MPI_Finalize();
#endif
  started_ = false;
}

std::string MpiSession::broadcast(const std::string& text) const {
#if DYNAQ_HAVE_MPI
  if (started_ && size_ > 1) {
    unsigned long long length = text.size();
    MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    std::string out = rank_ == 0 ? text : std::string(length, '\0');
    MPI_Bcast(out.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD);
    return out;
  }
#endif
  return text;
}

bool MpiSession::all(bool ok) const {
#if DYNAQ_HAVE_MPI
  if (started_ && size_ > 1) {
    int mine = ok ? 1 : 0, every = 0;
    MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return every == 1;
  }
#endif
  return ok;
}

std::vector<std::string> MpiSession::gather(const std::string& text) const {
#if DYNAQ_HAVE_MPI
  if (started_ && size_ > 1) {
    int length = static_cast<int>(text.size());
    std::vector<int> lengths(rank_ == 0 ? size_ : 0), offsets(rank_ == 0 ? size_ : 0);
    MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    int total = 0;
    for (int r = 0; r < static_cast<int>(lengths.size()); ++r) {
      offsets[r] = total;
      total += lengths[r];
    }
    std::string all(static_cast<std::size_t>(total), '\0');
    MPI_Gatherv(text.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
    std::vector<std::string> out;
    for (int r = 0; r < static_cast<int>(lengths.size()); ++r) out.push_back(all.substr(offsets[r], lengths[r]));
    return out;
  }
#endif
  return {text};
}

RankExecution bind_rank_to_gpu(const MpiSession& session) {
  // GPUs on this node: those CUDA_VISIBLE_DEVICES lists, or else those the NVIDIA driver shows.
  std::vector<std::string> devices;
  if (const char* visible = std::getenv("CUDA_VISIBLE_DEVICES")) {
    std::string list = visible;
    for (std::size_t start = 0; start <= list.size();) {
      const std::size_t comma = list.find(',', start);
      const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!item.empty()) devices.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    std::error_code error;
    std::size_t count = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/driver/nvidia/gpus", error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error))
      ++count;
    for (std::size_t k = 0; k < count; ++k) devices.push_back(std::to_string(k));
  }
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  RankExecution binding;
  binding.rank = session.rank();
  binding.host = host;
  binding.local_rank = session.local_rank();
  if (!devices.empty()) {
    const std::string& device = devices[static_cast<std::size_t>(session.local_rank()) % devices.size()];
    // Every CUDA context this process makes from now on sees only its own GPU.
    setenv("CUDA_VISIBLE_DEVICES", device.c_str(), 1);
    binding.gpu = device;
  }
  return binding;
}

}  // namespace dynaq::cli
