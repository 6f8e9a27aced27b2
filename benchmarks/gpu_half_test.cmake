# The benchmark's GPU half without a GPU (ctest dynaq_bench_gpu_half): --engines cuda-emulated
# runs both kernel versions of the cuda engine on its host emulation. Each is verified against
# the reference bit for bit and timed within the device memory it claims; the shared kernel
# refuses a maze whose tables outgrow a block's shared memory, and that case is skipped with
# the engine's reason while the others go on; no cuda target is judged on the emulation.
# Run as
#   cmake -DBENCH=path/to/dynaq-bench -DJSON=path/to/gpu_half.json -P gpu_half_test.cmake
file(REMOVE "${JSON}")
execute_process(COMMAND "${BENCH}" --envs dyna-maze,random-maze:90x90:1 --n 5 --agents 40 --steps 40 --repeats 1
                        --engines cpu-1t,cuda-emulated --no-baselines --no-peers --time-budget 1 --gpu-time-budget 5
                        --json "${JSON}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "dynaq-bench --engines cuda-emulated exited with ${status}")
endif()
foreach(pattern
    "\nGPU: none; the cuda engine's kernel versions on its host emulation of a CUDA device "
    "\nemulated-cuda-shared cannot run random-maze:90x90:1, n=5: CUDA kernel shared: the tables of one agent [^\n]* need "
    "\nverification: 5 engine runs match the reference bit for bit [^\n]*; 1 case refused by an engine, not timed on it\n"
    "\n  emulated-cuda-global +40  [0-9]"
    "\n  emulated-cuda-shared +40  [0-9]"
    "\n  emulated-cuda-shared +40  skipped: cannot run this case: CUDA kernel shared: "
    "the host emulation is no backend of dynaq run"
    "cuda: planning updates/s, dyna-maze n=5: [^\n]*not measured: no GPU: the cuda engine ran only on its host emulation")
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "dynaq-bench --engines cuda-emulated did not print a line matching: ${pattern}")
  endif()
endforeach()
# Both mazes ran on the global kernel, the Dyna maze also on the shared one.
string(REGEX MATCHALL "\n  emulated-cuda-[a-z]+ +40  [0-9]" rows "${out}")
list(LENGTH rows measured)
if(NOT measured EQUAL 3)
  message(FATAL_ERROR "expected 3 measured emulated-cuda rows (global on both mazes, shared on the Dyna maze), got ${measured}")
endif()
if(out MATCHES "not met|  met ")
  message(FATAL_ERROR "a target was judged on the host emulation")
endif()
file(READ "${JSON}" json)
string(JSON used GET "${json}" gpu used)
string(JSON count LENGTH "${json}" verification)
set(refusals 0)
math(EXPR last "${count} - 1")
foreach(i RANGE ${last})
  string(JSON reason ERROR_VARIABLE none GET "${json}" verification ${i} cannot_run)
  if(NOT none)
    math(EXPR refusals "${refusals} + 1")
  endif()
endforeach()
if(used OR NOT refusals EQUAL 1)
  message(FATAL_ERROR "the JSON says gpu used ${used} and ${refusals} refused cases (expected OFF and 1)")
endif()
