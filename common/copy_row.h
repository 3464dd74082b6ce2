#pragma once
// One row of report values for PostgreSQL's COPY, as the report's fields fill it.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/probe_report.h"

namespace webmon::common {

/// How many columns the report's fields fill (Kafka's topic, partition and offset, which the
/// consumer adds, and inserted_at, which PostgreSQL sets, are not among them).
inline constexpr std::size_t kReportColumns = 32;

/// The values of one row for COPY, filled by the fields in column order. A value is a C string
/// (nullptr is SQL NULL) that points into the report, into a name table, or into a buffer of
/// the row's own, kept from row to row so that writing a row allocates next to nothing.
class CopyRow {
 public:
  static constexpr std::size_t kColumns = kReportColumns;

  void text(const std::string& value) { put(value.c_str()); }
  void text(std::string_view name);  // a name from a table: copied into the row's buffer
  void null() { put(nullptr); }
  void boolean(bool value) { put(value ? "true" : "false"); }
  void integer(long long value);
  void number(double value);
  void time(SystemTime value);
  template <typename T>
  void optional(const std::optional<T>& value);

  /// Begins the next row; what the previous one pointed into may be reused.
  void reset() noexcept { next_ = 0; }
  const std::array<const char*, kColumns>& values() const noexcept { return values_; }
  std::size_t filled() const noexcept { return next_; }

 private:
  void put(const char* value);
  std::string& buffer() { return buffers_[next_]; }

  std::array<const char*, kColumns> values_{};
  std::array<std::string, kColumns> buffers_;
  std::size_t next_ = 0;
};

}  // namespace webmon::common
