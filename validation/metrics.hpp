// All sample-quality metrics in one include: Frechet distance of Gaussian fits, KID (unbiased
// polynomial-kernel MMD^2), sliced Wasserstein-2, energy distance, nearest-atom weights with TV and
// chi-square for finite targets, and bits per character. Each lives in its own metric_*.hpp.
#pragma once
#include "validation/metric_atoms.hpp"
#include "validation/metric_bpc.hpp"
#include "validation/metric_energy.hpp"
#include "validation/metric_frechet.hpp"
#include "validation/metric_kid.hpp"
#include "validation/metric_sliced_wasserstein.hpp"
