// The cpu engine's lane groups (cpu_lanes.hpp): agents in lockstep, plain Dyna-Q planned in SIMD lanes.
//
// One planning update of plain Dyna-Q is a chain of dependent loads (observed pair, model entry,
// Q[s'] row, Q[s][a]) that one agent cannot overlap with its next update, which may read what this
// one wrote. Agents are independent, so a lane group walks the chains of 8 or 16 agents at once,
// one per lane, with gathers and a scatter. The lane operations are written once
// (plan_plain_lanes) over a small set of per-instruction-set operations (Avx512Ops, Avx2Ops).
//
// Measured on a Zen 4 core (benchmarks/RESULTS.md, 2026-12-06), this is slower than the scalar
// path: a 16-lane gather there costs about 5 ns whether or not its lanes depend on anything, as
// much per element as a scalar load, and an update reads eight elements; 16 agents' Dyna maze
// tables (56 KiB) also overflow the 32 KiB L1 data cache. The engine therefore runs lanes only
// when asked (CpuEngineOptions::lanes), for CPUs whose gathers are cheaper.
#include "dynaq/detail/cpu_lanes.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace dynaq {
namespace {

#if defined(__AVX512F__)
// Sixteen 32-bit lanes; a mask is one bit per lane.
struct Avx512Ops {
  static constexpr std::uint32_t kWidth = 16;
  using U32 = __m512i;
  using F32 = __m512;
  using Mask = __mmask16;

  static U32 load(const std::uint32_t* p) { return _mm512_loadu_si512(p); }
  static F32 load(const float* p) { return _mm512_loadu_ps(p); }
  static U32 splat(std::uint32_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
  // The lanes where j < count (unsigned).
  static Mask below(U32 count, std::uint32_t j) { return _mm512_cmpgt_epu32_mask(count, splat(j)); }
  static U32 add(U32 a, U32 b) { return _mm512_add_epi32(a, b); }
  static U32 multiply(U32 a, U32 b) { return _mm512_mullo_epi32(a, b); }
  static U32 bit_and(U32 a, U32 b) { return _mm512_and_si512(a, b); }
  static Mask any_bits(U32 a, U32 bits) { return _mm512_test_epi32_mask(a, bits); }
  // uniform_index in every lane: (uint64(word) * count) >> 32, the even lanes' products from one
  // 32x32->64 multiply, the odd lanes' from another. (The zero-masking forms with every lane set
  // are the plain instructions; g++ 12 warns of the plain intrinsics' undefined pass-through.)
  static U32 multiply_high(U32 word, U32 count) {
    constexpr __mmask8 kAll = 0xFF;
    const U32 even = _mm512_maskz_srli_epi64(kAll, _mm512_maskz_mul_epu32(kAll, word, count), 32);
    const U32 odd = _mm512_maskz_mul_epu32(kAll, _mm512_maskz_srli_epi64(kAll, word, 32),
                                           _mm512_maskz_srli_epi64(kAll, count, 32));
    return _mm512_mask_blend_epi32(0xAAAA, even, odd);
  }
  static U32 gather(Mask m, U32 index, const std::uint32_t* base) {
    return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, index, base, 4);
  }
  static F32 gather(Mask m, U32 index, const float* base) {
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, index, base, 4);
  }
  static void scatter(Mask m, U32 index, F32 value, float* base) { _mm512_mask_i32scatter_ps(base, m, index, value, 4); }
  // value[a] = the float at row + a in every lane, for a = 0..3: four gathers of 8 eight-byte
  // pairs (a Zen 4 gather costs by the element) and a deinterleave, instead of four of 16 floats.
  // The zero-masking forms with every lane set are the plain instructions (see multiply_high).
  static constexpr bool kGathersRowsOf4 = true;
  static void gather_rows_of_4(Mask m, U32 row, const float* base, F32 (&value)[4]) {
    const __m256i low = _mm512_maskz_extracti64x4_epi64(0xF, row, 0), high = _mm512_maskz_extracti64x4_epi64(0xF, row, 1);
    const __m256i two = _mm256_set1_epi32(2);
    const __mmask8 low_lanes = static_cast<__mmask8>(m), high_lanes = static_cast<__mmask8>(m >> 8);
    const __m512i none = _mm512_setzero_si512();
    const auto pairs = [&](__mmask8 lanes, __m256i index) {
      return _mm512_castsi512_ps(_mm512_mask_i32gather_epi64(none, lanes, index, base, 4));
    };
    const F32 first_low = pairs(low_lanes, low), first_high = pairs(high_lanes, high);
    const F32 second_low = pairs(low_lanes, _mm256_add_epi32(low, two)), second_high = pairs(high_lanes, _mm256_add_epi32(high, two));
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    value[0] = _mm512_permutex2var_ps(first_low, even, first_high);
    value[1] = _mm512_permutex2var_ps(first_low, odd, first_high);
    value[2] = _mm512_permutex2var_ps(second_low, even, second_high);
    value[3] = _mm512_permutex2var_ps(second_low, odd, second_high);
  }
  // a > b, false when either is NaN: the comparison of max_q.
  static Mask greater(F32 a, F32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static F32 select(Mask m, F32 then, F32 otherwise) { return _mm512_mask_blend_ps(m, otherwise, then); }
  static F32 add(F32 a, F32 b) { return _mm512_add_ps(a, b); }
  static F32 subtract(F32 a, F32 b) { return _mm512_sub_ps(a, b); }
  static F32 multiply(F32 a, F32 b) { return _mm512_mul_ps(a, b); }
};
#endif

#if defined(__AVX2__)
// Eight 32-bit lanes; a mask is a lane of all ones or all zeros. AVX2 has no scatter: the Q write
// is eight masked scalar stores.
struct Avx2Ops {
  static constexpr std::uint32_t kWidth = 8;
  using U32 = __m256i;
  using F32 = __m256;
  using Mask = __m256i;

