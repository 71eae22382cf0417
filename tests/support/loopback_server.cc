#include "support/loopback_server.h"

#include <algorithm>

namespace hookd::test_support::detail {

namespace asio = boost::asio;

std::uint16_t listen_on_free_port(asio::ip::tcp::acceptor& acceptor, const std::string& address) {
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address), 0);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  return acceptor.local_endpoint().port();
}

std::vector<std::thread> run_on_threads(asio::io_context& io, int count) {
  std::vector<std::thread> threads;
  for (int i = 0; i < std::max(1, count); ++i) threads.emplace_back([&io] { io.run(); });
  return threads;
}

void stop_and_join(asio::io_context& io, std::vector<std::thread>& threads) {
  io.stop();
  for (auto& thread : threads) thread.join();
  threads.clear();
}

}  // namespace hookd::test_support::detail
