# The benchmark's smoke test (ctest dynaq_bench_quick): `dynaq-bench --quick` must exit 0, print
# its verification line and write JSON that parses; with an unwritable --json it must stop before
# measuring anything. Run as
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

# An unwritable --json is refused before anything is measured, not after the whole run.
execute_process(COMMAND "${BENCH}" --quick --no-baselines --no-end-to-end --json "${JSON}.missing/quick.json"
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 2 OR NOT err MATCHES "cannot write" OR out MATCHES "planning updates")
  message(FATAL_ERROR "dynaq-bench with an unwritable --json: exit ${status}, stderr '${err}', stdout '${out}'")
endif()
