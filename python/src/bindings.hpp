// The pieces of the Python module dynaq._core (module.cpp puts them together). Python's
// dynaq package (python/dynaq/) is the API; these functions are its only calls into C++.
#pragma once

#include <nanobind/nanobind.h>

#include <map>
#include <string>

#include "dynaq/environment.hpp"

namespace dynaq::python {

namespace nb = nanobind;

// Environments made in Python travel as file name -> text (maze text, or MDP JSON for names
// ending in .json), held in memory (set_environment_text) while one call uses them.
using EnvironmentTexts = std::map<std::string, std::string>;

class EnvironmentTextsInUse {
 public:
  explicit EnvironmentTextsInUse(const EnvironmentTexts& texts) : texts_(texts) {
    for (const auto& [name, text] : texts_) set_environment_text(name, text);
  }
  ~EnvironmentTextsInUse() {
    for (const auto& entry : texts_) clear_environment_text(entry.first);
  }
  EnvironmentTextsInUse(const EnvironmentTextsInUse&) = delete;
  EnvironmentTextsInUse& operator=(const EnvironmentTextsInUse&) = delete;

 private:
  EnvironmentTexts texts_;
};

void bind_run(nb::module_& module);           // run_binding.cpp
void bind_environments(nb::module_& module);  // environment_binding.cpp

}  // namespace dynaq::python
