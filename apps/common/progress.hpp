// Progress on stderr. On a terminal, a bar "label  42% [#####     ] 420/1000  35.2/s  ETA 0:16  loss 0.031"
// redrawn in place at most every min_interval_s, with a final newline from finish(). Elsewhere (a pipe, a file,
// nohup's log) a plain line "label  42% 420/1000  35.2/s  ETA 0:16  loss 0.031" every plain_interval_s from a
// ticker thread, so a long run shows it is alive; a run shorter than one interval prints nothing. advance() may be
// called from any thread.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace pmm {

// automatic: a bar when fd is a terminal, plain lines otherwise; always: the bar, terminal or not; never: nothing.
enum class ProgressMode { automatic, always, never };

// Seconds between plain lines when the stream is not a terminal: the environment variable PMM_PROGRESS_SECONDS
// (a number >= 0; 0 turns plain lines off), else 5.
double default_plain_interval();

struct ProgressOptions {
  std::string label;
  ProgressMode mode = ProgressMode::automatic;
  int fd = 2;                   // stderr
  double min_interval_s = 0.1;  // redraw at most 10 times a second
  int width = 0;                // line width; 0: the terminal's (80 when unknown)
  double plain_interval_s = -1;  // not a terminal: seconds between plain lines; < 0: default_plain_interval()
};

class ProgressBar {
 public:
  // total <= 0: unknown, the bar shows the count, rate and elapsed time only.
  explicit ProgressBar(std::int64_t total, ProgressOptions options = {});
  ~ProgressBar();  // finish()
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(std::int64_t n = 1);
  void operator()(std::int64_t n) { advance(n); }
  // Text shown after the ETA (e.g. "loss 0.031"); drawn at the next redraw.
  void set_extra(std::string text);
  // Draws the final state and a newline (once; later calls do nothing).
  void finish();

  // Whether anything may be printed (a bar, or plain lines); callers attach callbacks only then.
  bool enabled() const { return enabled_; }
  bool plain() const { return plain_; }
  std::int64_t count() const { return count_.load(std::memory_order_relaxed); }
  std::int64_t total() const { return total_; }
  // A callback advancing this bar (which must outlive it), for solvers and trainers.
  std::function<void(std::int64_t)> callback();

  // The line drawn for count done of total after elapsed_s (no '\r'), cut to width characters.
  static std::string render(const std::string& label, std::int64_t done, std::int64_t total,
                            double elapsed_s, const std::string& extra, int width);

 private:
  void draw(bool final);  // caller holds mutex_
  void tick();            // the plain-line thread

  using Clock = std::chrono::steady_clock;
  const std::int64_t total_;
  const ProgressOptions options_;
  const bool plain_;
  const bool enabled_;
  const Clock::time_point start_;
  std::atomic<std::int64_t> count_{0};
  std::atomic<std::int64_t> last_draw_ns_{-(std::int64_t{1} << 62)};  // first advance draws
  std::mutex mutex_;  // guards extra_, finished_ and the output
  std::string extra_;
  bool finished_ = false;
  bool printed_plain_ = false;
  int width_ = 80;
  double plain_interval_s_ = 0;
  std::condition_variable stop_;
  std::thread ticker_;
};

}  // namespace pmm
