// The lower layer reaching up: the include the check must refuse.
#include "dynaq/high.hpp"
#include "dynaq/low.hpp"
