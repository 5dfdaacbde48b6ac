// doctest entry point shared by pmm_tests and pmm_torch_tests.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
