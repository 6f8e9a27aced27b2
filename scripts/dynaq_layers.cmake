# The layers of dynaq and the check that keeps them layered.
#
# Included by CMakeLists.txt, it defines
#   dynaq_layer(NAME HEADERS h... SOURCES s... SOURCES_WITH_CUDA s... SOURCES_WITHOUT_CUDA s... USES layer...)
#       the static library dynaq_NAME (an INTERFACE library when it has no sources) of the headers
#       include/dynaq/h... and the sources s..., linked to the layers it uses;
#   dynaq_layer_check(NAME FILES_OF target USES layer...)
#       a layer that is a program already defined (the command line): its files are checked too;
#   dynaq_check_layering()
#       after the last layer: the target dynaq_layering, which every layer's build waits for.
# dynaq_layering runs this file as a script (cmake -DROOT=... -DMANIFEST=... [-DSTAMP=...] -P
# dynaq_layers.cmake) on the layers' manifest, and fails, naming each offence, when
#   - a file of a layer includes "dynaq/X" where X belongs to a layer it does not use, directly or
#     through the layers it uses (an upward or sideways include), or
#   - a header under include/dynaq/ belongs to no layer, or to two.
# Both sets of sources, with and without CUDA, are checked whatever the build has.

if(CMAKE_SCRIPT_MODE_FILE)
  # ---- The check, at build time --------------------------------------------------------------
  cmake_minimum_required(VERSION 3.24)  # the policies of the project (IN_LIST) in script mode
  if(NOT ROOT OR NOT MANIFEST)
    message(FATAL_ERROR "usage: cmake -DROOT=<source dir> -DMANIFEST=<manifest> [-DSTAMP=<file>] -P dynaq_layers.cmake")
  endif()
  include(${MANIFEST})  # DYNAQ_LAYERS, and per layer DYNAQ_LAYER_<name>_HEADERS, _FILES, _REACHES
  set(offences "")

  foreach(layer IN LISTS DYNAQ_LAYERS)
    foreach(header IN LISTS DYNAQ_LAYER_${layer}_HEADERS)
      if(DEFINED owner_of_${header})
        string(APPEND offences "\n  include/dynaq/${header} belongs to two layers: ${owner_of_${header}} and ${layer}")
      endif()
      set(owner_of_${header} ${layer})
    endforeach()
  endforeach()

  file(GLOB_RECURSE headers RELATIVE ${ROOT}/include/dynaq ${ROOT}/include/dynaq/*.hpp ${ROOT}/include/dynaq/*.h)
  foreach(header IN LISTS headers)
    if(NOT DEFINED owner_of_${header})
      string(APPEND offences "\n  include/dynaq/${header} belongs to no layer: name it in the HEADERS of one (CMakeLists.txt)")
    endif()
  endforeach()

  foreach(layer IN LISTS DYNAQ_LAYERS)
    foreach(file IN LISTS DYNAQ_LAYER_${layer}_FILES)
      if(NOT EXISTS ${ROOT}/${file})
        string(APPEND offences "\n  ${file} (layer ${layer}) does not exist")
        continue()
      endif()
      file(STRINGS ${ROOT}/${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"dynaq/[^\"]+\"")
      foreach(line IN LISTS includes)
        string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"dynaq/([^\"]+)\".*$" "\\1" header "${line}")
        if(NOT DEFINED owner_of_${header})
          continue()  # reported above when it exists; the compiler reports it when it does not
        endif()
        set(owner ${owner_of_${header}})
        if(owner STREQUAL layer OR owner IN_LIST DYNAQ_LAYER_${layer}_REACHES)
          continue()
        endif()
        string(REPLACE ";" ", " reaches "${DYNAQ_LAYER_${layer}_REACHES}")
        if(reaches STREQUAL "")
          set(reaches "no other layer")
        endif()
        string(APPEND offences "\n  ${file} (layer ${layer}) includes dynaq/${header} of layer ${owner}, "
                               "which ${layer} does not use (it uses ${reaches})")
      endforeach()
    endforeach()
  endforeach()

  if(offences)
    message(FATAL_ERROR "dynaq's layers are broken:${offences}\n"
                        "A layer may include its own headers and those of the layers it USES (CMakeLists.txt).")
  endif()
  if(STAMP)
    file(TOUCH ${STAMP})
  endif()
  return()
endif()

# ---- The definitions, at configure time --------------------------------------------------------

function(dynaq_record_layer name files headers uses)
  set_property(GLOBAL APPEND PROPERTY DYNAQ_LAYERS ${name})
  set_property(GLOBAL PROPERTY DYNAQ_LAYER_${name}_FILES ${files})
  set_property(GLOBAL PROPERTY DYNAQ_LAYER_${name}_HEADERS ${headers})
  set_property(GLOBAL PROPERTY DYNAQ_LAYER_${name}_USES ${uses})
endfunction()

function(dynaq_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 L "" "" "HEADERS;SOURCES;SOURCES_WITH_CUDA;SOURCES_WITHOUT_CUDA;USES")
  set(sources ${L_SOURCES})
  if(DYNAQ_HAVE_CUDA)
    list(APPEND sources ${L_SOURCES_WITH_CUDA})
  else()
    list(APPEND sources ${L_SOURCES_WITHOUT_CUDA})
  endif()
  list(TRANSFORM L_HEADERS PREPEND include/dynaq/ OUTPUT_VARIABLE header_files)
  if(sources)
    add_library(dynaq_${name} STATIC ${sources} ${header_files})
    set(scope PUBLIC)
  else()
    add_library(dynaq_${name} INTERFACE ${header_files})
    set(scope INTERFACE)
  endif()
  target_link_libraries(dynaq_${name} ${scope} dynaq_flags)
  foreach(used IN LISTS L_USES)
    target_link_libraries(dynaq_${name} ${scope} dynaq_${used})
  endforeach()
  add_dependencies(dynaq_${name} dynaq_layering)
  dynaq_record_layer(${name} "${L_SOURCES};${L_SOURCES_WITH_CUDA};${L_SOURCES_WITHOUT_CUDA};${header_files}"
                     "${L_HEADERS}" "${L_USES}")
endfunction()

function(dynaq_layer_check name)
  cmake_parse_arguments(PARSE_ARGV 1 L "" "FILES_OF" "USES")
  get_target_property(sources ${L_FILES_OF} SOURCES)
  add_dependencies(${L_FILES_OF} dynaq_layering)
  dynaq_record_layer(${name} "${sources}" "" "${L_USES}")
endfunction()

# The layers `name` uses, directly or through others, into `out`.
function(dynaq_layer_reach name out)
  get_property(direct GLOBAL PROPERTY DYNAQ_LAYER_${name}_USES)
  set(reach "")
  foreach(used IN LISTS direct)
    dynaq_layer_reach(${used} below)
    list(APPEND reach ${used} ${below})
  endforeach()
  list(REMOVE_DUPLICATES reach)
  set(${out} "${reach}" PARENT_SCOPE)
endfunction()

function(dynaq_check_layering)
  get_property(layers GLOBAL PROPERTY DYNAQ_LAYERS)
  set(manifest "${PROJECT_BINARY_DIR}/dynaq_layers_manifest.cmake")
  set(text "# Written by CMakeLists.txt (dynaq_check_layering); read by scripts/dynaq_layers.cmake.\n")
  string(APPEND text "set(DYNAQ_LAYERS \"${layers}\")\n")
  set(all_files "")
  foreach(layer IN LISTS layers)
    get_property(files GLOBAL PROPERTY DYNAQ_LAYER_${layer}_FILES)
    get_property(headers GLOBAL PROPERTY DYNAQ_LAYER_${layer}_HEADERS)
    dynaq_layer_reach(${layer} reach)
    list(REMOVE_ITEM files "")
    string(APPEND text "set(DYNAQ_LAYER_${layer}_FILES \"${files}\")\n")
    string(APPEND text "set(DYNAQ_LAYER_${layer}_HEADERS \"${headers}\")\n")
    string(APPEND text "set(DYNAQ_LAYER_${layer}_REACHES \"${reach}\")\n")
    list(TRANSFORM files PREPEND ${PROJECT_SOURCE_DIR}/)
    list(APPEND all_files ${files})
  endforeach()
  file(CONFIGURE OUTPUT ${manifest} CONTENT "${text}" @ONLY)
  set(stamp "${PROJECT_BINARY_DIR}/dynaq_layering.stamp")
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR} -DMANIFEST=${manifest} -DSTAMP=${stamp}
            -P ${PROJECT_SOURCE_DIR}/scripts/dynaq_layers.cmake
    DEPENDS ${all_files} ${manifest} ${PROJECT_SOURCE_DIR}/scripts/dynaq_layers.cmake
    COMMENT "Checking that every layer includes only the layers it uses"
    VERBATIM)
  add_custom_target(dynaq_layering ALL DEPENDS ${stamp})
endfunction()
