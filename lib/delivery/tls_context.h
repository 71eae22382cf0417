// The TLS client configuration shared by every outgoing connection.
#pragma once

#include <string>

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

namespace hookd::delivery {

// TLS 1.2 or newer, peer verification against the system's default CAs plus, when
// `extra_ca_file` is not empty, the PEM certificates in it. Throws std::runtime_error naming
// the file when it cannot be loaded: a bad ca_file is a start-up error, never a delivery error.
// Idle connections hold no record buffers (SSL_MODE_RELEASE_BUFFERS; delivery/tls_stream.h
// holds none of its own): a pool keeps up to max_in_flight_per_origin keep-alive connections
// per origin, and their buffers were most of a worker's growth after a backlog
// (docs/benchmarks.md, "Soak").
boost::asio::ssl::context make_client_tls_context(const std::string& extra_ca_file);

// Per connection, before the handshake: SNI (for names only, as RFC 6066 asks) and the
// identity OpenSSL checks during chain verification: the DNS name, or the IP address for an
// IP literal (matched against IP SANs). Returns false when OpenSSL refuses the settings.
bool set_peer_identity(SSL* ssl, const std::string& host);

}  // namespace hookd::delivery
