// MdpBuilder: validation of tabular MDPs and their integer sampling thresholds.
#include "dynaq/mdp.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "dynaq/errors.hpp"
#include "dynaq/format.hpp"

namespace dynaq {

std::uint32_t TabularMdp::max_outcomes_per_pair() const {
  std::uint32_t most = 0;
  for (std::uint32_t p = 0; p < n_pairs(); ++p) most = std::max(most, pair_begin[p + 1] - pair_begin[p]);
  return most;
}

std::uint64_t TabularMdp::table_bytes() const {
  return pair_begin.size() * sizeof(std::uint32_t) +
         n_outcomes() * (sizeof(double) + sizeof(std::uint32_t) + sizeof(float) +
                         sizeof(std::uint8_t) + sizeof(std::uint64_t)) +
         n_states * sizeof(double) + start_state.size() * (sizeof(std::uint32_t) + sizeof(std::uint64_t));
}

MdpView TabularMdp::view() const {
  return MdpView{n_states,
                 n_actions,
                 pair_begin.data(),
                 next_state.data(),
                 reward.data(),
                 terminated.data(),
                 probability.data(),
                 outcome_threshold.data(),
                 static_cast<std::uint32_t>(start_state.size()),
                 start_state.data(),
                 start_threshold.data()};
}

std::vector<std::uint64_t> cumulative_thresholds(const double* probabilities, std::size_t count) {
  constexpr std::uint64_t kAll = std::uint64_t{1} << 32;
  double total = 0.0;
  std::size_t last_positive = 0;
  for (std::size_t k = 0; k < count; ++k) {
    total += probabilities[k];
    if (probabilities[k] > 0.0) last_positive = k;
  }
  std::vector<std::uint64_t> thresholds(count, kAll);
  double cumulative = 0.0;
  for (std::size_t k = 0; k < last_positive; ++k) {
    cumulative += probabilities[k];
    thresholds[k] = std::min(kAll, static_cast<std::uint64_t>(cumulative / total * 4294967296.0));
  }
  return thresholds;
}

MdpBuilder::MdpBuilder(std::string name, std::uint32_t n_states, std::uint32_t n_actions)
    : name_(std::move(name)), n_states_(n_states), n_actions_(n_actions) {
  if (n_states == 0) throw InputError(name_ + ": n_states must be at least 1");
  if (n_actions == 0) throw InputError(name_ + ": n_actions must be at least 1");
  if (n_states > kMaxStates || std::uint64_t{n_states} * n_actions > kMaxStates)
    throw InputError(name_ + ": " + std::to_string(n_states) + " states x " +
                     std::to_string(n_actions) + " actions is more than the " +
                     std::to_string(kMaxStates) + " state-action pairs dynaq supports");
}

namespace {
// "name: P[s][a]", built only when an error is reported (this runs for every outcome).
std::string pair_location(const std::string& name, std::uint32_t state, std::uint32_t action) {
  return name + ": P[" + std::to_string(state) + "][" + std::to_string(action) + "]";
}
}  // namespace

void MdpBuilder::add_outcome(std::uint32_t state, std::uint32_t action, double probability,
                             std::uint32_t next_state, double reward, bool terminated) {
  const auto where = [&] { return pair_location(name_, state, action); };
  if (state >= n_states_) throw InputError(where() + ": state out of range [0, " + std::to_string(n_states_) + ")");
  if (action >= n_actions_) throw InputError(where() + ": action out of range [0, " + std::to_string(n_actions_) + ")");
  if (!std::isfinite(probability) || probability < 0.0 || probability > 1.0 + kProbabilityTolerance)
    throw InputError(where() + ": probability " + format_double(probability) + " is not in [0, 1]");
  if (next_state >= n_states_)
    throw InputError(where() + ": next state " + std::to_string(next_state) + " out of range [0, " +
                     std::to_string(n_states_) + ")");
  const float reward32 = static_cast<float>(reward);
  if (!std::isfinite(reward) || !std::isfinite(reward32))
    throw InputError(where() + ": reward " + format_double(reward) + " is not a finite float32");
  outcomes_.push_back(PendingOutcome{state * n_actions_ + action, next_state, probability, reward32, terminated});
}

void MdpBuilder::set_initial_distribution(std::vector<double> distribution) {
  initial_distribution_ = std::move(distribution);
}

void MdpBuilder::set_initial_state(std::uint32_t state) {
  if (state >= n_states_) throw InputError(name_ + ": start state " + std::to_string(state) + " out of range");
  initial_distribution_.assign(n_states_, 0.0);
  initial_distribution_[state] = 1.0;
}

TabularMdp MdpBuilder::build() {
  TabularMdp mdp;
  mdp.name = name_;
  mdp.n_states = n_states_;
  mdp.n_actions = n_actions_;
  mdp.max_episode_steps = max_episode_steps_;
  const std::uint32_t n_pairs = n_states_ * n_actions_;

  // Loaders usually add outcomes pair by pair; sort only when they did not.
  const auto by_pair = [](const PendingOutcome& x, const PendingOutcome& y) { return x.pair < y.pair; };
  if (!std::is_sorted(outcomes_.begin(), outcomes_.end(), by_pair))
    std::stable_sort(outcomes_.begin(), outcomes_.end(), by_pair);

  const std::size_t n = outcomes_.size();
  if (n > 0xFFFFFFFFu) throw InputError(name_ + ": more than 2^32 - 1 outcomes");
  mdp.pair_begin.assign(n_pairs + 1, 0);
  mdp.probability.resize(n);
  mdp.next_state.resize(n);
  mdp.reward.resize(n);
  mdp.terminated.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const PendingOutcome& o = outcomes_[i];
    mdp.pair_begin[o.pair + 1]++;
    mdp.probability[i] = o.probability;
    mdp.next_state[i] = o.next_state;
    mdp.reward[i] = o.reward;
    mdp.terminated[i] = o.terminated ? 1 : 0;
  }
  outcomes_.clear();
  outcomes_.shrink_to_fit();
  for (std::uint32_t p = 0; p < n_pairs; ++p) mdp.pair_begin[p + 1] += mdp.pair_begin[p];

