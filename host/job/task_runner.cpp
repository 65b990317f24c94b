#include "host/job/task_runner.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>

#include "host/build_info.hpp"
#include "host/job/transport_team.hpp"
#include "host/io/sha256.hpp"
#include "kernels/core/error.hpp"

namespace migra::job {

Prepared prepare_task(const TaskSpec& t, const RunDirectory& rd) {
  Prepared p{t.params, ""};
  nlohmann::json h = {{"kind", t.kind->name}, {"migra", MIGRA_VERSION}};
  Params hashed = t.params;
  for (const auto& spec : t.kind->params) {
    if (spec.type != ParamType::Path || !p.params.contains(spec.name)) continue;
    std::string path = p.params[spec.name];
    if (const auto ref = parse_output_ref(path)) path = rd.task_dir(ref->task) + "/" + ref->file;
    MIGRA_THROW_IF_NOT_FMT(std::ifstream(path).good(), "input '%s' (%s) is missing: was it written by its task?",
                           spec.name.c_str(), path.c_str());
    p.params[spec.name] = path;
    hashed[spec.name] = io::sha256_file(path);  // content, not location
  }
  h["params"] = hashed;
  h["outputs"] = t.kind->outputs(t.params);  // a build that writes more re-runs the task
  if (t.kind->uses_seed) h["seed"] = t.seed;
  p.hash = io::sha256_hex(h.dump());
  return p;
}

nlohmann::json to_json(const Execution& e) {
  return {{"status", e.status}, {"error", e.error},     {"device", e.device},   {"rank", e.rank},
          {"seconds", e.seconds}, {"summary", e.summary}, {"attempts", e.attempts},
          {"result", e.result},   {"outputs", e.outputs}};
}

Execution execution_from_json(const nlohmann::json& j) {
  Execution e;
  e.status = j.at("status");
  e.error = j.at("error");
  e.device = j.at("device");
  e.rank = j.at("rank");
  e.seconds = j.at("seconds");
  e.summary = j.at("summary").get<std::vector<std::string>>();
  e.attempts = j.at("attempts");
  e.result = j.at("result");
  e.outputs = j.at("outputs");
  return e;
}

Execution execute_task(const TaskSpec& t, const Prepared& prepared, Backend& backend, RunDirectory& rd,
                       host::ProgressBoard& board, int oom_retries, double checkpoint_every_s, Team* team) {
  using clock = std::chrono::steady_clock;
  Execution e;
  e.device = backend.name();
  board.start(t.name, backend.name());
  std::size_t cap = ~std::size_t(0);
  for (int attempt = 0;; ++attempt) {
    backend.set_budget_cap(cap);
    const auto t0 = clock::now();
    TaskContext ctx(t.name, prepared.params, t.params, backend, rd.task_dir(t.name), t.seed,
                    [&](double f) { board.update(t.name, f); },
                    [&](const std::string& m) { board.log(t.name, m); }, prepared.hash, checkpoint_every_s);
    ctx.set_team(team);
    nlohmann::json a = {{"device", backend.name()}, {"budget_bytes", backend.memory_budget()}};
    try {
      rd.prepare_task_dir(t.name);
      t.kind->run(ctx);
      backend.synchronize();
    } catch (const CudaOutOfMemory& err) {
      a["error"] = std::string("out of memory: ") + err.what();
      e.attempts.push_back(a);
      if (backend.is_gpu() && attempt < oom_retries) {
        cap = std::max<std::size_t>(backend.memory_budget() / 4, 1);
        board.log(t.name, backend.name() + " out of memory; retrying with a " + std::to_string(cap >> 20) +
                              " MiB budget (smaller chunks)");
        continue;
      }
      backend.set_budget_cap(~std::size_t(0));
      board.end(t.name, "oom");
      if (!backend.is_gpu()) {
        e.status = "failed";
        e.error = "out of memory on the CPU: " + std::string(err.what());
        return e;
      }
      board.log(t.name, backend.name() + " out of memory after " + std::to_string(attempt + 1) +
                            " attempt(s): falling back to the CPU");
      e.status = "cpu";
      return e;
    } catch (const std::exception& err) {
      a["error"] = err.what();
      e.attempts.push_back(a);
      backend.set_budget_cap(~std::size_t(0));
      board.end(t.name, "failed");
      rd.discard_task_dir(t.name);
      e.status = "failed";
      e.error = err.what();
      return e;
    }
    backend.set_budget_cap(~std::size_t(0));
    e.attempts.push_back(a);
    e.status = "done";
    e.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    e.summary = ctx.summary;
    e.result = ctx.result;
    for (const auto& [file, sha] : ctx.outputs()) {
      std::error_code ec;
      e.outputs[file] = {{"sha256", sha}, {"bytes", std::filesystem::file_size(rd.task_dir(t.name) + "/" + file, ec)}};
    }
    board.end(t.name, "done");
    return e;
  }
}

std::string run_member(const TaskSpec& t, const Prepared& prepared, Backend& backend, const RunDirectory& rd,
                       Team& team) {
  TaskContext ctx(t.name, prepared.params, t.params, backend, rd.task_dir(t.name), t.seed, {}, {}, prepared.hash);
  ctx.set_team(&team);
  try {
    t.kind->run(ctx);
    backend.synchronize();
  } catch (const CudaOutOfMemory& err) {
    return std::string(TransportTeam::kOutOfMemory) + err.what();
  } catch (const std::exception& err) {
    return err.what();
  }
  return "";
}

}  // namespace migra::job
