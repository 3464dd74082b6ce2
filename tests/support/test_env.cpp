#include "tests/support/test_env.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <sstream>
#include <stdexcept>

namespace webmon::testing {
namespace {

std::string adminConnectionString() {
  return "host=127.0.0.1 port=" + std::to_string(postgresPort()) +
         " user=postgres dbname=postgres connect_timeout=5";
}

}  // namespace

std::string envDir() {
  const char* dir = std::getenv("WEBMON_TEST_ENV_DIR");
  return dir ? dir : "";
}

std::string readTrimmedFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read " + path + " (is the ctest fixture running?)");
  std::stringstream text;
  text << file.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

int postgresPort() { return std::stoi(readTrimmedFile(envDir() + "/pg.port")); }

std::string brokerBootstrap() { return readTrimmedFile(envDir() + "/broker.bootstrap"); }

std::string uniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() %
                        1000000);
}

ScratchDatabase::ScratchDatabase() : name_(uniqueName("webmon_test")) {
  pqxx::connection admin(adminConnectionString());
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE DATABASE " + name_ + " OWNER webmon");
}

ScratchDatabase::~ScratchDatabase() {
  try {
    pqxx::connection admin(adminConnectionString());
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& error) {
    std::fprintf(stderr, "warning: could not drop %s: %s\n", name_.c_str(), error.what());
  }
}

common::DbConfig ScratchDatabase::config() const {
  common::DbConfig config;
  config.host = "127.0.0.1";
  config.port = postgresPort();
  config.db_name = name_;
  config.user = "webmon";
  config.password = "webmon";
  config.sslmode = "disable";
  return config;
}

CommandResult runCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  std::size_t read = 0;
  while ((read = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), read);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace webmon::testing
