// What one agent needs to know about its run: its grid point's hyper-parameters, the budget,
// and the environment schedule, in trivially copyable form for kernels and CPU threads alike.
#pragma once

#include <cstdint>

#include "dynaq/mdp_view.hpp"
#include "dynaq/platform.hpp"

namespace dynaq {

// How a planning update picks what to replay (Sutton & Barto section 8.2).
enum class PlanningDraw : std::uint32_t {
  kPairs = 0,   // uniform over observed (state, action) pairs
  kStates = 1,  // a uniform observed state, then a uniform action already taken in it
};

// Which planning algorithm an agent runs (Sutton & Barto sections 8.2-8.4).
enum class Algorithm : std::uint32_t {
  kDynaQ = 0,             // dyna-q: uniform replay of observed pairs
  kDynaQPlus = 1,         // dyna-q-plus: planning reward r + kappa * sqrt(tau)
  kDynaQPlusAction = 2,   // dyna-q-plus-action: the bonus only in action selection (exercise 8.4)
  kPrioritized = 3,       // prioritized: prioritized sweeping, the real step only queues
  kPrioritizedDirect = 4, // prioritized-direct: prioritized sweeping plus the direct update
};

// What the model keeps of each observed pair.
enum class ModelKind : std::uint32_t {
  kLast = 0,    // last: the last outcome (the book's deterministic table)
  kCounts = 1,  // counts: every distinct outcome with its count (a stochastic model)
};

// How planning backs up a pair under a count-based model.
enum class BackupKind : std::uint32_t {
  kSample = 0,    // sample: one outcome drawn in proportion to its count
  kExpected = 1,  // expected: the expectation over the observed outcomes
};

struct AgentParams {
  float alpha;
  float gamma;
  float q_init;
  std::uint64_t epsilon_threshold;  // explore when a 32-bit word is below: floor(epsilon * 2^32)
  std::uint32_t planning_steps;     // n
  std::uint32_t max_episode_steps;  // 0: no limit (already resolved against the environment's)
  PlanningDraw planning_draw;
  Algorithm algorithm = Algorithm::kDynaQ;
  float kappa = 0.0f;                 // Dyna-Q+ exploration bonus scale, >= 0
  float theta = 0.0f;                 // prioritized sweeping threshold, >= 0
  ModelKind model = ModelKind::kLast;
  BackupKind backup = BackupKind::kSample;
  std::uint32_t model_capacity = 8;   // counts model: distinct outcomes kept per pair, >= 1
};

DYNAQ_HD inline bool uses_bonus_in_planning(const AgentParams& p) { return p.algorithm == Algorithm::kDynaQPlus; }
DYNAQ_HD inline bool uses_bonus_in_action(const AgentParams& p) { return p.algorithm == Algorithm::kDynaQPlusAction; }
DYNAQ_HD inline bool is_prioritized(const AgentParams& p) {
  return p.algorithm == Algorithm::kPrioritized || p.algorithm == Algorithm::kPrioritizedDirect;
}

enum class BudgetKind : std::uint32_t { kEpisodes = 0, kSteps = 1 };

// How long every agent runs, and how its metrics are bucketed.
struct RunBudget {
  BudgetKind kind;
  std::uint32_t episodes;      // kEpisodes: episodes per agent
  std::uint64_t steps;         // kSteps: real steps per agent
  std::uint64_t bucket_steps;  // kSteps: cumulative reward is recorded every bucket_steps steps
  std::uint32_t n_buckets;     // kSteps: ceil(steps / bucket_steps)
  // kEpisodes: when > 0, at every episode's end the greedy policy is rolled out for at most this
  // many steps (agent_core.hpp greedy_rollout_steps), and the planning updates so far recorded.
  std::uint32_t greedy_rollout_limit = 0;
};

// A schedule of MDPs over real time (environment.hpp), as kernels see it.
constexpr std::uint32_t kMaxPhases = 8;
struct ScheduleView {
  std::uint32_t n_phases;
  std::uint64_t start_step[kMaxPhases];
  MdpView phase[kMaxPhases];

  DYNAQ_HD const MdpView& at(std::uint64_t t) const {
    std::uint32_t k = 0;
    while (k + 1 < n_phases && start_step[k + 1] <= t) ++k;
    return phase[k];
  }
};

}  // namespace dynaq
