#include "common/shutdown_signal.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>

namespace webmon::common {
namespace {

// Signal handlers may only touch lock-free atomics and call async-signal-safe functions.
std::atomic<bool> g_requested{false};
std::atomic<int> g_signal{0};
int g_pipe[2] = {-1, -1};

extern "C" void onSignal(int number) {
  g_signal.store(number);
  if (!g_requested.exchange(true)) {
    const char byte = 1;
    [[maybe_unused]] auto written = write(g_pipe[1], &byte, 1);
  }
}

}  // namespace

ShutdownSignal::ShutdownSignal() {
  if (pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error("cannot create the shutdown pipe");
  }
  g_requested = false;
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  // A peer closing a socket must not kill us.
  std::signal(SIGPIPE, SIG_IGN);
}

ShutdownSignal::~ShutdownSignal() {
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGINT, SIG_DFL);
  close(g_pipe[0]);
  close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
}

bool ShutdownSignal::requested() const noexcept { return g_requested.load(); }
int ShutdownSignal::fd() const noexcept { return g_pipe[0]; }
void ShutdownSignal::request() noexcept { onSignal(0); }
int ShutdownSignal::signalNumber() const noexcept { return g_signal.load(); }

void ShutdownSignal::sleepFor(std::chrono::milliseconds delay) const noexcept {
  pollfd item{fd(), POLLIN, 0};
  ::poll(&item, 1, static_cast<int>(delay.count()));
}

}  // namespace webmon::common
