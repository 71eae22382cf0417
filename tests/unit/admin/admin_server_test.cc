#include "admin/admin_server.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <atomic>

namespace hookd::admin {
namespace {

namespace http = boost::beast::http;

http::response<http::string_body> get(unsigned short port, const std::string& target) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  return res;
}

TEST(AdminServer, ServesMetricsAndProbes) {
  auto registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter().Name("hookd_test_total").Help("t").Register(*registry).Add({}).Increment(3);
  std::atomic<bool> ready{false};
  AdminServer server("127.0.0.1", 0, registry, Probes{[] { return true; }, [&] { return ready.load(); }});
  ASSERT_NE(server.port(), 0);

  auto metrics = get(server.port(), "/metrics");
  EXPECT_EQ(metrics.result_int(), 200);
  EXPECT_NE(metrics.body().find("hookd_test_total 3"), std::string::npos) << metrics.body();

  EXPECT_EQ(get(server.port(), "/healthz").result_int(), 200);
  EXPECT_EQ(get(server.port(), "/readyz").result_int(), 503);
  ready = true;
  EXPECT_EQ(get(server.port(), "/readyz").result_int(), 200);
  EXPECT_EQ(get(server.port(), "/nope").result_int(), 404);
}

TEST(AdminServer, BindFailureThrows) {
  auto registry = std::make_shared<prometheus::Registry>();
  AdminServer first("127.0.0.1", 0, registry, {});
  EXPECT_THROW(AdminServer("127.0.0.1", first.port(), registry, {}), boost::system::system_error);
}

}  // namespace
}  // namespace hookd::admin
