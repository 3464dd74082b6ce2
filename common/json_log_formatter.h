#pragma once
// Log lines as JSON objects, one per line, for log shippers (logging.format = "json"):
//   {"time":"2026-11-25T08:40:01.123Z","level":"warning","service":"producer","message":"..."}
// The message is escaped as JSON requires; bytes that are not UTF-8 become U+FFFD, so a
// hostile URL in a message cannot break the line.

#include <spdlog/formatter.h>

#include <string>

namespace webmon::common {

class JsonLineFormatter : public spdlog::formatter {
 public:
  explicit JsonLineFormatter(std::string service) : service_(std::move(service)) {}
  void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  std::string service_;
};

}  // namespace webmon::common
