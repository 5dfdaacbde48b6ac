// pmm-needs: torch
// pmm-classifier: trains the small CNN whose penultimate features define the classifier Frechet distance (CFD,
// models/torch/classifier.hpp) on labelled uint8 images, reports its test accuracy, and exports it as a TorchScript
// file with the Inception call of pmm-sweep --metric fid (forward(images, return_features=True) -> [N, F]). With
// --model instead of training: test accuracy of a saved classifier and the class histogram of generated samples.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <vector>
#include <unistd.h>

#include <fmt/format.h>

#include <pmm/io/atomic_file.hpp>
#include <pmm/io/npy.hpp>
#include <pmm/io/output_lock.hpp>
#include "apps/common/options.hpp"
#include "apps/common/progress.hpp"
#include "apps/common/report.hpp"
#include <pmm/models/torch/classifier.hpp>
#include <pmm/models/torch/feature_extractor.hpp>
#include <pmm/models/torch/load_predictor.hpp>
#include <pmm/core/error.hpp>
#include "validation/fid.hpp"

using namespace pmm;
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void check_output(const std::string& path, const std::string& option, const std::string& ext) {
  require(ends_with(path, ext), option, "'" + path + "' must end in " + ext);
  const auto dir = fs::path(path).parent_path();
  require(dir.empty() || fs::is_directory(dir), option, "directory '" + dir.string() + "' does not exist");
}

// uint8 (or any numeric) images [N, C, H, W] with values 0..255 -> float32 tensor.
torch::Tensor read_images(const std::string& path, const std::string& option) {
  NpyArray a;
  try {
    a = read_npy(path);
  } catch (const Error& e) {
    throw Error(option + ": " + e.what());
  }
  require(a.shape.size() == 4, option,
          fmt::format("{}: expected images [N, C, H, W] (scripts/prepare_data.py), got shape {}", path,
                      format_shape(a.shape)));
  require_finite(a, option + " " + path);
  return torch::from_blob(const_cast<double*>(a.data.data()), a.shape, torch::kFloat64).to(torch::kFloat32);
}

torch::Tensor read_labels(const std::string& path, const std::string& option) {
  std::vector<std::int64_t> shape;
  auto v = read_npy_int(path, option, &shape);
  require(shape.size() == 1, option, path + ": expected labels [N]");
  return torch::from_blob(v.data(), {static_cast<std::int64_t>(v.size())}, torch::kLong).clone();
}

}  // namespace

