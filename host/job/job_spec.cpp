#include "host/job/job_spec.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "host/io/sha256.hpp"
#include "kernels/core/error.hpp"

namespace migra::job {
namespace {

struct Where {
  int line = 0, column = 0;
};

/// Every problem found, each prefixed with file:line:column when the job came from a file.
struct Problems {
  std::string file;
  std::vector<std::string> list;
  void add(Where w, const std::string& msg) {
    if (file.empty() || w.line == 0)
      list.push_back(file.empty() ? msg : file + ": " + msg);
    else
      list.push_back(file + ":" + std::to_string(w.line) + ":" + std::to_string(w.column) + ": " + msg);
  }
  void throw_if_any() const {
    if (list.empty()) return;
    if (list.size() == 1) throw Error(list[0]);
    std::string msg = std::to_string(list.size()) + " problems:";
    for (const auto& p : list) msg += "\n  " + p;
    throw Error(msg);
  }
};

Where where(const toml::source_region& s) { return {int(s.begin.line), int(s.begin.column)}; }

/// Where each key of a task's table was written.
using KeyLines = std::map<std::string, Where>;

/// The position of `key` in a task's table, or `fallback` when it was not written there.
Where line_of(const KeyLines& lines, const std::string& key, Where fallback) {
  const auto it = lines.find(key);
  return it == lines.end() ? fallback : it->second;
}

/// A TOML scalar as JSON; null (and a message) for arrays, tables and dates.
nlohmann::json to_json(const toml::node& v) {
  if (auto s = v.as_string()) return s->get();
  if (auto i = v.as_integer()) return i->get();
  if (auto f = v.as_floating_point()) return f->get();
  if (auto b = v.as_boolean()) return b->get();
  return nullptr;
}

const char* toml_type(const toml::node& v) {
  if (v.is_array()) return "an array";
  if (v.is_table()) return "a table";
  return "a date or time";
}

std::string resolve(const std::string& path, const std::string& base_dir) {
  if (base_dir.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(base_dir) / path).lexically_normal().string();
}

/// Checks of one task that need no other task: parameters complete and consistent, input
/// files readable, device request well formed. References become dependencies.
void check_task(TaskSpec& t, const KeyLines& at, Where table, const std::string& base_dir, Problems& problems) {
  const auto key_at = [&](const std::string& key) { return line_of(at, key, table); };
  const std::string who = "task '" + t.name + "': ";
  for (const auto& m : fill_defaults(t.kind->params, t.params)) problems.add(table, who + m);
  for (const auto& spec : t.kind->params) {
    if (spec.type != ParamType::Path || !t.params.contains(spec.name)) continue;
    const std::string value = t.params[spec.name];
    if (const auto ref = parse_output_ref(value)) {
      if (ref->task == t.name)
        problems.add(key_at(spec.name), who + "'" + spec.name + "' refers to the task's own output");
      else if (std::find(t.after.begin(), t.after.end(), ref->task) == t.after.end())
        t.after.push_back(ref->task);
      continue;
    }
    const std::string path = resolve(value, base_dir);
    t.params[spec.name] = path;
    std::ifstream in(path);
    if (!in || std::filesystem::is_directory(path))
      problems.add(key_at(spec.name), who + "'" + spec.name + "': " + path + ": cannot open (" +
                                           (in ? "is a directory" : std::strerror(errno)) + ")");
  }
  if (t.kind->check)
    for (const auto& m : t.kind->check(t.params)) problems.add(table, who + m);
  if (!valid_device_request(t.device))
    problems.add(key_at("device"), who + "device '" + t.device + "' is not auto, cpu, cuda or cuda:N");
}

/// Whether one of t's input paths is an output of task `other`.
bool refers_to(const TaskSpec& t, const std::string& other) {
  for (const auto& spec : t.kind->params) {
    if (spec.type != ParamType::Path || !t.params.contains(spec.name)) continue;
    const auto ref = parse_output_ref(t.params[spec.name].get<std::string>());
    if (ref && ref->task == other) return true;
  }
  return false;
}

/// Checks across tasks: references name tasks and outputs that exist, and there is no cycle.
void check_graph(const JobSpec& job, const std::map<std::string, KeyLines>& at, Problems& problems) {
  static const KeyLines kNoLines;  // a job built from the command line
  std::map<std::string, const TaskSpec*> by_name;
  for (const auto& t : job.tasks) by_name[t.name] = &t;
  for (const auto& t : job.tasks) {
    const auto found = at.find(t.name);
    const KeyLines& lines = found == at.end() ? kNoLines : found->second;
    const auto key_at = [&](const std::string& key) { return line_of(lines, key, Where{t.line, 1}); };
    for (const auto& spec : t.kind->params) {
      if (spec.type != ParamType::Path || !t.params.contains(spec.name)) continue;
      const auto ref = parse_output_ref(t.params[spec.name].get<std::string>());
      if (!ref || ref->task == t.name) continue;
      const auto it = by_name.find(ref->task);
      if (it == by_name.end()) {
        problems.add(key_at(spec.name), "task '" + t.name + "': '" + spec.name + "' refers to task '" +
                                             ref->task + "', which the job does not define");
        continue;
      }
      const TaskSpec& up = *it->second;
      const auto outs = up.kind->outputs(up.params);
      if (std::find(outs.begin(), outs.end(), ref->file) == outs.end()) {
        std::string list;
        for (const auto& o : outs) list += (list.empty() ? "" : ", ") + o;
        problems.add(key_at(spec.name), "task '" + t.name + "': '" + spec.name + "' refers to '" +
                                             ref->file + "', which task '" + up.name + "' (" +
                                             up.kind->name + ") does not write (it writes " + list + ")");
      }
    }
    for (const auto& a : t.after) {
      if (a == t.name)
        problems.add(key_at("after"), "task '" + t.name + "': 'after' names the task itself");
      else if (!by_name.count(a) && !refers_to(t, a))  // a bad reference is reported above
        problems.add(key_at("after"), "task '" + t.name + "': 'after' names task '" + a +
                                           "', which the job does not define");
    }
  }
  // Depth-first search for a cycle; report it once, as a path.
  enum { White, Grey, Black };
  std::map<std::string, int> colour;
  std::vector<std::string> stack;
  std::function<bool(const TaskSpec&)> visit = [&](const TaskSpec& t) {
    colour[t.name] = Grey;
    stack.push_back(t.name);
    for (const auto& a : t.after) {
      if (!by_name.count(a) || a == t.name) continue;
      if (colour[a] == Grey) {
        std::string path;
        for (auto it = std::find(stack.begin(), stack.end(), a); it != stack.end(); ++it) path += *it + " -> ";
        problems.add({by_name[a]->line, 1}, "dependency cycle: " + path + a);
        return true;
      }
      if (colour[a] == White && visit(*by_name[a])) return true;
    }
    stack.pop_back();
    colour[t.name] = Black;
    return false;
  };
  for (const auto& t : job.tasks)
    if (colour[t.name] == White && visit(t)) break;
}


}  // namespace

const TaskSpec* JobSpec::find(const std::string& task) const {
  for (const auto& t : tasks)
    if (t.name == task) return &t;
  return nullptr;
}

bool valid_device_request(const std::string& d) {
  if (d == "auto" || d == "cpu" || d == "cuda") return true;
  if (d.rfind("cuda:", 0) != 0 || d.size() == 5) return false;
  return std::all_of(d.begin() + 5, d.end(), [](char c) { return c >= '0' && c <= '9'; });
}

JobSpec parse_job(const std::string& text, const std::string& file, const std::string& base_dir,
                  const TaskRegistry& kinds) {
  Problems problems{file, {}};
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    problems.add(where(e.source()), std::string("TOML syntax: ") + std::string(e.description()));
    problems.throw_if_any();
  }
  JobSpec job;
  job.file = file;
  job.sha256 = io::sha256_hex(text);
  std::string job_device = "auto";
  std::int64_t job_seed = 0;
  std::map<std::string, KeyLines> at;

