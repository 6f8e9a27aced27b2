// Experiments of Sutton & Barto chapter 8 that are more than a learning curve: they run
// groups of agents on an engine and analyse the agents' results.
//
//   example 8.4   prioritized sweeping against Dyna-Q on the Dyna maze at growing resolution:
//                 updates until the greedy path is (near) optimal;
//   new task      planning for a changed goal or reward with a learned model alone (no real
//                 steps), against agents that start from scratch on the new task.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dynaq/agent_params.hpp"
#include "dynaq/engine.hpp"

namespace dynaq {

// ---- Example 8.4 --------------------------------------------------------------------------

struct Example84Options {
  std::uint32_t max_resolution = 4;  // the Dyna maze at resolutions 1, 2, ..., max_resolution
  std::uint32_t seeds = 20;
  std::uint64_t seed = 0;
  std::uint32_t max_episodes = 200;   // an agent that is not optimal by then counts as never
  double path_tolerance = 1.2;        // "optimal": a greedy path of at most this x the shortest
  AgentParams params{0.5f, 0.95f, 0.0f, 429496729u /* epsilon 0.1 */, 5, 0, PlanningDraw::kPairs};
  float theta = 0.0001f;
};

struct Example84Algorithm {
  Algorithm algorithm;
  std::uint32_t reached;               // agents whose greedy path became optimal
  double median_updates;               // +infinity when fewer than half reached it
  double q1_updates, q3_updates;       // the quartiles (type 7), +infinity where agents never reached it
  std::vector<double> updates;         // per agent, +infinity when never
};

struct Example84Row {
  std::uint32_t resolution;
  std::uint32_t states;
  std::uint32_t shortest_path;
  std::vector<Example84Algorithm> algorithms;  // dyna-q, prioritized
};

// "Updates" are Q backups: planning updates plus direct (real-step) updates, counted until the
// end of the first episode after which the greedy path (agent_core.hpp greedy_rollout_steps)
// is at most path_tolerance x the shortest path.
std::vector<Example84Row> run_example_8_4(const Example84Options& options, Engine& engine);

// ---- Planning for a new task with a learned model -------------------------------------------

struct NewTaskOptions {
  std::string environment = "dyna-maze";        // the task agents learn
  std::string new_environment = "dyna-maze-new-goal";  // same shape, another goal or reward
  AgentParams params{0.1f, 0.95f, 0.0f, 429496729u /* epsilon 0.1 */, 5, 0, PlanningDraw::kPairs};
  std::uint32_t seeds = 100;
  std::uint64_t seed = 0;
  std::uint32_t episodes = 30;             // learning the first task
  std::uint32_t planning_updates = 10000;  // planning with the relabelled model, no real step
  std::uint32_t scratch_episodes = 1;      // what a fresh agent gets on the new task instead
};

struct GreedyOutcome {
  double mean_return;     // expected undiscounted return of the greedy policy, mean over agents
  double stderr_return;
  double mean_steps;      // expected episode length (infinite for a policy that never ends)
  std::uint32_t solved;   // agents whose greedy policy reaches the new goal with probability > 0
};

struct NewTaskResult {
  double optimal_return;       // of the new task, by value iteration with params.gamma
  double optimal_steps;
  GreedyOutcome transferred;   // learned model, relabelled with the new task, planning only
  GreedyOutcome scratch;       // fresh agents after scratch_episodes real episodes of Dyna-Q
  std::uint32_t agents;
};

// Agents learn `environment`; then each agent's model is relabelled with the new task's
// rewards and terminations wherever the new task's dynamics agree with the model (the same next
// state), its Q-table is reset to q_init, and it makes `planning_updates` Dyna-Q planning
// updates with that model alone. Its greedy policy (first maximal action) is evaluated exactly
// on the new task, as is that of fresh agents after `scratch_episodes` episodes.
NewTaskResult run_new_task(const NewTaskOptions& options, Engine& engine);

}  // namespace dynaq
