#pragma once
// Every field of the report, described once: its JSON key, the columns of `reports` it fills
// (name and type), and how it is encoded, decoded (with its bounds) and stored. The encoder,
// the decoder and the consumer's COPY all walk this one table, so a field cannot be encoded
// and forgotten by the writer, and a value cannot land in another field's column: each row of
// the table names its columns next to the code that fills them. tests/integration/
// report_fields_test.cpp checks the table against the live schema (information_schema).

#include <array>
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>
#include <string_view>

#include "common/copy_row.h"
#include "common/probe_report.h"

namespace webmon::common {

/// A column of `reports`, with its type as information_schema.columns.data_type says it.
struct ReportColumn {
  std::string_view name;
  std::string_view type;
};

struct ReportField {
  std::string_view key;  // the JSON key; "timings" holds four
  std::array<ReportColumn, 5> columns;
  std::size_t column_count;
  /// Adds the field to the report's JSON; optional fields the report lacks are left out.
  void (*encode)(const ProbeReport& report, nlohmann::json& json);
  /// Reads the field into `report`; false, with `reason` set, when the JSON breaks its rule.
  /// Fields are read in table order, so a rule may look at fields read before it.
  bool (*decode)(const nlohmann::json& json, ProbeReport& report, std::string& reason);
  /// Appends the field's column values, one per column.
  void (*store)(const ProbeReport& report, CopyRow& row);
};

/// The fields, in the order they are read and their columns are stored.
std::span<const ReportField> reportFields();

/// The columns, in the order CopyRow fills them.
std::array<std::string_view, kReportColumns> reportColumnNames();

}  // namespace webmon::common