  static U32 load(const std::uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static F32 load(const float* p) { return _mm256_loadu_ps(p); }
  static U32 splat(std::uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
  // j < count unsigned, as a signed comparison of both with their sign bits flipped.
  static Mask below(U32 count, std::uint32_t j) {
    const U32 sign = splat(0x80000000u);
    return _mm256_cmpgt_epi32(_mm256_xor_si256(count, sign), splat(j ^ 0x80000000u));
  }
  static U32 add(U32 a, U32 b) { return _mm256_add_epi32(a, b); }
  static U32 multiply(U32 a, U32 b) { return _mm256_mullo_epi32(a, b); }
  static U32 bit_and(U32 a, U32 b) { return _mm256_and_si256(a, b); }
  static Mask any_bits(U32 a, U32 bits) {
    const U32 none = _mm256_cmpeq_epi32(_mm256_and_si256(a, bits), _mm256_setzero_si256());
    return _mm256_xor_si256(none, _mm256_set1_epi32(-1));
  }
  static U32 multiply_high(U32 word, U32 count) {
    const U32 even = _mm256_srli_epi64(_mm256_mul_epu32(word, count), 32);
    const U32 odd = _mm256_mul_epu32(_mm256_srli_epi64(word, 32), _mm256_srli_epi64(count, 32));
    return _mm256_blend_epi32(even, odd, 0xAA);
  }
  static U32 gather(Mask m, U32 index, const std::uint32_t* base) {
    return _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), reinterpret_cast<const int*>(base), index, m, 4);
  }
  static F32 gather(Mask m, U32 index, const float* base) {
    return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), base, index, _mm256_castsi256_ps(m), 4);
  }
  static constexpr bool kGathersRowsOf4 = false;  // lane_max_q gathers each action instead
  static void scatter(Mask m, U32 index, F32 value, float* base) {
    alignas(32) std::uint32_t at[kWidth];
    alignas(32) float values[kWidth];
    _mm256_store_si256(reinterpret_cast<__m256i*>(at), index);
    _mm256_store_ps(values, value);
    for (unsigned live = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(m))); live != 0; live &= live - 1)
      base[at[__builtin_ctz(live)]] = values[__builtin_ctz(live)];
  }
  static Mask greater(F32 a, F32 b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_GT_OQ)); }
  static F32 select(Mask m, F32 then, F32 otherwise) { return _mm256_blendv_ps(otherwise, then, _mm256_castsi256_ps(m)); }
  static F32 add(F32 a, F32 b) { return _mm256_add_ps(a, b); }
  static F32 subtract(F32 a, F32 b) { return _mm256_sub_ps(a, b); }
  static F32 multiply(F32 a, F32 b) { return _mm256_mul_ps(a, b); }
};
#endif

