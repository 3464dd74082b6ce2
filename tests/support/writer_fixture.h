#pragma once
// A ReportWriter on a scratch database of its own, with the schema applied, and a second
// connection that sees only what was committed: for the writer's integration tests.

#include <gtest/gtest.h>

#include <memory>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <string>

#include "consumer/migrations.h"
#include "consumer/report_writer.h"
#include "tests/support/test_env.h"

namespace webmon::testing {

/// The single number `sql` selects, read on `connection`.
inline long long count(pqxx::connection& connection, const std::string& sql) {
  pqxx::nontransaction tx(connection);
  return tx.exec(sql)[0][0].as<long long>();
}

class WriterFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    WEBMON_REQUIRE_TEST_ENV();
    db_ = std::make_unique<ScratchDatabase>();
    writer_ = std::make_unique<consumer::ReportWriter>(db_->config());
    ASSERT_EQ(writer_->migrate(), static_cast<int>(consumer::builtInMigrations().size()));
    check_ = std::make_unique<pqxx::connection>(db_->connectionString());
  }
  std::unique_ptr<ScratchDatabase> db_;
  std::unique_ptr<consumer::ReportWriter> writer_;
  std::unique_ptr<pqxx::connection> check_;  // a second connection sees only committed rows
};

}  // namespace webmon::testing
