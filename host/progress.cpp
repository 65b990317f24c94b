#include "host/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "kernels/core/error.hpp"

namespace migra::host {

ProgressMode parse_progress_mode(const std::string& s) {
  if (s == "auto") return ProgressMode::Auto;
  if (s == "bar") return ProgressMode::Bar;
  if (s == "json") return ProgressMode::Json;
  if (s == "none") return ProgressMode::None;
  MIGRA_THROW_FMT("unknown progress mode '%s' (expected auto, bar, json or none)", s.c_str());
}

Progress::Progress(std::string task, ProgressMode mode)
    : task_(std::move(task)), mode_(mode), start_(std::chrono::steady_clock::now()), last_(start_) {
  if (mode_ == ProgressMode::Auto) mode_ = ::isatty(STDERR_FILENO) ? ProgressMode::Bar : ProgressMode::Json;
}

Progress::~Progress() {
  if (drawn_ && !finished_ && mode_ == ProgressMode::Bar) std::fputc('\n', stderr);
}

void Progress::update(double fraction) {
  const auto now = std::chrono::steady_clock::now();
  if (fraction < 1.0 && now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  draw(fraction);
}

void Progress::finish() {
  if (finished_) return;
  if (last_fraction_ < 1.0) draw(1.0);
  if (mode_ == ProgressMode::Bar) std::fputc('\n', stderr);
  finished_ = true;
}

void Progress::draw(double f) {
  last_fraction_ = f;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (mode_ == ProgressMode::Bar) {
    const int width = 30, full = int(f * width + 0.5);
    std::fprintf(stderr, "\r%-12s [%s%s] %5.1f%% %7.1fs", task_.c_str(),
                 std::string(size_t(full), '#').c_str(), std::string(size_t(width - full), '.').c_str(),
                 100.0 * f, elapsed);
  } else if (mode_ == ProgressMode::Json) {
    std::fprintf(stderr, "{\"task\": \"%s\", \"progress\": %.4f, \"elapsed_s\": %.3f}\n",
                 task_.c_str(), f, elapsed);
  } else {
    return;
  }
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace migra::host