// What the vector loop reads of each lane, one element per lane. A lane outside the loop (its
// agent finished, or plans otherwise) has steps 0, so that no update of it is live.
template <std::uint32_t kWidth>
struct PlainPlanningLanes {
  alignas(64) std::uint32_t steps[kWidth];     // n
  alignas(64) std::uint32_t observed[kWidth];  // observed pairs so far
  alignas(64) float alpha[kWidth];
  alignas(64) float gamma[kWidth];
  // Element offsets of the lane's tables from lane 0's, which every 32-bit gather index adds.
  alignas(64) std::uint32_t q_offset[kWidth];
  alignas(64) std::uint32_t slot_offset[kWidth];
  alignas(64) std::uint32_t pair_list_offset[kWidth];
  // The lane's planning stream (random.hpp), in 64-bit words for the Philox loop below.
  alignas(64) std::uint64_t key0[kWidth];
  alignas(64) std::uint64_t key1[kWidth];
  alignas(64) std::uint64_t agent[kWidth];
  alignas(64) std::uint64_t time_step[kWidth];
};

// Updates j of a batch take the words of blocks j / 4: this many updates per batch of words.
constexpr std::uint32_t kBatchWords = 64;

// Planning words 4 * first_block, ... of every lane's step into words[i][lane]: the same words as
// AgentRandom::planning_words, made across the lanes (one block of every lane per iteration, a
// loop the compiler vectorises like planning_words' loop over blocks) so that they come out with
// the lanes side by side, as the vector loop loads them.
template <std::uint32_t kWidth>
void lane_planning_words(const PlainPlanningLanes<kWidth>& lanes, std::uint32_t first_block, std::uint32_t blocks,
                         std::uint32_t (*words)[kWidth]) {
  for (std::uint32_t b = 0; b < blocks; ++b)
    for (std::uint32_t lane = 0; lane < kWidth; ++lane) {
      std::uint64_t w0, w1, w2, w3;
      planning_block<std::uint64_t>(lanes.key0[lane], lanes.key1[lane], lanes.agent[lane], lanes.time_step[lane],
                                    first_block + b, w0, w1, w2, w3);
      words[4 * b][lane] = static_cast<std::uint32_t>(w0);
      words[4 * b + 1][lane] = static_cast<std::uint32_t>(w1);
      words[4 * b + 2][lane] = static_cast<std::uint32_t>(w2);
      words[4 * b + 3][lane] = static_cast<std::uint32_t>(w3);
    }
}

// Lane 0's tables, which the lanes' offsets are from.
struct LaneTableBases {
  float* q;
  const std::uint32_t* model_next;
  const float* model_reward;
  const std::uint32_t* observed_pairs;
};

// max_q of the row at `row` in every live lane: '>' in action order, so that a NaN or a signed zero
// stays where max_q keeps it. kActions as in plain_dyna_q_loop.
template <typename V, std::uint32_t kActions>
typename V::F32 lane_max_q(typename V::Mask live, typename V::U32 row, const float* q, std::uint32_t n_actions) {
  using F32 = typename V::F32;
  F32 best;
  if constexpr (kActions == 4 && V::kGathersRowsOf4) {
    F32 value[4];
    V::gather_rows_of_4(live, row, q, value);
    best = value[0];
    for (std::uint32_t a = 1; a < 4; ++a) best = V::select(V::greater(value[a], best), value[a], best);
  } else {
    best = V::gather(live, row, q);
    for (std::uint32_t a = 1; a < n_actions; ++a) {
      const F32 value = V::gather(live, V::add(row, V::splat(a)), q);
      best = V::select(V::greater(value, best), value, best);
    }
  }
  return best;
}

