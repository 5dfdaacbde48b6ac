// ProgressBar: the counter is an atomic so that worker threads pay one fetch_add per call; only a
// thread that finds the redraw interval elapsed and the mutex free draws, with one write() per
// line so concurrent output from other threads cannot split it. Plain lines (not a terminal) come from
// a ticker thread, since one unit of work (a validation check, a sweep run) can take minutes.
#include "apps/common/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace pmm {
namespace {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<std::int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string format_rate(double rate) {
  if (!std::isfinite(rate)) return "?/s";
  if (rate >= 100) return fmt::format("{:.0f}/s", rate);
  return fmt::format("{:.3g}/s", rate);
}

void write_all(int fd, const std::string& text) {
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a progress bar must never fail the run
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

double resolve_plain_interval(double requested) {
  return requested >= 0 ? requested : default_plain_interval();
}

}  // namespace

double default_plain_interval() {
  const char* text = std::getenv("PMM_PROGRESS_SECONDS");
  if (text && *text) {
    char* end = nullptr;
    const double v = std::strtod(text, &end);
    if (end && *end == '\0' && std::isfinite(v) && v >= 0) return v;
  }
  return 5.0;
}

ProgressBar::ProgressBar(std::int64_t total, ProgressOptions options)
    : total_(total),
      options_(std::move(options)),
      plain_(options_.mode == ProgressMode::automatic && ::isatty(options_.fd) != 1 &&
             resolve_plain_interval(options_.plain_interval_s) > 0),
      enabled_(options_.mode == ProgressMode::always ||
               (options_.mode == ProgressMode::automatic && (::isatty(options_.fd) == 1 || plain_))),
      start_(Clock::now()) {
  width_ = options_.width;
  if (width_ <= 0) {
    winsize ws{};
    width_ = ::ioctl(options_.fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
  }
  if (plain_) {
    plain_interval_s_ = resolve_plain_interval(options_.plain_interval_s);
    ticker_ = std::thread([this] { tick(); });
  }
}

void ProgressBar::tick() {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto interval = std::chrono::duration<double>(plain_interval_s_);
  auto next = Clock::now() + std::chrono::duration_cast<Clock::duration>(interval);
  while (!finished_) {
    if (stop_.wait_until(lock, next, [this] { return finished_; })) break;
    draw(false);
    next += std::chrono::duration_cast<Clock::duration>(interval);
  }
}

ProgressBar::~ProgressBar() {
  try {
    finish();
  } catch (...) {  // destructors must not throw; output is best effort
  }
}

std::function<void(std::int64_t)> ProgressBar::callback() {
  return [this](std::int64_t n) { advance(n); };
}

void ProgressBar::advance(std::int64_t n) {
  count_.fetch_add(n, std::memory_order_relaxed);
  if (!enabled_ || plain_) return;  // plain lines come from the ticker
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  const auto interval = static_cast<std::int64_t>(options_.min_interval_s * 1e9);
  if (now - last_draw_ns_.load(std::memory_order_relaxed) < interval) return;
  std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;  // another thread is drawing
  if (now - last_draw_ns_.load(std::memory_order_relaxed) < interval) return;
  last_draw_ns_.store(now, std::memory_order_relaxed);
  draw(false);
}

void ProgressBar::set_extra(std::string text) {
  std::lock_guard<std::mutex> lock(mutex_);
  extra_ = std::move(text);
}

void ProgressBar::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (finished_) return;
    finished_ = true;
    // Plain lines: the final state only after a run long enough to have printed progress at all.
    if (enabled_ && (!plain_ || printed_plain_)) draw(true);
  }
  stop_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void ProgressBar::draw(bool final) {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  if (plain_) {
    printed_plain_ = true;
    write_all(options_.fd, render(options_.label, count(), total_, elapsed, extra_, 0) + "\n");
    return;
  }
  // "\x1b[K" clears what a longer previous line left on the right.
  std::string line = "\r" + render(options_.label, count(), total_, elapsed, extra_, width_ - 1) + "\x1b[K";
  if (final) line += '\n';
  write_all(options_.fd, line);
}

std::string ProgressBar::render(const std::string& label, std::int64_t done, std::int64_t total,
                                double elapsed_s, const std::string& extra, int width) {
  // Over the first 50 ms the rate is mostly start-up noise: show "?" rather than a wild number.
  const double rate = elapsed_s >= 0.05 ? static_cast<double>(done) / elapsed_s : NAN;
  std::string head = label.empty() ? "" : label + "  ";
  std::string tail;
  if (total > 0) {
    const double fraction = std::clamp(static_cast<double>(done) / static_cast<double>(total), 0.0, 1.0);
    head += fmt::format("{:3d}% ", static_cast<int>(fraction * 100));
    tail = fmt::format(" {}/{}  {}", done, total, format_rate(rate));
    const double eta = done >= total ? 0.0 : static_cast<double>(total - done) / rate;
    tail += done >= total ? "  " + format_duration(elapsed_s) : "  ETA " + format_duration(eta);
    if (!extra.empty()) tail += "  " + extra;
    const int room = width - static_cast<int>(head.size() + tail.size()) - 2;
    const int bar = std::clamp(room, 0, 40);
    if (bar >= 10) {
      const int filled = static_cast<int>(fraction * bar);
      head += "[" + std::string(static_cast<std::size_t>(filled), '#') +
              std::string(static_cast<std::size_t>(bar - filled), ' ') + "]";
    }
  } else {
    tail = fmt::format("{}  {}  {}", done, format_rate(rate), format_duration(elapsed_s));
    if (!extra.empty()) tail += "  " + extra;
  }
  std::string line = head + tail;
  if (width > 0 && line.size() > static_cast<std::size_t>(width)) line.resize(static_cast<std::size_t>(width));
  return line;
}

}  // namespace pmm
