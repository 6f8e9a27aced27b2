# The benchmark's smoke test (ctest dynaq_bench_quick): `dynaq-bench --quick` must exit 0, print
# its verification line and write JSON that parses; a quick run is too small for any target, so
# every target must be "not judged", say what it was measured on, and nothing may read as a
# verdict ("not met"); it must report the memory bandwidth and, for every case, initialisation
# apart from learning; a run on tables larger than a core's L2 must set their reset
# against the fill bandwidth; with an unwritable --json it must stop before measuring anything.
# Run as
#   cmake -DBENCH=path/to/dynaq-bench -DJSON=path/to/quick.json -P smoke_test.cmake
file(REMOVE "${JSON}")
execute_process(COMMAND "${BENCH}" --quick --json "${JSON}"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "dynaq-bench --quick exited with ${status}")
endif()
if(NOT out MATCHES "verification: [0-9]+ engine runs match the reference bit for bit")
  message(FATAL_ERROR "dynaq-bench --quick printed no verification line")
endif()
file(READ "${JSON}" json)
string(JSON measurements ERROR_VARIABLE json_error LENGTH "${json}" measurements)
if(json_error OR measurements EQUAL 0)
  message(FATAL_ERROR "dynaq-bench --quick wrote no measurements to ${JSON}: ${json_error}")
endif()

# No target is judged on the quick run's workload, in the printed report and in the JSON.
if(NOT out MATCHES "\n  not judged +cpu: planning updates/s per core, dyna-maze n=5: goal [^\n]*; measured on cpu-1t, dyna-maze n=5, 100 agents x 200 steps, 1 thread, ")
  message(FATAL_ERROR "dynaq-bench --quick did not say that the per-core target is not judged, on what")
endif()
if(out MATCHES "not met")
  message(FATAL_ERROR "dynaq-bench --quick judged a target on a workload too small for it")
endif()
string(TOLOWER "${out}${err}" printed)
if(printed MATCHES "issue")
  message(FATAL_ERROR "dynaq-bench --quick printed the word 'issue'")
endif()
string(JSON targets ERROR_VARIABLE json_error LENGTH "${json}" targets)
if(json_error OR targets EQUAL 0)
  message(FATAL_ERROR "dynaq-bench --quick wrote no targets to ${JSON}: ${json_error}")
endif()
math(EXPR last "${targets} - 1")
set(measured_targets 0)
foreach(i RANGE ${last})
  string(JSON verdict GET "${json}" targets ${i} verdict)
  string(JSON reason GET "${json}" targets ${i} reason)
  if(NOT verdict STREQUAL "not judged" OR reason STREQUAL "")
    message(FATAL_ERROR "dynaq-bench --quick: target ${i} has verdict '${verdict}' and reason '${reason}'")
  endif()
  string(JSON workloads LENGTH "${json}" targets ${i} measured_on)
  if(workloads GREATER 0)
    math(EXPR measured_targets "${measured_targets} + 1")
    string(JSON agents GET "${json}" targets ${i} measured_on 0 agents)
    string(JSON steps GET "${json}" targets ${i} measured_on 0 steps_per_agent)
    if(NOT agents EQUAL 100 OR NOT steps EQUAL 200)
      message(FATAL_ERROR "dynaq-bench --quick: target ${i} was measured on ${agents} agents x ${steps} steps")
    endif()
  endif()
endforeach()
if(measured_targets EQUAL 0)
  message(FATAL_ERROR "dynaq-bench --quick: no target says what it was measured on")
endif()

# The machine section carries the memory bandwidth the bench measured on its own threads.
if(NOT out MATCHES "\nmemory: L2 [^\n]*; bandwidth in B/s [^\n]*: 1 thread copy [1-9][^\n]*, fill [1-9]")
  message(FATAL_ERROR "dynaq-bench --quick printed no memory bandwidth")
endif()
string(JSON bandwidths ERROR_VARIABLE json_error LENGTH "${json}" machine memory_bandwidth)
if(json_error OR bandwidths EQUAL 0)
  message(FATAL_ERROR "dynaq-bench --quick wrote no memory bandwidth to ${JSON}: ${json_error}")
endif()
foreach(field copy_bytes_per_second triad_bytes_per_second fill_bytes_per_second)
  string(JSON rate GET "${json}" machine memory_bandwidth 0 ${field})
  if(NOT rate MATCHES "^[1-9]")  # a rate of at least 1 B/s
    message(FATAL_ERROR "dynaq-bench --quick: machine.memory_bandwidth[0].${field} is ${rate}")
  endif()
endforeach()

# Every measured case has its runs of 0 real steps, one per timed run, and what is left for learning.
math(EXPR last "${measurements} - 1")
foreach(i RANGE ${last})
  string(JSON runs ERROR_VARIABLE skipped LENGTH "${json}" measurements ${i} runs)
  if(skipped)
    continue()
  endif()
  string(JSON init_runs ERROR_VARIABLE json_error LENGTH "${json}" measurements ${i} init_runs)
  string(JSON init ERROR_VARIABLE init_error GET "${json}" measurements ${i} init_seconds median)
  string(JSON learning ERROR_VARIABLE learning_error TYPE "${json}" measurements ${i} learning)
  if(json_error OR init_error OR learning_error OR NOT init_runs EQUAL runs OR NOT learning STREQUAL "OBJECT")
    message(FATAL_ERROR "dynaq-bench --quick: measurement ${i} has ${runs} runs, '${init_runs}' init runs, "
                        "init_seconds '${init}', learning '${learning}'")
  endif()
endforeach()

# Tables larger than a core's L2: their reset is set against the fill bandwidth and
# learning on them against the copy bandwidth, in the napkin math.
execute_process(COMMAND "${BENCH}" --envs random-maze:300x300:1 --n 5 --agents 8 --steps 100 --repeats 1
                        --engines cpu-1t --no-baselines --no-end-to-end --json "${JSON}.tables.json"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0 OR NOT out MATCHES "table reset: [^\n]* agents in [^\n]* B/s fill bandwidth on 1 thread")
  message(FATAL_ERROR "dynaq-bench on 5.5 MiB tables: exit ${status}, no table reset napkin:\n${out}${err}")
endif()
file(READ "${JSON}.tables.json" json)
string(JSON napkins LENGTH "${json}" napkin)
set(kinds "")
math(EXPR last "${napkins} - 1")
foreach(i RANGE ${last})
  string(JSON kind GET "${json}" napkin ${i} kind)
  list(APPEND kinds "${kind}")
  if(kind STREQUAL "table reset")
    string(JSON bandwidth GET "${json}" napkin ${i} bandwidth_bytes_per_second)
    if(NOT bandwidth MATCHES "^[1-9]")
      message(FATAL_ERROR "dynaq-bench on 5.5 MiB tables: the table reset napkin is set against ${bandwidth} B/s")
    endif()
  endif()
endforeach()
list(FIND kinds "table reset" found)
if(found EQUAL -1)
  message(FATAL_ERROR "dynaq-bench on 5.5 MiB tables wrote no table reset napkin (kinds: ${kinds})")
endif()

# An unwritable --json is refused before anything is measured, not after the whole run.
execute_process(COMMAND "${BENCH}" --quick --no-baselines --no-end-to-end --json "${JSON}.missing/quick.json"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 2 OR NOT err MATCHES "cannot write" OR out MATCHES "planning updates")
  message(FATAL_ERROR "dynaq-bench with an unwritable --json: exit ${status}, stderr '${err}', stdout '${out}'")
endif()