// The planning of plain_dyna_q_loop for every lane at once: update j of every lane whose n exceeds
// j, in the order j = 0, 1, ...; each lane's update is q_backup of the pair its word draws. The
// scatter of update j comes before the gathers of update j + 1 in program order, so a lane's update
// reads what its previous one wrote. kActions and kOneSlot as in plain_dyna_q_loop.
//
// Tried and measured slower on a Zen 4 core (benchmarks/RESULTS.md, 2026-12-06; ratios to this
// loop before lane_max_q gathered rows as pairs): gathering every update's pair and model entry
// first, then the backups alone (0.97x), and on top of that the next update's Q gathered before
// this one's scatter and patched in registers (0.95x).
template <typename V, std::uint32_t kActions, bool kOneSlot>
void plan_plain_lanes(const PlainPlanningLanes<V::kWidth>& lanes, const LaneTableBases& tables,
                      std::uint32_t n_actions_at_run_time, std::uint32_t model_slots) {
  using U32 = typename V::U32;
  using F32 = typename V::F32;
  using Mask = typename V::Mask;
  constexpr std::uint32_t kWidth = V::kWidth;
  const std::uint32_t n_actions = kActions != 0 ? kActions : n_actions_at_run_time;
  const U32 steps = V::load(lanes.steps), observed = V::load(lanes.observed);
  const U32 q_offset = V::load(lanes.q_offset), slot_offset = V::load(lanes.slot_offset),
            pair_list_offset = V::load(lanes.pair_list_offset);
  const F32 alpha = V::load(lanes.alpha), gamma = V::load(lanes.gamma);
  const U32 slots = V::splat(model_slots), actions = V::splat(n_actions);
  const U32 state_mask = V::splat(kStateMask), terminated_bit = V::splat(kTerminatedBit);
  const std::uint32_t most = *std::max_element(lanes.steps, lanes.steps + kWidth);
  alignas(64) std::uint32_t words[kBatchWords][kWidth];
  for (std::uint32_t first = 0; first < most; first += kBatchWords) {
    const std::uint32_t count = std::min(kBatchWords, most - first);
    lane_planning_words(lanes, first / 4, (count + 3) / 4, words);
    for (std::uint32_t k = 0; k < count; ++k) {
      const Mask live = V::below(steps, first + k);
      const U32 drawn = V::multiply_high(V::load(words[k]), observed);
      const U32 pair = V::gather(live, V::add(pair_list_offset, drawn), tables.observed_pairs);
      const U32 slot = V::add(slot_offset, kOneSlot ? pair : V::multiply(pair, slots));
      const U32 entry = V::gather(live, slot, tables.model_next);
      const F32 reward = V::gather(live, slot, tables.model_reward);
      // backup_target: max_q over the next state's row, '>' in action order.
      const U32 row = V::add(q_offset, V::multiply(V::bit_and(entry, state_mask), actions));
      const F32 best = lane_max_q<V, kActions>(live, row, tables.q, n_actions);
      const F32 discounted = V::multiply(gamma, best);
      const F32 target = V::select(V::any_bits(entry, terminated_bit), reward, V::add(reward, discounted));
      // move_toward.
      const U32 at = V::add(q_offset, pair);
      const F32 current = V::gather(live, at, tables.q);
      const F32 error = V::subtract(target, current);
      const F32 step = V::multiply(alpha, error);
      V::scatter(live, at, V::add(current, step), tables.q);
    }
  }
}

// Element offset of `table` from `base`, when every element of a table of `length` elements there
// is within a non-negative 32-bit gather index; else false.
template <typename T>
bool gather_offset(const T* base, const T* table, std::uint64_t length, std::uint32_t& offset) {
  if (table < base) return false;
  const std::uint64_t from_base = static_cast<std::uint64_t>(table - base);
  if (from_base + length > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) return false;
  offset = static_cast<std::uint32_t>(from_base);
  return true;
}

