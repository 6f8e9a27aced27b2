// A header of the upper layer of the layering check's test tree.
#pragma once
#include "dynaq/low.hpp"
