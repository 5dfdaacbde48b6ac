// pmm-plot: pictures of pmm outputs, rendered by matplotlib (scripts/pmm_plot.py through Debian's /usr/bin/python3):
// mu(t) trajectories (sample paths, mean, quantile bands; jump paths as steps), NFE-vs-metric sweeps on log axes,
// histograms and scatter plots of samples against a target sample, image grids. PNG or SVG by the --out extension.
// This front validates the arguments, draws target samples from an oracle when asked, and runs the script.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <pmm/io/matrix_file.hpp>
#include <pmm/io/npy.hpp>
#include "apps/common/options.hpp"
#include "apps/common/targets.hpp"
#include <pmm/core/error.hpp>
#include <pmm/solvers/registry.hpp>

namespace pmm {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& e) {
  return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

void check_out(const std::string& out) {
  require(ends_with(out, ".png") || ends_with(out, ".svg"), "--out", "'" + out + "' must end in .png or .svg");
  const auto dir = fs::path(out).parent_path();
  require(dir.empty() || fs::is_directory(dir), "--out", "directory '" + dir.string() + "' does not exist");
}

void check_in(const std::string& path, const std::string& what) {
  require(fs::is_regular_file(path), what, "file not found: '" + path + "'");
}

std::string python() {
  const char* env = std::getenv("PMM_PYTHON");
  return env && *env ? env : "/usr/bin/python3";
}

// The script: $PMM_PLOT_SCRIPT, next to the build (../scripts, ./scripts), or in the source tree this file is in.
std::string script_path() {
  if (const char* env = std::getenv("PMM_PLOT_SCRIPT"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) {
    candidates.push_back(exe.parent_path() / "scripts" / "pmm_plot.py");
    candidates.push_back(exe.parent_path().parent_path() / "scripts" / "pmm_plot.py");
  }
  candidates.push_back(fs::path(__FILE__).parent_path().parent_path() / "scripts" / "pmm_plot.py");
  for (const auto& c : candidates)
    if (fs::is_regular_file(c)) return c.string();
  throw Error("pmm-plot: scripts/pmm_plot.py not found (set PMM_PLOT_SCRIPT to its path)");
}

int run_child(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("pmm-plot: cannot start " + args[0]);
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "pmm-plot: error: cannot run %s\n", argv[0]);
    std::_Exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

void require_matplotlib() {
  const std::string py = python();
  require(::access(py.c_str(), X_OK) == 0, "pmm-plot",
          py + " not found: plots need Python 3 with matplotlib (Debian: apt-get install python3-matplotlib)");
  const int rc = run_child({py, "-c", "import matplotlib, numpy"});
  require(rc == 0, "pmm-plot",
          "matplotlib or numpy is missing for " + py +
              " (Debian: apt-get install python3-matplotlib python3-numpy, or scripts/setup.sh --plot)");
}

// Target samples for hist/scatter: an oracle's draw written to a temporary .npy (removed on exit).
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) std::remove(path.c_str());
  }
};

std::string temp_npy(TempFile& tmp, const std::string& what) {
  char name[] = "/tmp/pmm-plot-target.XXXXXX";
  const int fd = ::mkstemp(name);
  require(fd >= 0, what, "cannot create a temporary file in /tmp");
  ::close(fd);
  tmp.path = std::string(name) + ".npy";
  std::rename(name, tmp.path.c_str());
  return tmp.path;
}

// The target for hist/scatter as a .npy: a point set's atoms themselves when atoms_out is given (then *weights_out
// names their weights file, for a weighted histogram: the exact law), else n draws of the oracle (weighted).
std::string target_sample(const std::string& process_name, const std::string& spec, const std::string& weights,
                          long long n, TempFile& tmp, TempFile* weights_tmp, std::string* weights_out) {
  AnyProcess process;
  if (process_name == "normal") {
    NormalProcess p;
    p.schedule = exponential_schedule();
    process = p;
  } else if (process_name == "gamma-poisson") {
    GammaPoissonProcess p;
    p.schedule = exponential_schedule();
    process = p;
  } else {
    throw Error("--process: expected normal or gamma-poisson, got '" + process_name + "'");
  }
  const auto oracle = load_target(process, spec, weights);
  Batch atoms;
  Eigen::VectorXd w;
  if (weights_tmp && oracle->atoms(&atoms, &w)) {
    write_npy_matrix(temp_npy(tmp, "--target"), atoms);
    Batch wb = w.transpose().array();
    write_npy_matrix(temp_npy(*weights_tmp, "--target"), wb);
    *weights_out = weights_tmp->path;
    return tmp.path;
  }
  write_npy_matrix(temp_npy(tmp, "--target"), oracle->sample(static_cast<Index>(n), 12345));
  return tmp.path;
}

