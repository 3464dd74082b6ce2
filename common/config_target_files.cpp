// targets_dir: URLs kept in a directory of small files instead of (or beside) monitored_urls,
// so a deploy tool, a team or a service catalogue can drop in a file of its own targets
// without editing the shared config. Every file is checked by the rules monitored_urls has,
// with errors naming the file and the entry.

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "common/config_error.h"
#include "common/config_sections.h"

namespace webmon::common::config_sections {
namespace {

namespace fs = std::filesystem;

// The files a directory offers: regular files (or links to them) named *.json, not hidden
// (an editor's backup or a half-written ".name.json.tmp" is neither), in name order so the
// URLs keep one order from read to read.
std::vector<fs::path> targetFiles(const fs::path& directory, std::error_code& error) {
  std::vector<fs::path> files;
  for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const auto name = it->path().filename().string();
    if (name.starts_with('.') || it->path().extension() != ".json") continue;
    std::error_code ignored;
    if (fs::is_regular_file(it->path(), ignored)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

void readTargetFiles(const ConfigReader& node, const std::string& config_dir, const EnvLookup& env,
                     const std::vector<AlertReceiver>& receivers, SeenUrls& seen,
                     std::string& found_dir, std::vector<MonitoredUrl>& out) {
  const auto written = node.nonEmptyString();
  if (!written) return;
  const fs::path directory = fs::absolute(fs::path(config_dir) / *written).lexically_normal();
  std::error_code error;
  if (!fs::is_directory(directory, error)) {
    node.fail("must name a directory of target files (" + directory.string() + ": " +
              (error ? error.message() : std::string("not a directory")) + ")");
    return;
  }
  const auto files = targetFiles(directory, error);
  if (error) {
    node.fail("cannot list " + directory.string() + ": " + error.message());
    return;
  }
  found_dir = directory.string();
  for (const auto& file : files) {
    // Named as the config names the directory, so the message leads to the file to fix.
    const std::string shown = (fs::path(*written) / file.filename()).string();
    ConfigProblems& problems = node.problems();
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      problems.add(shown, std::string("cannot read this target file: ") + std::strerror(errno));
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    nlohmann::json document;
    try {
      document = parseJsonDocument(text.str(), "");
    } catch (const ConfigError& bad_json) {
      for (const auto& problem : bad_json.problems()) problems.add(shown, problem);
      continue;
    }
    const ConfigReader list(&document, shown, problems);
    if (!document.is_array()) {
      list.failWithoutValue("must be a JSON list of URLs, as monitored_urls is");
      continue;
    }
    readUrls(list, env, receivers, "file:" + file.filename().string(), seen, out);
  }
}

}  // namespace webmon::common::config_sections
