# The layers of a small tree (tests/data/layering/) in which the lower layer includes a header of
# the upper one and one header belongs to no layer: scripts/dynaq_layers.cmake must name both.
set(DYNAQ_LAYERS "low;high")
set(DYNAQ_LAYER_low_FILES "include/dynaq/low.hpp;src/low.cpp")
set(DYNAQ_LAYER_low_HEADERS "low.hpp")
set(DYNAQ_LAYER_low_REACHES "")
set(DYNAQ_LAYER_high_FILES "include/dynaq/high.hpp")
set(DYNAQ_LAYER_high_HEADERS "high.hpp")
set(DYNAQ_LAYER_high_REACHES "low")
