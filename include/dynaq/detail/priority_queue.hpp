// The priority queue and predecessor lists of prioritized sweeping (Sutton & Barto section 8.4),
// in one agent's tables (agent_views.hpp): a binary max-heap over (priority, pair) and, per
// state, the list of pairs whose model leads there. Host/device, used by agent_core.hpp.
#pragma once

#include <cstdint>

#include "dynaq/agent_tables.hpp"
#include "dynaq/detail/agent_views.hpp"
#include "dynaq/platform.hpp"

namespace dynaq {

// A binary max-heap over (priority, pair), ordered by higher priority, then smaller pair: a total
// order, so the sequence of pops does not depend on how the heap happens to be arranged.

DYNAQ_HD inline bool heap_before(float priority_a, std::uint32_t pair_a, float priority_b, std::uint32_t pair_b) {
  return priority_a > priority_b || (priority_a == priority_b && pair_a < pair_b);
}

DYNAQ_HD inline void heap_place(const AgentRef& agent, std::uint32_t index, std::uint32_t pair, float priority) {
  agent.heap_pair[index] = pair;
  agent.heap_priority[index] = priority;
  agent.heap_position[pair] = index;
}

DYNAQ_HD inline void heap_sift_up(const AgentRef& agent, std::uint32_t index) {
  const std::uint32_t pair = agent.heap_pair[index];
  const float priority = agent.heap_priority[index];
  while (index > 0) {
    const std::uint32_t parent = (index - 1) / 2;
    if (!heap_before(priority, pair, agent.heap_priority[parent], agent.heap_pair[parent])) break;
    heap_place(agent, index, agent.heap_pair[parent], agent.heap_priority[parent]);
    index = parent;
  }
  heap_place(agent, index, pair, priority);
}

DYNAQ_HD inline void heap_sift_down(const AgentRef& agent, std::uint32_t index, std::uint32_t size) {
  const std::uint32_t pair = agent.heap_pair[index];
  const float priority = agent.heap_priority[index];
  while (true) {
    std::uint32_t child = 2 * index + 1;
    if (child >= size) break;
    if (child + 1 < size && heap_before(agent.heap_priority[child + 1], agent.heap_pair[child + 1],
                                        agent.heap_priority[child], agent.heap_pair[child]))
      ++child;
    if (!heap_before(agent.heap_priority[child], agent.heap_pair[child], priority, pair)) break;
    heap_place(agent, index, agent.heap_pair[child], agent.heap_priority[child]);
    index = child;
  }
  heap_place(agent, index, pair, priority);
}

// Queues `pair` with `priority`, or raises its priority if it is queued with a lower one.
DYNAQ_HD inline void queue_push(const AgentRef& agent, std::uint32_t pair, float priority) {
  std::uint32_t& size = agent.counters->queue_size;
  const std::uint32_t at = agent.heap_position[pair];
  if (at != kNone) {
    if (priority > agent.heap_priority[at]) {
      agent.heap_priority[at] = priority;
      heap_sift_up(agent, at);
    }
    return;
  }
  heap_place(agent, size, pair, priority);
  ++size;
  heap_sift_up(agent, size - 1);
}

DYNAQ_HD inline std::uint32_t queue_pop(const AgentRef& agent) {
  std::uint32_t& size = agent.counters->queue_size;
  const std::uint32_t top = agent.heap_pair[0];
  agent.heap_position[top] = kNone;
  --size;
  if (size > 0) {
    heap_place(agent, 0, agent.heap_pair[size], agent.heap_priority[size]);
    heap_sift_down(agent, 0, size);
  }
  return top;
}

// Moves `pair` into the predecessor list of `state` (the state its model now leads to).
DYNAQ_HD inline void link_predecessor(const AgentRef& agent, std::uint32_t pair, std::uint32_t state) {
  const std::uint32_t old = agent.predecessor_of[pair];
  if (old == state) return;
  if (old != kNone) {
    const std::uint32_t prev = agent.predecessor_prev[pair], next = agent.predecessor_next[pair];
    if (prev != kNone) agent.predecessor_next[prev] = next;
    else agent.predecessor_head[old] = next;
    if (next != kNone) agent.predecessor_prev[next] = prev;
  }
  const std::uint32_t head = agent.predecessor_head[state];
  agent.predecessor_next[pair] = head;
  agent.predecessor_prev[pair] = kNone;
  if (head != kNone) agent.predecessor_prev[head] = pair;
  agent.predecessor_head[state] = pair;
  agent.predecessor_of[pair] = state;
}

}  // namespace dynaq
