// LibTorch pulls in glog, whose CHECK(cond) macros would silently replace doctest's: include every torch header
// first, then this file, which drops glog's macros and includes doctest.
#pragma once
#undef CHECK
#undef CHECK_EQ
#undef CHECK_NE
#undef CHECK_LE
#undef CHECK_LT
#undef CHECK_GE
#undef CHECK_GT
#include <doctest/doctest.h>
