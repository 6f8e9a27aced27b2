// The reference engine: Dyna-Q and its variants as Sutton & Barto write them (sections 8.2-8.4),
// one agent after another.
//
// This is the oracle every fast path is compared with, so it is deliberately plain: its own
// data structures (a Q-table per state, a model keyed by pair, a std::set as the priority
// queue), no code shared with agent_core.hpp, only the random streams (random.hpp) and the
// environment tables (mdp.hpp). The choices the book leaves open are the ones agent_core.hpp's
// header lists; each random draw is made where the book's algorithm makes it, with the layout
// random.hpp describes.
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "dynaq/agent_tables.hpp"  // kUnseen and AgentError: what the exported results hold
#include "dynaq/engine.hpp"
#include "dynaq/random.hpp"

namespace dynaq {
namespace {

struct Outcome {
  std::uint32_t next_state;
  float reward;
  bool terminated;
  std::uint32_t count;  // how often it was observed (count-based model)
};

using Pair = std::pair<std::uint32_t, std::uint32_t>;  // (state, action)

class ReferenceAgent {
 public:
  ReferenceAgent(const AgentGroup& group, std::uint32_t local_index)
      : params_(group.params_of(local_index)),
        random_(AgentRandom::make(group.sweep_seed, group.first_agent + local_index)),
        n_actions_(group.environment->n_actions()),
        q_(group.environment->n_states(), std::vector<float>(n_actions_, params_.q_init)),
        last_tried_(group.environment->n_states(), std::vector<std::uint32_t>(n_actions_, 0)),
        actions_taken_(group.environment->n_states()) {}

