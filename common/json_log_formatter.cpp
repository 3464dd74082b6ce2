#include "common/json_log_formatter.h"

#include <fmt/chrono.h>
#include <spdlog/details/log_msg.h>

#include <nlohmann/json.hpp>

namespace webmon::common {

void JsonLineFormatter::format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& out) {
  const auto since_epoch = message.time.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  const std::time_t as_time_t = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&as_time_t, &utc);
  nlohmann::ordered_json line;
  line["time"] = fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", utc, millis.count());
  const auto level = spdlog::level::to_string_view(message.level);
  line["level"] = std::string(level.data(), level.size());
  line["service"] = service_;
  line["message"] = std::string(message.payload.data(), message.payload.size());
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.append(text.data(), text.data() + text.size());
  out.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonLineFormatter::clone() const {
  return std::make_unique<JsonLineFormatter>(service_);
}

}  // namespace webmon::common
