// StatusServer's lifetime: a service may stop milliseconds after it started (a missing Kafka
// topic), and its status server must stop with it.

#include "common/status_server.h"

#include <gtest/gtest.h>

namespace webmon::common {
namespace {

// cpp-httplib ignores stop() until its listening thread has begun: destroyed right after it
// was made, the server used to wait for ever (this test then hangs until ctest's timeout).
TEST(StatusServer, StopsWhenDestroyedRightAfterItStarted) {
  metrics::Registry registry;
  for (int i = 0; i < 100; ++i) {
    StatusServer server("127.0.0.1:0", "producer.metrics_listen", registry,
                        [] { return Health{}; });
    EXPECT_GT(server.port(), 0);
  }
}

}  // namespace
}  // namespace webmon::common