  mdp.outcome_threshold.resize(n);
  for (std::uint32_t p = 0; p < n_pairs; ++p) {
    const std::uint32_t begin = mdp.pair_begin[p], end = mdp.pair_begin[p + 1];
    const auto where = [&] { return pair_location(name_, p / n_actions_, p % n_actions_); };
    if (begin == end) throw InputError(where() + ": no outcomes (every pair needs at least one)");
    double total = 0.0;
    for (std::uint32_t i = begin; i < end; ++i) total += mdp.probability[i];
    if (std::fabs(total - 1.0) > kProbabilityTolerance)
      throw InputError(where() + ": probabilities sum to " + format_double(total) +
                       ", not 1 (within 1e-6)");
    if (end - begin == 1) {
      mdp.outcome_threshold[begin] = std::uint64_t{1} << 32;
    } else {
      const auto thresholds = cumulative_thresholds(mdp.probability.data() + begin, end - begin);
      std::copy(thresholds.begin(), thresholds.end(), mdp.outcome_threshold.begin() + begin);
    }
  }

  if (initial_distribution_.size() != n_states_)
    throw InputError(name_ + ": initial_state_distribution has " +
                     std::to_string(initial_distribution_.size()) + " entries, expected n_states = " +
                     std::to_string(n_states_));
  double total = 0.0;
  for (std::uint32_t s = 0; s < n_states_; ++s) {
    const double p = initial_distribution_[s];
    if (!std::isfinite(p) || p < 0.0)
      throw InputError(name_ + ": initial_state_distribution[" + std::to_string(s) + "] = " +
                       format_double(p) + " is not a probability");
    total += p;
    if (p > 0.0) mdp.start_state.push_back(s);
  }
  if (std::fabs(total - 1.0) > kProbabilityTolerance)
    throw InputError(name_ + ": initial_state_distribution sums to " + format_double(total) +
                     ", not 1 (within 1e-6)");
  std::vector<double> start_probabilities;
  for (std::uint32_t s : mdp.start_state) start_probabilities.push_back(initial_distribution_[s]);
  mdp.start_threshold = cumulative_thresholds(start_probabilities.data(), start_probabilities.size());
  mdp.initial_distribution = std::move(initial_distribution_);
  return mdp;
}

}  // namespace dynaq
