#include "delivery/tls_context.h"

#include <boost/asio/ip/address.hpp>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace hookd::delivery {

boost::asio::ssl::context make_client_tls_context(const std::string& extra_ca_file) {
  namespace ssl = boost::asio::ssl;
  ssl::context context(ssl::context::tls_client);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  // About 34 KB less per idle pooled connection, for two allocations per request.
  SSL_CTX_set_mode(context.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  boost::system::error_code ec;
  context.set_default_verify_paths(ec);
  if (ec) throw std::runtime_error("cannot load the system CA certificates: " + ec.message());
  if (!extra_ca_file.empty()) {
    context.load_verify_file(extra_ca_file, ec);
    if (ec) throw std::runtime_error("cannot load delivery.ca_file '" + extra_ca_file + "': " + ec.message());
  }
  context.set_verify_mode(ssl::verify_peer);
  return context;
}

bool set_peer_identity(SSL* ssl, const std::string& host) {
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(host, not_ip);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (!not_ip) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(ssl, host.c_str()) == 1 && SSL_set_tlsext_host_name(ssl, host.c_str()) == 1;
}

}  // namespace hookd::delivery