template <typename V>
std::uint64_t run_lanes(const LaneAgent* agents, std::uint32_t count, const ScheduleView& schedule,
                        const RunBudget& budget) {
  constexpr std::uint32_t kWidth = V::kWidth;
  const std::uint32_t n_actions = schedule.phase[0].n_actions;
  const std::uint32_t model_slots = agents[0].agent.model_slots;
  const std::uint64_t pairs = std::uint64_t{schedule.phase[0].n_states} * n_actions;
  const AgentRef& first = agents[0].agent;
  const LaneTableBases tables{first.q, first.model_next, first.model_reward, first.observed_pairs};

  PlainPlanningLanes<kWidth> lanes{};
  bool vector_planning = true;  // the lanes' tables are within 32-bit gather offsets of lane 0's
  for (std::uint32_t k = 0; k < count; ++k) {
    const AgentRef& agent = agents[k].agent;
    // model_next and model_reward share one offset (the same layout), so one gather index serves both.
    std::uint32_t reward_offset = 0;
    vector_planning = vector_planning && gather_offset(first.q, agent.q, pairs, lanes.q_offset[k]) &&
                      gather_offset(first.model_next, agent.model_next, pairs * model_slots, lanes.slot_offset[k]) &&
                      gather_offset(first.model_reward, agent.model_reward, pairs * model_slots, reward_offset) &&
                      reward_offset == lanes.slot_offset[k] &&
                      gather_offset(first.observed_pairs, agent.observed_pairs, pairs, lanes.pair_list_offset[k]);
    const AgentParams& params = *agents[k].params;
    lanes.alpha[k] = params.alpha;
    lanes.gamma[k] = params.gamma;
    lanes.key0[k] = agents[k].rng.key0;
    lanes.key1[k] = agents[k].rng.key1;
    lanes.agent[k] = agents[k].rng.agent;
  }

  bool running[kWidth] = {};
  for (std::uint32_t k = 0; k < count; ++k) running[k] = true;
  const MdpView* step_env[kWidth] = {};
  RealStep step[kWidth] = {};
  std::uint64_t vector_updates = 0;
  while (true) {
    bool any_running = false;
    for (std::uint32_t k = 0; k < count; ++k) {
      running[k] = running[k] && !agent_finished(*agents[k].agent.counters, budget);
      any_running = any_running || running[k];
    }
    if (!any_running) break;

    bool any_vector = false;
    for (std::uint32_t k = 0; k < count; ++k) {
      lanes.steps[k] = 0;
      if (!running[k]) continue;
      const LaneAgent& lane = agents[k];
      const AgentParams& params = *lane.params;
      step_env[k] = &schedule.at(lane.agent.counters->t);
      step[k] = act_and_learn(lane.agent, *step_env[k], params, lane.rng);
      if (vector_planning && plans_plain_dyna_q(params) && params.planning_steps > 0) {
        lanes.steps[k] = params.planning_steps;
        lanes.observed[k] = lane.agent.counters->n_observed_pairs;
        lanes.time_step[k] = step[k].t;
        any_vector = true;
      } else {
        plan(lane.agent, *step_env[k], params, lane.rng, step[k]);
      }
    }
    if (any_vector) {
      if (n_actions == 4 && model_slots == 1)
        plan_plain_lanes<V, 4, true>(lanes, tables, n_actions, model_slots);
      else
        plan_plain_lanes<V, 0, false>(lanes, tables, n_actions, model_slots);
      for (std::uint32_t k = 0; k < count; ++k) {
        agents[k].agent.counters->planning_updates += lanes.steps[k];
        vector_updates += lanes.steps[k];
      }
    }

    for (std::uint32_t k = 0; k < count; ++k) {
      if (!running[k]) continue;
      const LaneAgent& lane = agents[k];
      const StepResult result = end_step(lane.agent, *lane.params, step[k]);
      record_step_metrics(lane.agent, schedule, *step_env[k], *lane.params, budget, lane.metrics, result);
    }
  }
  return vector_updates;
}

}  // namespace

bool lane_width_supported(std::uint32_t lanes) {
#if defined(__AVX512F__)
  if (lanes == 16) return true;
#endif
#if defined(__AVX2__)
  if (lanes == 8) return true;
#endif
  return lanes == 1;
}

std::uint64_t run_lane_group(const LaneAgent* agents, std::uint32_t count, std::uint32_t lanes,
                             const ScheduleView& schedule, const RunBudget& budget) {
#if defined(__AVX512F__)
  if (lanes == 16 && count <= 16) return run_lanes<Avx512Ops>(agents, count, schedule, budget);
#endif
#if defined(__AVX2__)
  if (lanes == 8 && count <= 8) return run_lanes<Avx2Ops>(agents, count, schedule, budget);
#endif
  (void)agents, (void)count, (void)lanes, (void)schedule, (void)budget;
  throw std::invalid_argument("run_lane_group: " + std::to_string(count) + " agents in lanes of " +
                              std::to_string(lanes) + ", which this build cannot run");
}

}  // namespace dynaq
