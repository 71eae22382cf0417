// The plumbing the test servers here share (HttpsReceiver, ConnectProxy): a listening socket
// on a free port of one local address, and the threads that run the server's io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace hookd::test_support::detail {

// Opens `acceptor` on `address`, port 0, and listens; returns the port the system chose.
std::uint16_t listen_on_free_port(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address);

// Starts `count` (at least one) threads running `io`.
std::vector<std::thread> run_on_threads(boost::asio::io_context& io, int count);

// Stops `io` and joins `threads`. Pending sessions stay on `io` until it is destroyed.
void stop_and_join(boost::asio::io_context& io, std::vector<std::thread>& threads);

}  // namespace hookd::test_support::detail
