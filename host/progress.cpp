#include "host/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "kernels/core/error.hpp"

namespace migra::host {
namespace {
using clock = std::chrono::steady_clock;
double since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }
}  // namespace

ProgressMode parse_progress_mode(const std::string& s) {
  if (s == "auto") return ProgressMode::Auto;
  if (s == "bar") return ProgressMode::Bar;
  if (s == "json") return ProgressMode::Json;
  if (s == "none") return ProgressMode::None;
  MIGRA_THROW_FMT("unknown progress mode '%s' (expected auto, bar, json or none)", s.c_str());
}

ProgressBoard::ProgressBoard(ProgressMode mode) : mode_(mode), t0_(clock::now()) {
  if (mode_ == ProgressMode::Auto) mode_ = ::isatty(STDERR_FILENO) ? ProgressMode::Bar : ProgressMode::Json;
}

ProgressBoard::~ProgressBoard() {
  std::lock_guard<std::mutex> lock(mu_);
  live_.clear();
  redraw();
}

ProgressBoard::Line* ProgressBoard::find(const std::string& task) {
  for (auto& l : live_)
    if (l.task == task) return &l;
  return nullptr;
}

void ProgressBoard::json(const std::string& task, const char* event, const std::string& extra) {
  std::fprintf(stderr, "{\"task\": %s, \"event\": \"%s\"%s, \"elapsed_s\": %.3f}\n",
               nlohmann::json(task).dump().c_str(), event, extra.c_str(), since(t0_));
  std::fflush(stderr);
}

void ProgressBoard::print_above(const std::string& text) {
  if (drawn_lines_ > 0) std::fprintf(stderr, "\x1b[%dF\x1b[J", drawn_lines_);
  drawn_lines_ = 0;
  std::fprintf(stderr, "%s\n", text.c_str());
  redraw();
}

void ProgressBoard::redraw() {
  if (mode_ != ProgressMode::Bar) return;
  if (drawn_lines_ > 0) std::fprintf(stderr, "\x1b[%dF", drawn_lines_);
  for (const auto& l : live_) {
    const int width = 30, full = int(l.fraction * width + 0.5);
    std::fprintf(stderr, "\x1b[K%-16s %-7s [%s%s] %5.1f%% %7.1fs\n", l.task.c_str(), l.device.c_str(),
                 std::string(size_t(full), '#').c_str(), std::string(size_t(width - full), '.').c_str(),
                 100.0 * l.fraction, since(l.start));
  }
  std::fprintf(stderr, "\x1b[J");
  drawn_lines_ = int(live_.size());
  std::fflush(stderr);
}

void ProgressBoard::start(const std::string& task, const std::string& device) {
  if (mode_ == ProgressMode::None) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (mode_ == ProgressMode::Json) return json(task, "start", ", \"device\": " + nlohmann::json(device).dump());
  live_.push_back({task, device, 0.0, clock::now(), clock::now()});
  redraw();
}

void ProgressBoard::update(const std::string& task, double fraction) {
  if (mode_ == ProgressMode::None) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (mode_ == ProgressMode::Json) {
    static thread_local clock::time_point last;
    if (fraction < 1.0 && clock::now() - last < std::chrono::milliseconds(200)) return;
    last = clock::now();
    char buf[48];
    std::snprintf(buf, sizeof buf, ", \"progress\": %.4f", fraction);
    return json(task, "progress", buf);
  }
  Line* l = find(task);
  if (!l) return;
  l->fraction = fraction;
  if (clock::now() - l->drawn < std::chrono::milliseconds(200)) return;
  l->drawn = clock::now();
  redraw();
}

void ProgressBoard::end(const std::string& task, const std::string& status) {
  if (mode_ == ProgressMode::None) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (mode_ == ProgressMode::Json) return json(task, "end", ", \"status\": " + nlohmann::json(status).dump());
  double secs = 0;
  std::string device;
  for (auto it = live_.begin(); it != live_.end(); ++it)
    if (it->task == task) {
      secs = since(it->start);
      device = it->device;
      live_.erase(it);
      break;
    }
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-16s %-7s %-8s %7.2fs", task.c_str(), device.c_str(), status.c_str(), secs);
  print_above(buf);
}

void ProgressBoard::log(const std::string& task, const std::string& message) {
  if (mode_ == ProgressMode::None) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (mode_ == ProgressMode::Json) return json(task, "log", ", \"message\": " + nlohmann::json(message).dump());
  print_above("migra: " + (task.empty() ? "" : task + ": ") + message);
}

}  // namespace migra::host
