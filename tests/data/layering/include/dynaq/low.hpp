// A header of the lower layer of the layering check's test tree.
#pragma once
