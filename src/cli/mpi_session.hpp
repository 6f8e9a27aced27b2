// The MPI side of `dynaq run`: when mpirun starts N copies of dynaq, each copy (rank) runs
// shard rank/N of the sweep into the shared results folder, and rank 0 writes the results.
//
// MPI is started only when the process was launched by mpirun or srun (their environment
// variables say so), so a plain `dynaq` never touches MPI. In a build without MPI, a launch
// by mpirun with more than one process is refused: every copy would run the whole sweep.
#pragma once

#include <string>
#include <vector>

#include "dynaq/sweep/results.hpp"

namespace dynaq::cli {

class MpiSession {
 public:
  static MpiSession& instance();

  // Starts MPI when launched by mpirun; throws InputError in a build without MPI when mpirun
  // started more than one process.
  void start(int* argc, char*** argv);
  void stop() noexcept;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // The rank's index among the ranks on its node.
  int local_rank() const { return local_rank_; }

  // Rank 0's `text`, on every rank.
  std::string broadcast(const std::string& text) const;
  // True on every rank when `ok` is true on every rank.
  bool all(bool ok) const;
  // Every rank's `text` in rank order, on rank 0 (empty elsewhere).
  std::vector<std::string> gather(const std::string& text) const;

 private:
  int rank_ = 0;
  int size_ = 1;
  int local_rank_ = 0;
  bool started_ = false;
};

// This rank's node, local rank and GPU binding (chunks_run left 0). Each rank on a node gets its
// own GPU, local rank modulo the node's GPU count (CUDA_VISIBLE_DEVICES is narrowed to it).
RankExecution bind_rank_to_gpu(const MpiSession& session);

}  // namespace dynaq::cli
