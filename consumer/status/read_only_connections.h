#pragma once
// The status API's own PostgreSQL sessions: read-only, with a statement timeout, kept apart
// from the writer's and the dispatcher's, so a page view never waits on ingest and ingest
// never waits on a page view. A few are kept open between requests; a broken one is dropped.

#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <pqxx/except>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/config.h"

namespace webmon::consumer::status {

/// PostgreSQL cannot be reached or failed the query: the API answers 503 with `what()`.
class DatabaseUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ReadOnlyConnections {
 public:
  explicit ReadOnlyConnections(common::DbConfig db, std::size_t keep_idle = 4);

  /// A connection lent for one request; returned to the pool when the lease ends, unless
  /// `discard()` was called (it failed, so its state is unknown).
  class Lease {
   public:
    Lease(ReadOnlyConnections& pool, std::unique_ptr<pqxx::connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    pqxx::connection& operator*() const { return *connection_; }
    void discard() { connection_.reset(); }

   private:
    ReadOnlyConnections& pool_;
    std::unique_ptr<pqxx::connection> connection_;
  };

  /// An idle connection, or a new one; throws DatabaseUnavailable when none can be opened.
  Lease acquire();

  const common::DbConfig& db() const noexcept { return db_; }

 private:
  void giveBack(std::unique_ptr<pqxx::connection> connection);

  common::DbConfig db_;
  std::size_t keep_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
};

/// Whether `error` says PostgreSQL is away or refusing work (SQLSTATE classes 08 connection,
/// 53 resources, 57 shutdown or statement timeout), rather than that the query is wrong.
bool meansUnavailable(const pqxx::sql_error& error);

/// Runs `query(connection)` on a leased connection. PostgreSQL being away (connection lost,
/// statement timeout, a server shutting down) becomes DatabaseUnavailable, a 503; any other
/// error is a bug of ours and goes on up as it is, a 500. A failed connection is not reused,
/// and a kept one found broken (PostgreSQL restarted since) is replaced once before giving up.
template <typename Query>
auto withConnection(ReadOnlyConnections& pool, Query&& query) {
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.acquire();
    try {
      return query(*lease);
    } catch (const pqxx::broken_connection& error) {
      lease.discard();
      if (attempt == 1) continue;
      throw DatabaseUnavailable(std::string("postgres connection lost: ") + error.what());
    } catch (const pqxx::sql_error& error) {
      lease.discard();
      if (meansUnavailable(error)) {
        throw DatabaseUnavailable(std::string("postgres refused the query: ") + error.what());
      }
      throw;
    }
  }
}

}  // namespace webmon::consumer::status