  // One real step in `mdp` (the schedule's MDP at this time step). Returns true at episode end.
  bool step(const TabularMdp& mdp, float& reward_out) {
    const std::uint32_t t = static_cast<std::uint32_t>(time_);
    if (new_episode_) {
      state_ = choose_start_state(mdp, t);
      episode_steps_ = 0;
      new_episode_ = false;
    }
    // (a) S <- current state; (b) A <- epsilon-greedy(S, Q) (Q plus the bonus for dyna-q-plus-action)
    const std::uint32_t s = state_;
    const std::uint32_t a = epsilon_greedy(s, t);
    // (c) Take action A; observe R, S'
    const Outcome outcome = environment_step(mdp, s, a, t);
    last_tried_[s][a] = t + 1;
    const bool prioritized = params_.algorithm == Algorithm::kPrioritized ||
                             params_.algorithm == Algorithm::kPrioritizedDirect;
    // (d) Q(S,A) <- Q(S,A) + alpha [R + gamma max_a Q(S',a) - Q(S,A)]
    if (!prioritized || params_.algorithm == Algorithm::kPrioritizedDirect)
      update(s, a, backup_target(outcome.reward, outcome.next_state, outcome.terminated));
    // (e) Model(S,A) <- R, S'
    if (!learn_model(s, a, outcome)) {
      record_capacity_error(s, a);
      return true;  // an episode end; failed() then stops the agent
    }
    // (f) planning
    if (prioritized) {
      sweep_priorities(s, a);
    } else {
      // Update j's words: random.hpp's planning words, with an action word when drawing states
      // then actions and an outcome word for a count model's sample backup.
      const bool action_word = params_.planning_draw == PlanningDraw::kStates;
      const bool outcome_word = counts() && params_.backup == BackupKind::kSample;
      for (std::uint32_t j = 0; j < params_.planning_steps; ++j)
        plan_once(random_.plan_draw(t, j, action_word, outcome_word), t + 1);
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

  // Mean total variation distance between the model and `mdp` over observed pairs
  // (agent_core.hpp model_error states the exact order of the sums).
  double model_error(const TabularMdp& mdp) const {
    if (observed_pairs_.empty()) return 0.0;
    double sum = 0.0;
    for (const Pair& pair : observed_pairs_) {
      const std::vector<Outcome>& outcomes = model_.at(pair);
      double total = 0.0;
      for (const Outcome& o : outcomes) total += counts() ? static_cast<double>(o.count) : 1.0;
      double distance = 0.0;
      for (const Outcome& o : outcomes) {
        const double q = (counts() ? static_cast<double>(o.count) : 1.0) / total;
        const std::uint32_t p_index = pair.first * n_actions_ + pair.second;
        double p = 0.0;
        for (std::uint32_t i = mdp.pair_begin[p_index]; i < mdp.pair_begin[p_index + 1]; ++i)
          if (mdp.next_state[i] == o.next_state && (mdp.terminated[i] != 0) == o.terminated && mdp.reward[i] == o.reward)
            p += mdp.probability[i];
        if (q > p) distance += q - p;
      }
      sum += distance;
    }
    return sum / static_cast<double>(observed_pairs_.size());
  }

  // Steps of the greedy path (the first maximal action, each pair's most likely outcome) from
  // the first start state to termination, or 0 past `limit` steps.
  std::uint32_t greedy_path_steps(const TabularMdp& mdp, std::uint32_t limit) const {
    std::uint32_t s = 0;
    while (mdp.initial_distribution[s] <= 0.0) ++s;
    for (std::uint32_t step = 1; step <= limit; ++step) {
      std::uint32_t a = 0;
      for (std::uint32_t b = 1; b < n_actions_; ++b)
        if (q_[s][b] > q_[s][a]) a = b;
      const std::uint32_t pair = s * n_actions_ + a;
      std::uint32_t likely = mdp.pair_begin[pair];
      for (std::uint32_t i = likely + 1; i < mdp.pair_begin[pair + 1]; ++i)
        if (mdp.probability[i] > mdp.probability[likely]) likely = i;
      if (mdp.terminated[likely]) return step;
      s = mdp.next_state[likely];
    }
    return 0;
  }

  std::uint64_t time() const { return time_; }
  std::uint64_t planning_updates() const { return planning_updates_; }
  std::uint32_t episode_steps() const { return episode_steps_; }
  bool failed() const { return error_ != kAgentOk; }
  AgentCounters error_counters() const {
    AgentCounters c{};
    c.error = error_;
    c.error_pair = error_pair_;
    return c;
  }

  void export_tables(std::uint32_t n_states, std::uint32_t slots, float* q, std::uint32_t* model_next,
                     float* model_reward, std::uint32_t* model_count, std::uint32_t* observed) const {
    for (std::uint32_t s = 0; s < n_states; ++s)
      for (std::uint32_t a = 0; a < n_actions_; ++a) {
        const std::uint32_t p = s * n_actions_ + a;
        q[p] = q_[s][a];
        observed[p] = kUnseen;
        const auto entry = model_.find({s, a});
        for (std::uint32_t k = 0; k < slots; ++k) {
          const bool filled = entry != model_.end() && k < entry->second.size();
          const Outcome o = filled ? entry->second[k] : Outcome{0, 0.0f, false, 0};
          model_next[std::uint64_t{p} * slots + k] = filled ? o.next_state | (o.terminated ? kTerminatedBit : 0u) : kUnseen;
          model_reward[std::uint64_t{p} * slots + k] = o.reward;
          if (model_count != nullptr) model_count[std::uint64_t{p} * slots + k] = counts() ? o.count : 0;
        }
      }
    for (std::size_t k = 0; k < observed_pairs_.size(); ++k)
      observed[k] = observed_pairs_[k].first * n_actions_ + observed_pairs_[k].second;
  }

 private:
  static std::uint32_t size32(std::size_t n) { return static_cast<std::uint32_t>(n); }
  bool counts() const { return params_.model == ModelKind::kCounts; }

  // A counts model with no room for another outcome of (s, a): the agent's error, reported
  // with its pair.
  void record_capacity_error(std::uint32_t s, std::uint32_t a) {
    error_ = kAgentModelCapacityExceeded;
    error_pair_ = s * n_actions_ + a;
  }

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
    std::vector<float> value = q_[s];
    if (params_.algorithm == Algorithm::kDynaQPlusAction)
      for (std::uint32_t a = 0; a < n_actions_; ++a) value[a] = q_[s][a] + bonus(t - last_tried_[s][a]);
    float best = value[0];
    for (float v : value) best = v > best ? v : best;
    std::vector<std::uint32_t> best_actions;
    for (std::uint32_t a = 0; a < n_actions_; ++a)
      if (value[a] == best) best_actions.push_back(a);
    // A NaN first value is a maximum that nothing equals (rewards near the float maximum make Q
    // overflow, then NaN): the first action, as the fast paths choose (agent_core.hpp).
    if (best_actions.empty()) return 0;
    if (best_actions.size() == 1) return best_actions[0];
    return best_actions[uniform_index(draw.word[2], size32(best_actions.size()))];
  }

  Outcome environment_step(const TabularMdp& mdp, std::uint32_t s, std::uint32_t a, std::uint32_t t) const {
    const std::uint32_t pair = s * n_actions_ + a;
    const std::uint32_t begin = mdp.pair_begin[pair], count = mdp.pair_begin[pair + 1] - begin;
    std::uint32_t k = 0;
    if (count > 1) {
      const std::uint32_t word = random_.draw(t, kPurposeEnv).word[0];
      while (k + 1 < count && word >= mdp.outcome_threshold[begin + k]) ++k;
    }
    return Outcome{mdp.next_state[begin + k], mdp.reward[begin + k], mdp.terminated[begin + k] != 0, 1};
  }

  bool learn_model(std::uint32_t s, std::uint32_t a, const Outcome& outcome) {
    auto entry = model_.find({s, a});
    if (entry == model_.end()) {
      observed_pairs_.push_back({s, a});
      if (actions_taken_[s].empty()) observed_states_.push_back(s);
      actions_taken_[s].push_back(a);
      entry = model_.emplace(Pair{s, a}, std::vector<Outcome>{}).first;
    }
    std::vector<Outcome>& outcomes = entry->second;
    if (!counts()) {  // the last outcome only
      if (!outcomes.empty()) predecessors_[outcomes[0].next_state].erase({s, a});
      outcomes.assign(1, outcome);
      predecessors_[outcome.next_state].insert({s, a});
      return true;
    }
    for (Outcome& known : outcomes)
      if (known.next_state == outcome.next_state && known.terminated == outcome.terminated &&
          known.reward == outcome.reward) {
        ++known.count;
        return true;
      }
    if (outcomes.size() >= params_.model_capacity) return false;
    outcomes.push_back(outcome);
    return true;
  }

  float max_value(std::uint32_t s) const {
    float best = q_[s][0];
    for (std::uint32_t a = 1; a < n_actions_; ++a) best = q_[s][a] > best ? q_[s][a] : best;
    return best;
  }

  float backup_target(float reward, std::uint32_t next_state, bool terminated) const {
    return terminated ? reward : reward + params_.gamma * max_value(next_state);
  }

  float bonus(std::uint32_t tau) const { return params_.kappa * std::sqrt(static_cast<float>(tau)); }

  void update(std::uint32_t s, std::uint32_t a, float target) { q_[s][a] = q_[s][a] + params_.alpha * (target - q_[s][a]); }

  // One uniform planning update (Dyna-Q, Dyna-Q+), at clock `now`.
  void plan_once(const PhiloxBlock& draw, std::uint32_t now) {
    Pair pair;
    if (params_.algorithm == Algorithm::kDynaQPlus) {
      // Dyna-Q+ may replay any action of an observed state, tried or not.
      if (params_.planning_draw == PlanningDraw::kPairs) {
        const std::uint32_t k = uniform_index(draw.word[0], size32(observed_states_.size()) * n_actions_);
        pair = {observed_states_[k / n_actions_], k % n_actions_};
      } else {
        pair = {observed_states_[uniform_index(draw.word[0], size32(observed_states_.size()))],
                uniform_index(draw.word[1], n_actions_)};
      }
    } else if (params_.planning_draw == PlanningDraw::kPairs) {
      pair = observed_pairs_[uniform_index(draw.word[0], size32(observed_pairs_.size()))];
    } else {
      const std::uint32_t s = observed_states_[uniform_index(draw.word[0], size32(observed_states_.size()))];
      pair = {s, actions_taken_[s][uniform_index(draw.word[1], size32(actions_taken_[s].size()))]};
    }
    float target;
    const auto known = model_.find(pair);
    if (known == model_.end()) {
      target = backup_target(0.0f, pair.first, false);  // never tried: back to the same state, reward 0
    } else if (!counts()) {
      const Outcome& o = known->second[0];
      target = backup_target(o.reward, o.next_state, o.terminated);
    } else {
      std::uint32_t total = 0;
      for (const Outcome& o : known->second) total += o.count;
      if (params_.backup == BackupKind::kSample) {
        std::uint32_t u = uniform_index(draw.word[2], total);
        std::size_t k = 0;
        while (u >= known->second[k].count) u -= known->second[k++].count;
        const Outcome& o = known->second[k];
        target = backup_target(o.reward, o.next_state, o.terminated);
      } else {
        target = 0.0f;
        for (const Outcome& o : known->second)
          target += static_cast<float>(o.count) / static_cast<float>(total) * backup_target(o.reward, o.next_state, o.terminated);
      }
    }
    if (params_.algorithm == Algorithm::kDynaQPlus) target = target + bonus(now - last_tried_[pair.first][pair.second]);
    update(pair.first, pair.second, target);
    ++planning_updates_;
  }

  // Prioritized sweeping (Sutton & Barto section 8.4), steps (e)-(g) after the model update.
  void sweep_priorities(std::uint32_t s, std::uint32_t a) {
    queue(Pair{s, a});
    for (std::uint32_t j = 0; j < params_.planning_steps && !queue_.empty(); ++j) {
      const Pair top = queue_.begin()->second;
      queue_.erase(queue_.begin());
      priority_of_.erase(top);
      const Outcome& o = model_.at(top)[0];
      update(top.first, top.second, backup_target(o.reward, o.next_state, o.terminated));
      ++planning_updates_;
      for (const Pair& before : predecessors_[top.first]) queue(before);
    }
  }

  // Inserts a pair with priority |R + gamma max Q(S') - Q(S,A)| if above theta, keeping the
  // higher priority of a pair already queued.
  void queue(const Pair& pair) {
    const Outcome& o = model_.at(pair)[0];
    const float priority = std::fabs(backup_target(o.reward, o.next_state, o.terminated) - q_[pair.first][pair.second]);
    if (!(priority > params_.theta)) return;
    const auto queued = priority_of_.find(pair);
    if (queued != priority_of_.end()) {
      if (priority <= queued->second) return;
      queue_.erase({queued->second, pair});
    }
    priority_of_[pair] = priority;
    queue_.insert({priority, pair});
  }

  // Highest priority first; among equal priorities the smaller pair index (state, then action).
  struct QueueOrder {
    bool operator()(const std::pair<float, Pair>& x, const std::pair<float, Pair>& y) const {
      if (x.first != y.first) return x.first > y.first;
      return x.second < y.second;
    }
  };

  AgentParams params_;
  AgentRandom random_;
  std::uint32_t n_actions_;
  std::vector<std::vector<float>> q_;
  std::vector<std::vector<std::uint32_t>> last_tried_;  // the clock after each pair was last tried
  std::map<Pair, std::vector<Outcome>> model_;
  std::vector<Pair> observed_pairs_;
  std::vector<std::uint32_t> observed_states_;
  std::vector<std::vector<std::uint32_t>> actions_taken_;
  std::map<std::uint32_t, std::set<Pair>> predecessors_;  // state -> pairs whose model leads there
  std::set<std::pair<float, Pair>, QueueOrder> queue_;
  std::map<Pair, float> priority_of_;
  std::uint64_t time_ = 0;
  std::uint64_t planning_updates_ = 0;
  std::uint32_t state_ = 0;
  std::uint32_t episode_steps_ = 0;
  bool new_episode_ = true;
  std::uint32_t error_ = kAgentOk;
  std::uint32_t error_pair_ = 0;
};

class ReferenceEngine final : public Engine {
 public:
  std::string name() const override { return "reference"; }
  std::string device() const override { return "CPU, 1 thread"; }

