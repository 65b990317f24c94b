#include "host/report/run_index.hpp"

#include <cstdio>
#include <filesystem>

#include "host/io/atomic_file.hpp"
#include "host/report/svg.hpp"

namespace migra::report {
namespace {

std::string size_text(std::uintmax_t b) {
  char buf[32];
  if (b < 10000) std::snprintf(buf, sizeof buf, "%ju B", b);
  else if (b < 10000000) std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  else std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  return buf;
}

std::string str(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

}  // namespace

void write_run_index(const std::string& run_dir, const nlohmann::json& m) {
  const nlohmann::json& tasks = m["tasks"];
  std::vector<std::string> order;
  for (const auto& t : m.value("order", nlohmann::json::array())) order.push_back(t);
  std::string md = "# Run: " + (str(m["job"], "name").empty() ? std::string("migra job") : str(m["job"], "name")) + "\n\n";
  md += "- job file: `" + str(m["job"], "file") + "` (sha256 " + str(m["job"], "sha256").substr(0, 12) + ")\n";
  md += "- migra " + str(m["migra"], "version") + " (" + str(m["migra"], "commit") + "), " + str(m["migra"], "compiler") + "\n";
  for (const auto& d : m.value("devices", nlohmann::json::array()))
    md += "- device " + str(d, "name") + ": " + str(d, "description") + "\n";
  if (m.contains("device_notice")) md += "- " + str(m, "device_notice") + "\n";
  md += "- manifest: [manifest.json](manifest.json) (hashes, timings, checksums)\n\n";

  md += "| task | kind | status | device | seconds | result |\n|---|---|---|---|---:|---|\n";
  std::vector<std::string> cpc_labels;
  std::vector<double> cpc_values;
  for (const auto& name : order) {
    if (!tasks.contains(name)) {
      md += "| " + name + " | | not run | | | |\n";
      continue;
    }
    const auto& t = tasks[name];
    std::string headline;
    const auto& summary = t.value("summary", nlohmann::json::array());
    // A summary's first line names the task's subject when more lines follow; a lone line is the headline.
    for (size_t k = summary.size() > 1 ? 1 : 0; k < summary.size(); ++k)
      headline += (headline.empty() ? "" : "; ") + summary[k].get<std::string>();
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f", t.value("seconds", 0.0));
    md += "| [" + name + "](#" + name + ") | " + str(t, "kind") + " | " + str(t, "status") + " | " + str(t, "device") +
          " | " + secs + " | " + headline + " |\n";
    if (t.contains("result") && t["result"].contains("metrics") && t["result"]["metrics"].contains("cpc")) {
      cpc_labels.push_back(name);
      cpc_values.push_back(t["result"]["metrics"]["cpc"]);
    }
  }
  if (cpc_labels.size() >= 2) {
    io::write_file_atomic(run_dir + "/cpc.svg",
                          svg_bars(cpc_labels, cpc_values, "Common part of commuters (CPC) by task", "CPC"));
    md += "\n![CPC by task](cpc.svg)\n";
  }
  for (const auto& name : order) {
    if (!tasks.contains(name)) continue;
    const auto& t = tasks[name];
    md += "\n## " + name + "\n\n";
    if (t.value("status", "") != "done") {
      md += "**" + str(t, "status") + "**: " + str(t, "error") + "\n";
      continue;
    }
    md += "`" + str(t, "kind") + "` on " + str(t, "device") + "\n\n```\n";
    for (const auto& l : t.value("summary", nlohmann::json::array())) md += l.get<std::string>() + "\n";
    md += "```\n\n";
    std::vector<std::string> figures;
    const nlohmann::json outputs = t.value("outputs", nlohmann::json::object());
    for (const auto& [file, info] : outputs.items()) {
      md += "- [" + file + "](" + name + "/" + file + ") " + size_text(info.value("bytes", std::uintmax_t(0))) + "\n";
      if (file.size() > 4 && file.substr(file.size() - 4) == ".svg") figures.push_back(file);
    }
    for (const auto& f : figures) md += "\n![" + name + ": " + f + "](" + name + "/" + f + ")\n";
  }
  io::write_file_atomic(run_dir + "/index.md", md);
}

}  // namespace migra::report