int main(int argc, char** argv) {
  return run_app(argc, argv, [](int argc, char** argv) {
    CLI::App app{"pmm-classifier: train the CFD feature classifier (a small CNN) and export it as TorchScript"};
    std::string train_images, train_labels, test_images, test_labels, model, classify, pixel_range = "-1,1",
                image_shape = "1x28x28", out, report_path,
                cfd_samples, cfd_ref;
    ClassifierConfig c;
    ClassifierTrainOptions o;
    int threads = 0;
    app.add_option("--train-images", train_images, "uint8 images .npy [N, C, H, W] (values 0..255)");
    app.add_option("--train-labels", train_labels, "integer labels .npy [N] in 0..classes-1");
    app.add_option("--test-images", test_images, "held-out images .npy: test accuracy");
    app.add_option("--test-labels", test_labels, "held-out labels .npy");
    app.add_option("--model", model, "evaluate this saved classifier instead of training one");
    app.add_option("--classify", classify, "samples .npy [n, C*H*W] (e.g. pmm-solve output): class histogram");
    app.add_option("--cfd", cfd_samples, "samples .npy [n, C*H*W]: classifier Frechet distance to --cfd-ref");
    app.add_option("--cfd-ref", cfd_ref, "reference statistics .npz of this classifier (pmm-sweep --fid-ref-out)");
    app.add_option("--pixel-range", pixel_range, "--classify/--cfd: sample values mapped to 0..255, e.g. -1,1 or 0,1")
        ->capture_default_str();
    app.add_option("--image-shape", image_shape, "--classify/--cfd: CxHxW of a sample")->capture_default_str();
    app.add_option("--channels", c.channels, "conv widths c, 2c, 4c")->capture_default_str();
    app.add_option("--features", c.features, "feature (penultimate) width")->capture_default_str();
    app.add_option("--classes", c.classes, "number of classes")->capture_default_str();
    app.add_option("--steps", o.steps, "Adam steps")->capture_default_str();
    app.add_option("--batch", o.batch, "batch size")->capture_default_str();
    app.add_option("--lr", o.lr, "peak learning rate (cosine decay to 0)")->capture_default_str();
    app.add_option("--seed", o.seed, "seed of the initial weights and the batch order")->capture_default_str();
    app.add_option("--device", o.device, "cpu | cuda[:N]")->capture_default_str();
    app.add_option("--threads", threads, "LibTorch intra-op threads (0: LibTorch's default)")->capture_default_str();
    app.add_option("--out", out, "classifier TorchScript file to write (.pt; training mode)");
    app.add_option("--report", report_path, "JSON report (default: --out with .json)");
    parse_args(app, argc, argv);

    require(threads >= 0, "--threads", "must be >= 0");
    if (threads > 0) set_torch_threads(threads);
    require(test_images.empty() == test_labels.empty(), test_images.empty() ? "--test-images" : "--test-labels",
            "--test-images and --test-labels go together");
    // What --classify and --cfd need, checked before a classifier is trained or read: a bad flag costs no run.
    require(cfd_samples.empty() || !model.empty(), "--cfd",
            "needs --model (the classifier whose features define the CFD)");
    require(cfd_samples.empty() || !cfd_ref.empty(), "--cfd-ref",
            "--cfd needs --cfd-ref REF.npz (pmm-sweep --fid-ref-out writes one)");
    const bool samples = !classify.empty() || !cfd_samples.empty();
    const ImageShape shape = samples ? parse_image_shape(image_shape, "--image-shape") : ImageShape{};
    const auto range = samples ? parse_double_list(pixel_range, "--pixel-range") : std::vector<double>{0.0, 1.0};
    require(range.size() == 2 && range[1] > range[0], "--pixel-range", "expected lo,hi with lo < hi");
    nlohmann::json report = run_metadata(argc, argv);
    torch::jit::Module module;
    std::vector<OutputLock> locks;  // one run per output: a second writer is refused at its start
    if (model.empty()) {
      require(!train_images.empty() && !train_labels.empty(), "--train-images",
              "training needs --train-images and --train-labels (or --model FILE to evaluate a saved classifier)");
      require(!out.empty(), "--out", "training needs --out FILE.pt");
      check_output(out, "--out", ".pt");
      if (report_path.empty()) report_path = out.substr(0, out.size() - 3) + ".json";
      check_output(report_path, "--report", ".json");
      locks.emplace_back(out, "--out");
      locks.emplace_back(report_path, "--report");
      const auto images = read_images(train_images, "--train-images");
      const auto labels = read_labels(train_labels, "--train-labels");
      check_labelled_images(images, labels, c.classes, "--train-images");
      c.height = images.size(2);
      c.width = images.size(3);
      c.pixel_mean = images.mean().item<double>();
      c.pixel_std = images.std().item<double>();
      module = build_classifier(c, o.seed);
      ProgressBar bar(o.steps, {"pmm-classifier"});
      double avg = 0;
      const auto r = train_classifier(module, images, labels, o, [&](const ClassifierProgress& p) {
        avg = p.step == 1 ? p.loss : 0.98 * avg + 0.02 * p.loss;
        bar.set_extra(fmt::format("loss {:.4g}  {:.0f} samples/s", avg, p.samples_per_s));
        bar.advance(1);
      });
      bar.finish();
      const double train_acc = classifier_accuracy(module, images.slice(0, 0, std::min<std::int64_t>(10000, images.size(0))),
                                                   labels.slice(0, 0, std::min<std::int64_t>(10000, labels.size(0))), o.device);
      report["config"] = {{"channels", c.channels}, {"features", c.features}, {"classes", c.classes},
                          {"height", c.height}, {"width", c.width}, {"pixel_mean", c.pixel_mean},
                          {"pixel_std", c.pixel_std}};
      report["train"] = {{"images", train_images}, {"n", images.size(0)}, {"steps", o.steps}, {"batch", o.batch},
                         {"lr", o.lr}, {"seed", o.seed}, {"device", o.device}, {"seconds", r.seconds},
                         {"samples_per_s", r.samples_per_s}, {"first_loss", r.first_loss},
                         {"last_loss", r.last_loss}, {"accuracy_first_10000", train_acc}};
      std::cout << fmt::format("pmm-classifier: {} steps in {:.1f} s, {:.0f} samples/s, loss {:.4f} -> {:.4f}, "
                               "train accuracy {:.4f}\n",
                               o.steps, r.seconds, r.samples_per_s, r.first_loss, r.last_loss, train_acc);
    } else {
      require(train_images.empty(), "--train-images", "give --model (evaluate) or --train-images (train), not both");
      try {
        module = torch::jit::load(model, torch::Device(o.device));
      } catch (const std::exception& e) {
        throw Error("--model: " + model + ": not a loadable TorchScript file");
      }
      require(module.find_method("forward").has_value() && module.hasattr("classes"), "--model",
              model + ": not a pmm-classifier file (no 'classes' attribute)");
      c.classes = module.attr("classes").toInt();
      report["model"] = model;
      if (!report_path.empty()) {
        check_output(report_path, "--report", ".json");
        locks.emplace_back(report_path, "--report");
      }
    }
    if (!test_images.empty()) {
      const auto images = read_images(test_images, "--test-images");
      const auto labels = read_labels(test_labels, "--test-labels");
      check_labelled_images(images, labels, c.classes, "--test-images");
      const double acc = classifier_accuracy(module, images, labels, o.device);
      report["test"] = {{"images", test_images}, {"n", images.size(0)}, {"accuracy", acc}};
      std::cout << fmt::format("pmm-classifier: test accuracy {:.4f} on {} images\n", acc, images.size(0));
    }
    if (!classify.empty()) {
      const Batch x = read_npy_matrix(classify, "--classify");
      require(x.rows() == shape.channels * shape.height * shape.width, "--classify",
              fmt::format("{}: samples of dimension {}, --image-shape {} has {}", classify, x.rows(), image_shape,
                          shape.channels * shape.height * shape.width));
      Batch pixels = to_pixels(x, range[0], range[1]);
      const auto images = torch::from_blob(pixels.data(), {pixels.cols(), shape.channels, shape.height, shape.width},
                                           torch::kFloat64).to(torch::kFloat32);
      const auto pred = classifier_predict(module, images, o.device);
      std::vector<std::int64_t> hist(static_cast<size_t>(c.classes), 0);
      for (std::int64_t i = 0; i < pred.size(0); ++i) ++hist[static_cast<size_t>(pred[i].item<std::int64_t>())];
      report["classify"] = {{"samples", classify}, {"n", pred.size(0)}, {"histogram", hist}};
      std::cout << "pmm-classifier: class histogram of " << classify << ":";
      for (auto h : hist) std::cout << " " << h;
      std::cout << "\n";
    }
    if (!cfd_samples.empty()) {
      // The same computation as pmm-sweep --metric fid --fid-features FILE, for samples that are not a sweep's:
      // real held-out images give the floor of the CFD at a given sample size.
      const Batch x = read_npy_matrix(cfd_samples, "--cfd");
      require(x.rows() == shape.channels * shape.height * shape.width, "--cfd",
              fmt::format("{}: samples of dimension {}, --image-shape {} has {}", cfd_samples, x.rows(), image_shape,
                          shape.channels * shape.height * shape.width));
      const FeatureExtractor fe(model, o.device);
      const auto ref = read_fid_statistics(cfd_ref);
      require_same_features(ref, fe.model_id(), "--cfd-ref");
      const auto gen = fid_statistics(fe.features(to_pixels(x, range[0], range[1]), shape), fe.model_id());
      const auto r = frechet_inception_distance(gen, ref);
      report["cfd"] = {{"samples", cfd_samples}, {"n", r.n_generated}, {"reference", cfd_ref},
                       {"n_reference", r.n_reference}, {"value", r.fid}, {"feature_model", r.feature_model}};
      std::cout << fmt::format("pmm-classifier: CFD {:.6g} ({} samples against {} reference)\n", r.fid,
                               r.n_generated, r.n_reference);
    }
    if (model.empty()) {
      // The model last, staged with the report and renamed with it (OutputTransaction): a run that fails while
      // evaluating, or on a full disk, leaves no classifier behind and both files as they were. LibTorch's zip
      // writer throws from its destructor when a write fails, so the module is serialised to memory first.
      std::ostringstream bytes;
      try {
        module.save(bytes);
      } catch (const std::exception& e) {
        throw Error("--out: " + out + ": cannot serialise (" + e.what() + ")");
      }
      OutputTransaction transaction;
      write_file_atomic(out, bytes.str());
      write_json_atomic(report_path, report);
      transaction.commit();
      std::cout << "classifier: " << out << "\n";
    } else if (!report_path.empty()) {
      write_json_atomic(report_path, report);
    }
    warn_slow_blas("pmm-classifier", o.device);  // after a run that succeeded: errors stay one line
    return 0;
  });
}