int run(int argc, char** argv) {
  CLI::App app{"pmm-plot: render pmm outputs with matplotlib (PNG, or SVG when --out ends in .svg).\n"
               "  pmm-plot trajectory traj.npy [--report run.json] --out traj.png\n"
               "  pmm-plot sweep sweep.csv [--metric fid] [--metric-label TEXT] --out sweep.png\n"
               "  pmm-plot hist samples.npy [--target builtin:gmm2d | --reference x.npy] --out h.png\n"
               "  pmm-plot scatter samples.npy [--target ... | --reference ...] --out s.png\n"
               "  pmm-plot grid samples.npy --shape 28x28 --out grid.png"};
  app.require_subcommand(1);
  std::string file, out, report, metric, metric_label, reference, target, target_weights, process = "normal", shape, range = "-1,1", title;
  int paths = 24, bins = 80, count = 64, points = 5000;
  long long target_n = 20000;
  bool steps = false;

  auto* traj = app.add_subcommand("trajectory", "mu(t) from pmm-solve --trajectory: paths, mean, 25-75% and 5-95% bands");
  traj->add_option("file", file, "trajectory .npy [saves, paths, dim]")->required();
  traj->add_option("--report", report, "pmm-solve --report JSON (save_times, process)");
  traj->add_option("--paths", paths, "sample paths drawn")->check(positive_int());
  traj->add_flag("--steps", steps, "draw paths as steps (jump processes; automatic for gamma-poisson reports)");
  auto* sweep = app.add_subcommand("sweep", "pmm-sweep table: metric against NFE on log axes, with the noise floor");
  sweep->add_option("file", file, "pmm-sweep .csv")->required();
  sweep->add_option("--metric", metric, "metrics to draw (default: all in the table)");
  sweep->add_option("--metric-label", metric_label,
                    "y label instead of the table's metric name, e.g. 'classifier Frechet distance (CFD)'; with "
                    "several metrics: METRIC=TEXT;METRIC=TEXT");
  auto* hist = app.add_subcommand("hist", "histograms of final samples per coordinate, against a target sample");
  auto* scatter = app.add_subcommand("scatter", "2-D scatter of final samples (first two coordinates)");
  for (auto* s : {hist, scatter}) {
    s->add_option("file", file, "samples .npy or .csv [n, dim]")->required();
    s->add_option("--target", target, "draw a target sample from this oracle (builtin:NAME, .npy, .json)");
    s->add_option("--target-weights", target_weights,
                  "weights .npy or .csv [n] of a point-set --target (default: equal; repeated rows add up)");
    s->add_option("--process", process, "process of --target: normal | gamma-poisson");
    s->add_option("--target-samples", target_n, "size of the target sample")->check(positive_int());
    s->add_option("--reference", reference, "or a reference sample file .npy/.csv");
    s->add_option("--title", title, "title");
  }
  hist->add_option("--bins", bins, "bins")->check(positive_int());
  scatter->add_option("--points", points, "points drawn per set")->check(positive_int());
  auto* grid = app.add_subcommand("grid", "image grid of image-shaped samples");
  grid->add_option("file", file, "samples .npy [n, C*H*W]")->required();
  grid->add_option("--shape", shape, "HxW or CxHxW (C = 1 or 3)")->required();
  grid->add_option("--range", range, "value range mapped to black..white");
  grid->add_option("--count", count, "images shown")->check(positive_int());
  grid->add_option("--title", title, "title");
  for (auto* s : {traj, sweep, hist, scatter, grid}) s->add_option("--out", out, ".png or .svg")->required();
  parse_args(app, argc, argv);

  const std::string cmd = app.get_subcommands().front()->get_name();
  check_in(file, cmd);
  check_out(out);
  std::vector<std::string> args = {python(), script_path(), cmd, file, "--out", out};
  TempFile tmp, weights_tmp;
  if (cmd == "trajectory") {
    require(ends_with(file, ".npy"), "trajectory", "'" + file + "' must be a .npy from pmm-solve --trajectory");
    if (!report.empty()) {
      check_in(report, "--report");
      args.insert(args.end(), {"--report", report});
    }
    args.insert(args.end(), {"--paths", std::to_string(paths)});
    if (steps) args.push_back("--steps");
  } else if (cmd == "sweep") {
    require(ends_with(file, ".csv"), "sweep", "'" + file + "' must be a pmm-sweep .csv");
    if (!metric.empty()) args.insert(args.end(), {"--metric", metric});
    if (!metric_label.empty()) args.push_back("--metric-label=" + metric_label);
  } else if (cmd == "hist" || cmd == "scatter") {
    require(target.empty() || reference.empty(), "--target", "give --target or --reference, not both");
    require(target_weights.empty() || !target.empty(), "--target-weights", "needs --target (a .npy or .csv point set)");
    const Batch x = read_matrix(file, cmd);  // validates the file (shape, finite values) with pmm's messages
    if (cmd == "scatter")
      require(x.rows() >= 2, "scatter", fmt::format("'{}' has dimension {}; scatter needs 2 (use hist)", file, x.rows()));
    if (!reference.empty()) {
      check_in(reference, "--reference");
      args.insert(args.end(), {"--reference", reference, "--reference-label", "reference"});
    } else if (!target.empty()) {
      // hist: a point set is drawn exactly (its atoms as a weighted histogram); scatter and other targets: a sample.
      std::string wfile;
      const std::string ref = target_sample(process, target, target_weights, target_n, tmp,
                                            cmd == "hist" ? &weights_tmp : nullptr, &wfile);
      args.insert(args.end(), {"--reference", ref, "--reference-label",
                               "target " + target + (target_weights.empty() ? "" : " (weights " + target_weights + ")")});
      if (!wfile.empty()) args.insert(args.end(), {"--reference-weights", wfile});
    }
    if (cmd == "hist") args.insert(args.end(), {"--bins", std::to_string(bins)});
    if (cmd == "scatter") args.insert(args.end(), {"--points", std::to_string(points)});
    if (!title.empty()) args.push_back("--title=" + title);
  } else {
    require(ends_with(file, ".npy") || ends_with(file, ".csv"), "grid", "'" + file + "' must be .npy or .csv");
    // "--range=-1,1": a value starting with '-' must be attached, or argparse reads it as an option.
    args.insert(args.end(), {"--shape=" + shape, "--range=" + range, "--count=" + std::to_string(count)});
    if (!title.empty()) args.push_back("--title=" + title);
  }
  require_matplotlib();
  const int rc = run_child(args);
  if (rc != 0) return rc == 2 ? 2 : 1;  // the script printed "pmm-plot: error: ..." already
  return 0;
}

}  // namespace
}  // namespace pmm

int main(int argc, char** argv) { return pmm::run_app(argc, argv, pmm::run); }