  for (auto&& [key, node] : root) {
    const std::string k(key.str());
    if (k == "job") {
      if (!node.is_table()) { problems.add(where(node.source()), "'job' must be a table"); continue; }
      for (auto&& [jk, jv] : *node.as_table()) {
        const std::string name(jk.str());
        const Where w = where(jv.source());
        if (name == "name" && jv.is_string()) job.name = jv.as_string()->get();
        else if (name == "device" && jv.is_string()) job_device = jv.as_string()->get();
        else if (name == "seed" && jv.is_integer() && jv.as_integer()->get() >= 0) job_seed = jv.as_integer()->get();
        else if (name == "name" || name == "device") problems.add(w, "[job] '" + name + "' must be a string");
        else if (name == "seed") problems.add(w, "[job] 'seed' must be a non-negative integer");
        else problems.add(w, "[job] has no key '" + name + "' (it takes name, device and seed)");
      }
      if (!valid_device_request(job_device))
        problems.add(where(node.source()), "[job] device '" + job_device + "' is not auto, cpu, cuda or cuda:N");
    } else if (k != "tasks") {
      problems.add(where(node.source()), "unknown top-level key '" + k + "' (a job has [job] and [tasks.NAME] tables)");
    }
  }
  const toml::node* tasks_node = root.get("tasks");
  if (!tasks_node || !tasks_node->is_table() || tasks_node->as_table()->empty()) {
    problems.add({}, "the job defines no tasks (add a [tasks.NAME] table with a kind)");
    problems.throw_if_any();
  }
  std::vector<std::pair<TaskSpec, Where>> specs;
  for (auto&& [key, node] : *tasks_node->as_table()) {
    TaskSpec t;
    t.name = std::string(key.str());
    const Where table = where(key.source());
    t.line = table.line;
    if (!node.is_table()) { problems.add(where(node.source()), "tasks." + t.name + " must be a table"); continue; }
    const auto& tbl = *node.as_table();
    const std::string who = "task '" + t.name + "': ";
    if (t.name.empty() || t.name.find_first_of("/@ \t") != std::string::npos)
      problems.add(table, who + "a task name may not be empty or contain '/', '@' or spaces");
    const toml::node* kind = tbl.get("kind");
    if (!kind) { problems.add(table, who + "has no 'kind' (one of " + kinds.names() + ")"); continue; }
    if (!kind->is_string() || !(t.kind = kinds.find(kind->as_string()->get()))) {
      problems.add(where(kind->source()), who + "unknown kind " + to_json(*kind).dump() + " (this build has " + kinds.names() + ")");
      continue;
    }
    t.device = job_device;
    t.seed = std::uint64_t(job_seed);
    auto& lines = at[t.name];
    for (auto&& [pk, pv] : tbl) {
      const std::string raw(pk.str());
      const std::string name = canonical_key(raw);
      const Where w = where(pv.source());
      lines[name] = w;
      if (name == "kind") continue;
      if (name == "device") {
        if (pv.is_string()) t.device = pv.as_string()->get();
        else problems.add(w, who + "'device' must be a string");
        continue;
      }
      if (name == "seed") {
        if (pv.is_integer() && pv.as_integer()->get() >= 0) t.seed = std::uint64_t(pv.as_integer()->get());
        else problems.add(w, who + "'seed' must be a non-negative integer");
        continue;
      }
      if (name == "after") {
        const auto* arr = pv.as_array();
        if (!arr) { problems.add(w, who + "'after' must be an array of task names"); continue; }
        for (const auto& e : *arr) {
          if (e.is_string()) t.after.push_back(e.as_string()->get());
          else problems.add(where(e.source()), who + "'after' must list task names (strings)");
        }
        continue;
      }
      const ParamSpec* spec = find_param(t.kind->params, name);
      if (!spec) {
        std::string known;
        for (const auto& s : t.kind->params) known += (known.empty() ? "" : ", ") + s.name;
        problems.add(w, who + "kind '" + t.kind->name + "' has no parameter '" + raw + "' (it takes " + known + ")");
        continue;
      }
      if (t.params.contains(name)) {
        problems.add(w, who + "'" + name + "' is given twice (as '-' and '_' spellings)");
        continue;
      }
      nlohmann::json v = to_json(pv);
      if (v.is_null()) { problems.add(w, who + "'" + name + "' must be " + type_name(spec->type) + ", got " + toml_type(pv)); continue; }
      if (spec->type == ParamType::Real && v.is_number_integer()) v = v.get<double>();
      const std::string msg = check_value(*spec, v);
      if (!msg.empty()) { problems.add(w, who + msg); continue; }
      t.params[name] = v;
    }
    check_task(t, lines, table, base_dir, problems);
    specs.emplace_back(std::move(t), table);
  }
  std::sort(specs.begin(), specs.end(), [](const auto& a, const auto& b) { return a.second.line < b.second.line; });
  for (auto& s : specs) job.tasks.push_back(std::move(s.first));
  check_graph(job, at, problems);
  problems.throw_if_any();
  return job;
}

