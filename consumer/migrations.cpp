#include "consumer/migrations.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <pqxx/transaction>
#include <stdexcept>

namespace webmon::consumer {

std::vector<std::pair<std::string, std::string>> embeddedMigrationFiles();  // generated

namespace {

// Any constant works; it only has to be the same in every consumer.
constexpr long long kMigrationLockKey = 0x7765626d6f6e;  // "webmon"

std::vector<Migration> parseMigrations() {
  std::vector<Migration> migrations;
  for (auto& [name, sql] : embeddedMigrationFiles()) {
    const auto digits = name.find_first_not_of("0123456789");
    if (digits == 0 || digits == std::string::npos || name[digits] != '_') {
      throw std::logic_error("migration file " + name + " must be named NNN_description.sql");
    }
    migrations.push_back(Migration{std::stoi(name.substr(0, digits)), name, sql});
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  return migrations;
}

}  // namespace

const std::vector<Migration>& builtInMigrations() {
  static const std::vector<Migration> migrations = parseMigrations();
  return migrations;
}

int applyMigrations(pqxx::connection& connection, const std::vector<Migration>& migrations) {
  pqxx::work tx(connection, "webmon-migrate");
  tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
  tx.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, name text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  int newest_applied = 0;
  const auto result = tx.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  newest_applied = result[0][0].as<int>();
  int applied = 0;
  for (const auto& migration : migrations) {
    if (migration.version <= newest_applied) continue;
    spdlog::info("applying schema migration {}", migration.name);
    tx.exec(migration.sql);
    tx.exec("INSERT INTO schema_migrations (version, name) VALUES (" +
            std::to_string(migration.version) + ", " + tx.quote(migration.name) + ")");
    ++applied;
  }
  tx.commit();
  return applied;
}

}  // namespace webmon::consumer
