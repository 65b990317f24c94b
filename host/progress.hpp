#pragma once
/// Progress of long work: a bar redrawn in place on a terminal, JSON lines
/// ({"task": ..., "progress": 0.42, "elapsed_s": 1.2}) when stderr is not a terminal or with
/// --progress json, nothing with --quiet. Updates are throttled to 5 per second.
#include <chrono>
#include <string>

namespace migra::host {

enum class ProgressMode { Auto, Bar, Json, None };

ProgressMode parse_progress_mode(const std::string& s);

class Progress {
 public:
  Progress(std::string task, ProgressMode mode);
  ~Progress();
  void update(double fraction);
  void finish();

 private:
  void draw(double fraction);
  std::string task_;
  ProgressMode mode_;
  std::chrono::steady_clock::time_point start_, last_;
  bool finished_ = false, drawn_ = false;
  double last_fraction_ = -1.0;
};

}  // namespace migra::host
