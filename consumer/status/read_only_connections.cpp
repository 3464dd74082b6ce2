#include "consumer/status/read_only_connections.h"

#include <spdlog/spdlog.h>

#include <pqxx/except>
#include <pqxx/nontransaction>

namespace webmon::consumer::status {

bool meansUnavailable(const pqxx::sql_error& error) {
  const std::string state = error.sqlstate();
  return state.rfind("08", 0) == 0 || state.rfind("53", 0) == 0 || state.rfind("57", 0) == 0;
}

ReadOnlyConnections::ReadOnlyConnections(common::DbConfig db, std::size_t keep_idle)
    : db_(std::move(db)), keep_idle_(keep_idle) {}

ReadOnlyConnections::Lease::~Lease() {
  if (connection_ && connection_->is_open()) pool_.giveBack(std::move(connection_));
}

void ReadOnlyConnections::giveBack(std::unique_ptr<pqxx::connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < keep_idle_) idle_.push_back(std::move(connection));
}

ReadOnlyConnections::Lease ReadOnlyConnections::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(connection));
    }
  }
  try {
    auto connection = std::make_unique<pqxx::connection>(db_.connectionString());
    pqxx::nontransaction session(*connection);
    // Read-only: the API cannot change a row even through a bug. The timeout keeps a slow
    // query from holding a worker (and a connection) for ever; 10 s is far above any answer
    // measured with 10,000 URLs.
    session.exec(
        "SET default_transaction_read_only = on; SET statement_timeout = '10s'; "
        "SET application_name = 'webmon-status'");
    return Lease(*this, std::move(connection));
  } catch (const pqxx::failure& error) {
    // The reason goes to API clients and the page: the libpq error, not the address and user.
    spdlog::warn("status API: cannot reach postgres at {}: {}", db_.describe(), error.what());
    throw DatabaseUnavailable(std::string("cannot reach postgres: ") + error.what());
  }
}

}  // namespace webmon::consumer::status
