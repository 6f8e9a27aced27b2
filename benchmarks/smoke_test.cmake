# The benchmark's smoke test (ctest dynaq_bench_quick): `dynaq-bench --quick` must exit 0, print
# its verification line and write JSON that parses. Run as
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
