#pragma once
/// Progress of a run's tasks, shared by the scheduler's workers (thread-safe):
///  - Bar: on a terminal, one live line per running task redrawn in place, with finished
///    tasks and log messages scrolling above them;
///  - Json: one JSON object per line on stderr ({"task": ..., "event": "progress",
///    "progress": 0.42, "elapsed_s": 1.2}; events start, progress, log, end), for logs and
///    job systems;
///  - None: silent (--quiet).
/// Auto is Bar on a terminal and Json otherwise. Updates are throttled to 5 per second.
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace migra::host {

enum class ProgressMode { Auto, Bar, Json, None };

ProgressMode parse_progress_mode(const std::string& s);

class ProgressBoard {
 public:
  explicit ProgressBoard(ProgressMode mode);
  ~ProgressBoard();
  ProgressBoard(const ProgressBoard&) = delete;
  ProgressBoard& operator=(const ProgressBoard&) = delete;

  void start(const std::string& task, const std::string& device);
  void update(const std::string& task, double fraction);
  /// `status`: done, skipped, failed, ...
  void end(const std::string& task, const std::string& status);
  /// A log line (placement, retries, fallbacks), tagged with its task.
  void log(const std::string& task, const std::string& message);
  ProgressMode mode() const { return mode_; }

 private:
  struct Line {
    std::string task, device;
    double fraction = 0;
    std::chrono::steady_clock::time_point start, drawn;
  };
  Line* find(const std::string& task);
  void print_above(const std::string& text);  // Bar: a permanent line above the live ones
  void redraw();                              // Bar: the live lines
  void json(const std::string& task, const char* event, const std::string& extra);

  ProgressMode mode_;
  std::mutex mu_;
  std::vector<Line> live_;
  int drawn_lines_ = 0;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace migra::host
