// A header that no layer of the test tree names.
#pragma once
