// The report's field table (common/report_fields.h) against the schema the migrations build:
// every column the table fills exists with the type the table says, every column of `reports`
// is filled by the table (or is one the consumer or PostgreSQL sets), and the CHECK constraints
// allow exactly the names of the enum tables (common/probe_enums.h). A field added to one
// side and not the other fails here, not in production.

#include "common/report_fields.h"

#include <gtest/gtest.h>

#include <map>
#include <pqxx/pqxx>
#include <regex>
#include <set>

#include "common/probe_enums.h"
#include "consumer/report_writer.h"
#include "tests/support/test_env.h"

namespace webmon::consumer {
namespace {

class ReportFieldsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WEBMON_REQUIRE_TEST_ENV();
    db_ = std::make_unique<testing::ScratchDatabase>();
    ReportWriter writer(db_->config());
    writer.migrate();
    connection_ = std::make_unique<pqxx::connection>(db_->connectionString());
  }

  // reports' columns and their information_schema data types.
  std::map<std::string, std::string> liveColumns() {
    pqxx::nontransaction tx(*connection_);
    std::map<std::string, std::string> columns;
    for (const auto& row : tx.exec("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name = 'reports'")) {
      columns[row[0].as<std::string>()] = row[1].as<std::string>();
    }
    return columns;
  }

  // The quoted values a CHECK constraint allows: "status IN ('up', 'down')" -> {up, down}.
  std::set<std::string> allowedBy(const std::string& constraint) {
    pqxx::nontransaction tx(*connection_);
    const auto rows =
        tx.exec("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = " +
                tx.quote(constraint));
    if (rows.empty()) return {};
    const std::string definition = rows[0][0].as<std::string>();
    std::set<std::string> values;
    const std::regex quoted("'([^']*)'");
    for (auto it = std::sregex_iterator(definition.begin(), definition.end(), quoted);
         it != std::sregex_iterator(); ++it) {
      values.insert((*it)[1].str());
    }
    return values;
  }

  template <typename Names>
  static std::set<std::string> namesOf(const Names& table) {
    return {table.all().begin(), table.all().end()};
  }

  std::unique_ptr<testing::ScratchDatabase> db_;
  std::unique_ptr<pqxx::connection> connection_;
};

TEST_F(ReportFieldsTest, EveryColumnOfTheTableExistsWithItsType) {
  const auto live = liveColumns();
  std::size_t columns = 0;
  for (const auto& field : common::reportFields()) {
    for (std::size_t i = 0; i < field.column_count; ++i) {
      const auto& column = field.columns[i];
      ++columns;
      auto found = live.find(std::string(column.name));
      ASSERT_NE(found, live.end()) << "field " << field.key << ": no column " << column.name;
      EXPECT_EQ(found->second, column.type) << "column " << column.name;
    }
  }
  EXPECT_EQ(columns, common::kReportColumns);
}

TEST_F(ReportFieldsTest, EveryColumnOfReportsIsFilledByTheTableOrBySomeoneElseOnPurpose) {
  std::set<std::string> filled;
  for (const auto name : common::reportColumnNames()) filled.insert(std::string(name));
  // The consumer adds where it read the report; PostgreSQL stamps when it stored it.
  const std::set<std::string> others = {"kafka_topic", "kafka_partition", "kafka_offset",
                                        "inserted_at"};
  for (const auto& [column, type] : liveColumns()) {
    EXPECT_TRUE(filled.count(column) || others.count(column))
        << "reports." << column << " (" << type << ") is filled by no field of the report";
  }
}

TEST_F(ReportFieldsTest, CheckConstraintsAllowExactlyTheNamesOfTheEnumTables) {
  EXPECT_EQ(allowedBy("reports_probe_type_known"), namesOf(common::kProbeTypes));
  EXPECT_EQ(allowedBy("reports_status_known"), namesOf(common::kProbeStatuses));
}

}  // namespace
}  // namespace webmon::consumer
