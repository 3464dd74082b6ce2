#pragma once
// The SQL schema, versioned: sql/migrations/NNN_name.sql files are compiled into the binary
// (so an installed consumer needs no source tree) and applied in order, each exactly once.

#include <pqxx/connection>
#include <string>
#include <vector>

namespace webmon::consumer {

struct Migration {
  int version;       // NNN from the file name
  std::string name;  // the file name
  std::string sql;
};

/// The migrations built into this binary, ordered by version.
const std::vector<Migration>& builtInMigrations();

/// Applies every migration not yet recorded in schema_migrations, in one transaction, under
/// an advisory lock so two consumers starting together do not race. Returns how many ran.
int applyMigrations(pqxx::connection& connection, const std::vector<Migration>& migrations);

}  // namespace webmon::consumer
