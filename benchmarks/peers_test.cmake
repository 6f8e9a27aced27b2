# The fast peers' plumbing in dynaq-bench (ctest dynaq_bench_peers), with fake_peers/python in
# place of the interpreter, so that no NumPy, Numba or JAX is needed and nothing is timed:
# --peers runs only the peers named; a peer on the GPU (JAX with CUDA) runs once, is labelled
# jax-gpu, is kept out of the one-core target and is set beside the cuda engine's run of as many
# agents; a peer on the CPU runs with one thread and with all; an unknown peer is refused.
# Run as
#   cmake -DBENCH=path/to/dynaq-bench -DFAKE_PYTHON=path/to/fake_peers/python -DWORK=folder -P peers_test.cmake
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(common --envs dyna-maze --n 5 --agents 100 --steps 100 --repeats 1 --engines cpu-1t,cpu-all --threads 2
           --no-baselines --no-end-to-end --time-budget 0.5 --python "${FAKE_PYTHON}")

# bench(NAME JAX_BACKEND ARGS...): runs dynaq-bench; out_NAME, log_NAME (the peers run, one a line)
# and status_NAME are set in the caller.
function(bench name backend)
  set(log "${WORK}/${name}.log")
  execute_process(COMMAND ${CMAKE_COMMAND} -E env FAKE_PEER_LOG=${log} FAKE_JAX_BACKEND=${backend}
                          "${BENCH}" ${common} ${ARGN}
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("---- ${name}\n${out}${err}")
  set(peers "")
  if(EXISTS "${log}")
    file(READ "${log}" peers)
  endif()
  set(out_${name} "${out}${err}" PARENT_SCOPE)
  set(log_${name} "${peers}" PARENT_SCOPE)
  set(status_${name} "${status}" PARENT_SCOPE)
endfunction()

function(expect name text pattern what)
  if(NOT text MATCHES "${pattern}")
    message(FATAL_ERROR "${name}: ${what}")
  endif()
endfunction()

# JAX on the GPU, 70000 agents: once, apart from the cpu targets, beside a cuda run that is missing.
bench(gpu gpu --peers jax --peer-agents 70000 --json "${WORK}/gpu.json")
expect(gpu "${status_gpu}" "^0$" "dynaq-bench exited with ${status_gpu}")
if(NOT log_gpu STREQUAL "jax threads=1 agents=70000\n")
  message(FATAL_ERROR "gpu: the peers that ran were not JAX once, with 70000 agents:\n${log_gpu}")
endif()
expect(gpu "${out_gpu}" "\n  jax-gpu +5  7\\.00e7 +- +1\\.5 [^\n]*- \\(no cuda run of 70000 agents\\)\n"
       "no jax-gpu row without a CPU rate, set beside a missing cuda run of 70000 agents")
expect(gpu "${out_gpu}" "cpu-1t over the faster of Numba and JAX[^\n]*not measured: neither Numba nor JAX ran on the CPU at n=5"
       "the JAX run on the GPU was not kept out of the one-core target")
expect(gpu "${out_gpu}" "cuda over the JAX peer \\(jax.vmap\\) on the same GPU[^\n]*not measured: the cuda engine did not run 70000 agents"
       "the cuda-over-JAX target did not ask for a cuda run of the peer's agents")
file(READ "${WORK}/gpu.json" json)
string(JSON device GET "${json}" baselines runs 0 device)
string(JSON agents GET "${json}" baselines runs 0 agents)
string(JSON label GET "${json}" baselines runs 0 label)
if(NOT device STREQUAL "gpu" OR NOT agents EQUAL 70000 OR NOT label STREQUAL "jax-gpu")
  message(FATAL_ERROR "gpu: the JSON says device ${device}, agents ${agents}, label ${label}")
endif()

# Too few agents for the GPU target: it says so.
bench(few gpu --peers jax --peer-agents 1000)
expect(few "${out_few}" "cuda over the JAX peer[^\n]*not measured: the JAX peer ran 1000 agents; this target needs >= 65536 \\(--peer-agents\\)"
       "the cuda-over-JAX target did not say that 1000 agents are too few")

# On the CPU: Numba and JAX with one thread and with two; NumPy vectorised not asked for, not run.
bench(cpu cpu --peers numba,jax)
expect(cpu "${status_cpu}" "^0$" "dynaq-bench exited with ${status_cpu}")
if(NOT log_cpu STREQUAL "numba threads=1 agents=1000\nnumba threads=2 agents=1000\njax threads=1 agents=1000\njax threads=2 agents=1000\n")
  message(FATAL_ERROR "cpu: the peers that ran were not Numba and JAX with 1 and 2 threads:\n${log_cpu}")
endif()
foreach(row numba-1t numba-2t jax-1t jax-2t)
  expect(cpu "${out_cpu}" "\n  ${row} +5  1\\.00e6 +1\\.00e6 " "no ${row} row with its CPU rate")
endforeach()
expect(cpu "${out_cpu}" "cuda over the JAX peer[^\n]*not measured: JAX did not run on a GPU at n=5"
       "the cuda-over-JAX target did not say that JAX ran on the CPU")

# An unknown peer is refused before anything runs.
bench(unknown gpu --peers numba,torch)
if(status_unknown EQUAL 0 OR NOT out_unknown MATCHES "--peers" OR NOT out_unknown MATCHES "torch")
  message(FATAL_ERROR "unknown: --peers torch was not refused with a message naming it")
endif()
if(NOT log_unknown STREQUAL "")
  message(FATAL_ERROR "unknown: peers ran before --peers torch was refused:\n${log_unknown}")
endif()
