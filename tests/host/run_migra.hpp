#pragma once
// Runs the real `migra` binary as a subprocess: exit status and stdout+stderr.
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace migra::test {

struct MigraRun {
  int status;
  std::string output;
};

/// `migra ARGS` with environment assignments `env` ("NAME=VALUE ...") in front.
inline MigraRun run_migra_env(const std::string& env, const std::string& args) {
  const std::string cmd = env + " " + std::string(MIGRA_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

inline MigraRun run_migra(const std::string& args) { return run_migra_env("", args); }

}  // namespace migra::test
