// The reference engine: Dyna-Q as Sutton & Barto write it, one agent after another.
//
// This is the oracle every fast path is compared with, so it is deliberately plain: its own
// data structures (a Q-table per state, a model keyed by pair, a list of observed pairs), no
// code shared with agent_core.hpp, only the random streams (random.hpp) and the environment
// tables (mdp.hpp). Each random draw is documented where it is made; its layout is the one
// random.hpp describes.
#include <cmath>
#include <map>
#include <vector>

#include "dynaq/agent_core.hpp"  // only for kUnseen and kTerminatedBit in the exported tables
#include "dynaq/engine.hpp"
#include "dynaq/random.hpp"

namespace dynaq {
namespace {

struct ModelEntry {
  std::uint32_t next_state;
  float reward;
  bool terminated;
};

class ReferenceAgent {
 public:
  ReferenceAgent(const AgentGroup& group, std::uint32_t local_index)
      : params_(group.params_of(local_index)),
        random_(AgentRandom::make(group.sweep_seed, group.first_agent + local_index)),
        n_actions_(group.environment->n_actions()),
        q_(group.environment->n_states(), std::vector<float>(n_actions_, params_.q_init)),
        actions_taken_(group.environment->n_states()) {}

  // One real step in `mdp` (the schedule's MDP at this time step). Returns true at episode end.
  bool step(const TabularMdp& mdp, float& reward_out) {
    const std::uint32_t t = static_cast<std::uint32_t>(time_);
    if (new_episode_) {
      state_ = choose_start_state(mdp, t);
      episode_steps_ = 0;
      new_episode_ = false;
    }
    // (a) S <- current state; (b) A <- epsilon-greedy(S, Q)
    const std::uint32_t s = state_;
    const std::uint32_t a = epsilon_greedy(s, t);
    // (c) Take action A; observe R, S'
    const ModelEntry outcome = environment_step(mdp, s, a, t);
    // (d) Q(S,A) <- Q(S,A) + alpha [R + gamma max_a Q(S',a) - Q(S,A)]
    update(s, a, outcome);
    // (e) Model(S,A) <- R, S'
    if (model_.find({s, a}) == model_.end()) {
      observed_pairs_.push_back({s, a});
      if (actions_taken_[s].empty()) observed_states_.push_back(s);
      actions_taken_[s].push_back(a);
    }
    model_[{s, a}] = outcome;
    // (f) Loop n times: S, A <- a previously observed pair; R, S' <- Model(S,A); update Q
    for (std::uint32_t j = 0; j < params_.planning_steps; ++j) {
      const PhiloxBlock draw = random_.draw(t, kPurposePlan, j);
      std::pair<std::uint32_t, std::uint32_t> pair;
      if (params_.planning_draw == PlanningDraw::kPairs) {
        pair = observed_pairs_[uniform_index(draw.word[0], size32(observed_pairs_.size()))];
      } else {
        const std::uint32_t ps = observed_states_[uniform_index(draw.word[0], size32(observed_states_.size()))];
        pair = std::make_pair(ps, actions_taken_[ps][uniform_index(draw.word[1], size32(actions_taken_[ps].size()))]);
      }
      update(pair.first, pair.second, model_.at(pair));
    }
    ++time_;
    ++episode_steps_;
    reward_out = outcome.reward;
    const bool truncated = params_.max_episode_steps != 0 && episode_steps_ >= params_.max_episode_steps;
    if (outcome.terminated || truncated) {
      new_episode_ = true;
      return true;
    }
    state_ = outcome.next_state;
    return false;
  }

  std::uint64_t time() const { return time_; }
  std::uint32_t episode_steps() const { return episode_steps_; }

  void export_tables(std::uint32_t n_states, float* q, std::uint32_t* model_next, float* model_reward,
                     std::uint32_t* observed) const {
    for (std::uint32_t s = 0; s < n_states; ++s)
      for (std::uint32_t a = 0; a < n_actions_; ++a) {
        const std::uint32_t p = s * n_actions_ + a;
        q[p] = q_[s][a];
        const auto entry = model_.find({s, a});
        model_next[p] = entry == model_.end() ? kUnseen
                        : entry->second.next_state | (entry->second.terminated ? kTerminatedBit : 0u);
        model_reward[p] = entry == model_.end() ? 0.0f : entry->second.reward;
        observed[p] = kUnseen;
      }
    for (std::size_t k = 0; k < observed_pairs_.size(); ++k)
      observed[k] = observed_pairs_[k].first * n_actions_ + observed_pairs_[k].second;
  }

 private:
  static std::uint32_t size32(std::size_t n) { return static_cast<std::uint32_t>(n); }

  std::uint32_t choose_start_state(const TabularMdp& mdp, std::uint32_t t) const {
    if (mdp.start_state.size() == 1) return mdp.start_state[0];
    const std::uint32_t word = random_.draw(t, kPurposeReset).word[0];
    std::size_t k = 0;
    while (k + 1 < mdp.start_state.size() && word >= mdp.start_threshold[k]) ++k;
    return mdp.start_state[k];
  }

