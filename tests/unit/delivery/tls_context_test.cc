#include "delivery/tls_context.h"

#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

namespace hookd::delivery {
namespace {

struct SslDeleter {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};

TEST(TlsContext, ConnectionsVerifyThePeerOverTls12OrNewer) {
  auto context = make_client_tls_context("");
  std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(context.native_handle()));
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(SSL_get_verify_mode(ssl.get()) & SSL_VERIFY_PEER, SSL_VERIFY_PEER);
  EXPECT_EQ(SSL_get_min_proto_version(ssl.get()), TLS1_2_VERSION);
}

// An idle keep-alive connection gives its record buffers back (docs/benchmarks.md, "Soak").
TEST(TlsContext, IdleConnectionsReleaseTheirBuffers) {
  auto context = make_client_tls_context("");
  std::unique_ptr<SSL, SslDeleter> ssl(SSL_new(context.native_handle()));
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(SSL_get_mode(ssl.get()) & SSL_MODE_RELEASE_BUFFERS, SSL_MODE_RELEASE_BUFFERS);
}

TEST(TlsContext, AnUnreadableCaFileIsAnErrorNamingIt) {
  try {
    make_client_tls_context("/nonexistent/ca.pem");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ca.pem"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hookd::delivery