  void run(const AgentGroup& group, GroupResults& results, const ProgressCallback& progress) override {
    group.validate();
    results.allocate(group);
    const Environment& env = *group.environment;
    const RunBudget& budget = group.budget;
    const std::uint64_t pairs = std::uint64_t{env.n_states()} * env.n_actions();
    const std::uint32_t slots = group.model_slots();
    for (std::uint32_t i = 0; i < group.n_agents(); ++i) {
      ReferenceAgent agent(group, i);
      std::uint32_t episodes = 0;
      double episode_return = 0.0, cumulative_reward = 0.0;
      while (!agent.failed() && (budget.kind == BudgetKind::kEpisodes ? episodes < budget.episodes
                                                                      : agent.time() < budget.steps)) {
        const TabularMdp& mdp = *env.phases[env.phase_at(agent.time())].mdp;
        float reward = 0.0f;
        const bool episode_ended = agent.step(mdp, reward);
        if (agent.failed()) break;
        episode_return += reward;
        cumulative_reward += reward;
        if (episode_ended) {
          if (budget.kind == BudgetKind::kEpisodes) {
            const std::uint64_t slot = std::uint64_t{i} * budget.episodes + episodes;
            results.episode_steps[slot] = agent.episode_steps();
            results.episode_return[slot] = episode_return;
            if (budget.greedy_rollout_limit > 0) {
              results.episode_planning_updates[slot] = agent.planning_updates();
              results.episode_greedy_steps[slot] =
                  agent.greedy_path_steps(*env.phases[env.phase_at(agent.time())].mdp, budget.greedy_rollout_limit);
            }
          }
          ++episodes;
          episode_return = 0.0;
        }
        if (budget.kind == BudgetKind::kSteps &&
            (agent.time() % budget.bucket_steps == 0 || agent.time() == budget.steps)) {
          const std::uint64_t slot = std::uint64_t{i} * budget.n_buckets + (agent.time() - 1) / budget.bucket_steps;
          results.bucket_cumulative_reward[slot] = cumulative_reward;
          results.bucket_episodes[slot] = episodes;
          results.bucket_model_error[slot] = agent.model_error(mdp);
        }
      }
      check_agent(agent.error_counters(), group, i);
      results.total_steps[i] = agent.time();
      results.planning_updates[i] = agent.planning_updates();
      if (group.keep_tables)
        agent.export_tables(env.n_states(), slots, &results.q[i * pairs], &results.model_next[i * pairs * slots],
                            &results.model_reward[i * pairs * slots],
                            results.model_count.empty() ? nullptr : &results.model_count[i * pairs * slots],
                            &results.observed_pairs[i * pairs]);
      if (progress) progress(i + 1);
    }
  }
};

}  // namespace

std::unique_ptr<Engine> make_reference_engine() { return std::make_unique<ReferenceEngine>(); }

}  // namespace dynaq