JobSpec read_job_file(const std::string& path, const TaskRegistry& kinds) {
  std::ifstream in(path, std::ios::binary);
  MIGRA_THROW_IF_NOT_FMT(in && !std::filesystem::is_directory(path), "%s: cannot open job file (%s)",
                         path.c_str(), in ? "is a directory" : std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return parse_job(ss.str(), path, dir, kinds);
}

JobSpec make_cli_job(const TaskKind& kind, const Params& raw, const std::string& device, std::uint64_t seed) {
  Problems problems;
  JobSpec job;
  job.name = kind.name;
  TaskSpec t;
  t.name = kind.name;
  t.kind = &kind;
  t.device = device;
  t.seed = seed;
  for (const auto& [k, v] : raw.items()) {
    const ParamSpec* spec = find_param(kind.params, k);
    MIGRA_ASSERT(spec);
    const std::string msg = check_value(*spec, v);
    if (msg.empty()) t.params[k] = v;
    else problems.add({}, "--" + k + ": " + msg);
  }
  check_task(t, {}, {}, "", problems);
  job.tasks.push_back(std::move(t));
  if (!job.tasks[0].after.empty())
    problems.add({}, "a command-line task cannot read another task's output ('@" +
                         job.tasks[0].after[0] + "/...'): use a job file");
  problems.throw_if_any();
  return job;
}

}  // namespace migra::job
