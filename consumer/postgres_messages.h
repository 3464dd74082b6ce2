#pragma once
// What the consumer may show of libpq's connection errors. Their later lines can quote the
// connection string, password included, and their first line names a TLS failure without the
// setting behind it.

#include <string>

namespace webmon::consumer {

/// The first line of a libpq connection error, any password masked, followed by the db.*
/// setting to check when the failure is about the server's certificate.
std::string connectionFailureMessage(const std::string& libpq_message);

}  // namespace webmon::consumer
