// dynaq._core: the C++ side of the Python package. Input errors (dynaq::InputError, whose
// messages name the option or file:line:column) become ValueError with the same words.
#include <nanobind/nanobind.h>

#include "bindings.hpp"
#include "dynaq/errors.hpp"

NB_MODULE(_core, module) {
  namespace nb = nanobind;
  module.doc() = "dynaq's C++ library; use the dynaq package, not this module";
  module.attr("version") = DYNAQ_VERSION;
#ifdef DYNAQ_HAVE_CUDA
  module.attr("built_with_cuda") = true;
#else
  module.attr("built_with_cuda") = false;
#endif
  nb::register_exception_translator([](const std::exception_ptr& error, void*) {
    try {
      std::rethrow_exception(error);
    } catch (const dynaq::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  dynaq::python::bind_run(module);
  dynaq::python::bind_environments(module);
}