  std::uint32_t epsilon_greedy(std::uint32_t s, std::uint32_t t) const {
    const PhiloxBlock draw = random_.draw(t, kPurposeAct);
    if (draw.word[0] < params_.epsilon_threshold) return uniform_index(draw.word[1], n_actions_);
    // Greedy, ties broken uniformly at random among the maximal actions.
    const float best = max_value(s);
    std::vector<std::uint32_t> best_actions;
    for (std::uint32_t a = 0; a < n_actions_; ++a)
      if (q_[s][a] == best) best_actions.push_back(a);
    if (best_actions.size() == 1) return best_actions[0];
    return best_actions[uniform_index(draw.word[2], size32(best_actions.size()))];
  }

  ModelEntry environment_step(const TabularMdp& mdp, std::uint32_t s, std::uint32_t a,
                              std::uint32_t t) const {
    const std::uint32_t pair = s * n_actions_ + a;
    const std::uint32_t begin = mdp.pair_begin[pair], count = mdp.pair_begin[pair + 1] - begin;
    std::uint32_t k = 0;
    if (count > 1) {
      const std::uint32_t word = random_.draw(t, kPurposeEnv).word[0];
      while (k + 1 < count && word >= mdp.outcome_threshold[begin + k]) ++k;
    }
    return ModelEntry{mdp.next_state[begin + k], mdp.reward[begin + k], mdp.terminated[begin + k] != 0};
  }

  float max_value(std::uint32_t s) const {
    float best = q_[s][0];
    for (std::uint32_t a = 1; a < n_actions_; ++a) best = q_[s][a] > best ? q_[s][a] : best;
    return best;
  }

  void update(std::uint32_t s, std::uint32_t a, const ModelEntry& outcome) {
    const float target = outcome.terminated ? outcome.reward
                                            : outcome.reward + params_.gamma * max_value(outcome.next_state);
    q_[s][a] = q_[s][a] + params_.alpha * (target - q_[s][a]);
  }

  AgentParams params_;
  AgentRandom random_;
  std::uint32_t n_actions_;
  std::vector<std::vector<float>> q_;
  std::map<std::pair<std::uint32_t, std::uint32_t>, ModelEntry> model_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> observed_pairs_;
  std::vector<std::uint32_t> observed_states_;
  std::vector<std::vector<std::uint32_t>> actions_taken_;
  std::uint64_t time_ = 0;
  std::uint32_t state_ = 0;
  std::uint32_t episode_steps_ = 0;
  bool new_episode_ = true;
};

class ReferenceEngine final : public Engine {
 public:
  std::string name() const override { return "reference"; }
  std::string device() const override { return "CPU, 1 thread"; }

  void run(const AgentGroup& group, GroupResults& results, const ProgressCallback& progress) override {
    results.allocate(group);
    const Environment& env = *group.environment;
    const RunBudget& budget = group.budget;
    const std::uint32_t n_pairs = env.n_states() * env.n_actions();
    for (std::uint32_t i = 0; i < group.n_agents(); ++i) {
      ReferenceAgent agent(group, i);
      std::uint32_t episodes = 0;
      double episode_return = 0.0, cumulative_reward = 0.0;
      while (budget.kind == BudgetKind::kEpisodes ? episodes < budget.episodes
                                                  : agent.time() < budget.steps) {
        const TabularMdp& mdp = *env.phases[env.phase_at(agent.time())].mdp;
        float reward = 0.0f;
        const bool episode_ended = agent.step(mdp, reward);
        episode_return += reward;
        cumulative_reward += reward;
        if (episode_ended) {
          if (budget.kind == BudgetKind::kEpisodes) {
            results.episode_steps[std::uint64_t{i} * budget.episodes + episodes] = agent.episode_steps();
            results.episode_return[std::uint64_t{i} * budget.episodes + episodes] = episode_return;
          }
          ++episodes;
          episode_return = 0.0;
        }
        if (budget.kind == BudgetKind::kSteps &&
            (agent.time() % budget.bucket_steps == 0 || agent.time() == budget.steps)) {
          const std::uint64_t slot = std::uint64_t{i} * budget.n_buckets + (agent.time() - 1) / budget.bucket_steps;
          results.bucket_cumulative_reward[slot] = cumulative_reward;
          results.bucket_episodes[slot] = episodes;
        }
      }
      results.total_steps[i] = agent.time();
      if (group.keep_tables) {
        const std::uint64_t at = std::uint64_t{i} * n_pairs;
        agent.export_tables(env.n_states(), &results.q[at], &results.model_next[at],
                            &results.model_reward[at], &results.observed_pairs[at]);
      }
      if (progress) progress(i + 1);
    }
  }
};

}  // namespace

std::unique_ptr<Engine> make_reference_engine() { return std::make_unique<ReferenceEngine>(); }

}  // namespace dynaq
