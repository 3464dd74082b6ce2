#include "consumer/postgres_messages.h"

#include "common/config.h"

namespace webmon::consumer {
namespace {

std::string tlsHint(const std::string& libpq_message) {
  if (libpq_message.find("certificate verify failed") != std::string::npos) {
    return " (db.sslrootcert must be the CA that signed the server's certificate)";
  }
  if (libpq_message.find("does not match host name") != std::string::npos) {
    return " (with sslmode verify-full, db.host must be a name the server's certificate "
           "lists; use that name, or sslmode verify-ca to check the CA only)";
  }
  if (libpq_message.find("root certificate file") != std::string::npos) {
    return " (db.sslrootcert must name a readable PEM file)";
  }
  return "";
}

}  // namespace

std::string connectionFailureMessage(const std::string& libpq_message) {
  std::string first_line = libpq_message.substr(0, libpq_message.find('\n'));
  return common::maskPassword(first_line) + tlsHint(first_line);
}

}  // namespace webmon::consumer
