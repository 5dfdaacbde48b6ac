// A small CNN image classifier whose penultimate layer serves as the feature space of the "classifier Frechet
// distance" (CFD): the Frechet distance of Gaussian fits to these features, an offline stand-in for FID (not FID:
// the network is ours, trained on the data set it scores). The exported TorchScript module has the call of the
// Inception file pmm-sweep --metric fid uses: forward(images [N, C, H, W] float 0..255, return_features=True) ->
// features [N, F]; with return_features=False the logits [N, K]. C = 3 is averaged to grey, other sizes are
// resized to the training size by adaptive average pooling. Loss: cross-entropy, Adam, cosine learning-rate decay.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include <torch/script.h>

namespace pmm {

struct ClassifierConfig {
  std::int64_t channels = 16;   // conv widths c, 2c, 4c (three 3x3 convolutions, two 2x2 max-pools)
  std::int64_t features = 128;  // penultimate width F (the feature space)
  std::int64_t classes = 10;
  std::int64_t height = 28, width = 28;  // training image size; must be divisible by 4
  double pixel_mean = 0.0, pixel_std = 255.0;  // input standardisation, in 0..255 units (set from the data)
  void validate() const;                        // throws pmm::Error naming the option (--channels, ...)
};

// TorchScript source of the module (for docs and debugging) and a freshly initialised module (seeded).
std::string classifier_source(const ClassifierConfig& config);
torch::jit::Module build_classifier(const ClassifierConfig& config, std::uint64_t seed);

struct ClassifierTrainOptions {
  std::int64_t steps = 1500, batch = 128;
  double lr = 2e-3;  // peak; cosine decay to 0 over the steps
  std::uint64_t seed = 0;
  std::string device = "cpu";
  void validate() const;  // throws pmm::Error naming the option
};

struct ClassifierProgress {
  std::int64_t step = 0, steps = 0;
  double loss = 0, samples_per_s = 0;
};

struct ClassifierTrainResult {
  double first_loss = 0, last_loss = 0;  // mean cross-entropy over the first and the last 50 steps
  double seconds = 0, samples_per_s = 0;
};

// Checks images [N, C, H, W] (float, 0..255, C in {1, 3}) and labels [N] (int64 in 0..classes-1); what names the
// option or file in the pmm::Error thrown otherwise.
void check_labelled_images(const torch::Tensor& images, const torch::Tensor& labels, std::int64_t classes,
                           const std::string& what);

// Trains module in place on (images, labels); batches are drawn by epochs of a seeded permutation.
ClassifierTrainResult train_classifier(torch::jit::Module& module, const torch::Tensor& images,
                                       const torch::Tensor& labels, const ClassifierTrainOptions& options,
                                       const std::function<void(const ClassifierProgress&)>& on_step = {});

// Fraction of images whose arg-max logit equals the label (no gradients, batches of 500).
double classifier_accuracy(torch::jit::Module& module, const torch::Tensor& images, const torch::Tensor& labels,
                           const std::string& device = "cpu");
// Predicted class of each image, [N] int64.
torch::Tensor classifier_predict(torch::jit::Module& module, const torch::Tensor& images,
                                 const std::string& device = "cpu");

}  // namespace pmm
