#include "delivery/tls_stream.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>

#include <boost/asio/ssl/error.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

namespace hookd::delivery {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// OpenSSL's socket BIO, but sending with MSG_NOSIGNAL: its write() to a socket the receiver
// has closed would raise SIGPIPE and end the process. Asio sends the same way.
// The BIO's data is the stream's TlsInbox (tls_stream.h).
TlsInbox& inbox_of(BIO* bio) { return *static_cast<TlsInbox*>(BIO_get_data(bio)); }

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

// SSL_get_error needs the thread's error queue empty before the call. OpenSSL 3.0's
// ERR_clear_error walks all sixteen slots and frees two strings in each even when the queue is
// already empty, as it is before nearly every call: looking first saves 32 calls to free a
// request (docs/benchmarks.md, "What a delivery still costs").
void empty_error_queue() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

int bio_write(BIO* bio, const char* data, std::size_t size, std::size_t* written) {
  BIO_clear_retry_flags(bio);
  const ssize_t sent = ::send(inbox_of(bio).socket, data, size, MSG_NOSIGNAL);
  if (sent < 0) {
    if (would_block(errno)) BIO_set_retry_write(bio);
    return 0;
  }
  *written = static_cast<std::size_t>(sent);
  return 1;
}

int bio_read(BIO* bio, char* out, std::size_t size, std::size_t* read) {
  BIO_clear_retry_flags(bio);
  auto& inbox = inbox_of(bio);
  if (!inbox.empty()) {
    const std::size_t taken = std::min(size, inbox.end - inbox.begin);
    std::memcpy(out, inbox.bytes.data() + inbox.begin, taken);
    inbox.begin += taken;
    *read = taken;
    return 1;
  }
  const ssize_t received = ::recv(inbox.socket, out, size, 0);
  if (received < 0) {
    if (would_block(errno)) BIO_set_retry_read(bio);
    return 0;
  }
  if (received == 0) {
    BIO_set_flags(bio, BIO_FLAGS_IN_EOF);  // how OpenSSL tells a close from an error
    return 0;
  }
  *read = static_cast<std::size_t>(received);
  return 1;
}

long bio_ctrl(BIO* bio, int command, long, void* out) {
  const auto& inbox = inbox_of(bio);
  switch (command) {
    case BIO_CTRL_FLUSH: return 1;  // nothing is buffered here
    case BIO_CTRL_EOF: return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    case BIO_CTRL_PENDING: return static_cast<long>(inbox.end - inbox.begin);
    case BIO_C_GET_FD:  // what a descriptor BIO answers: SSL_get_fd() finds the socket here
      if (out != nullptr) *static_cast<int*>(out) = inbox.socket;
      return inbox.socket;
    default: return 0;
  }
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* socket_method() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "hookd socket");
    if (m == nullptr || BIO_meth_set_write_ex(m, bio_write) != 1 || BIO_meth_set_read_ex(m, bio_read) != 1 ||
        BIO_meth_set_ctrl(m, bio_ctrl) != 1 || BIO_meth_set_create(m, bio_create) != 1) {
      throw std::bad_alloc();
    }
    return m;
  }();
  return method;
}

}  // namespace

TlsStream::TlsStream(asio::ip::tcp::socket& socket, asio::ssl::context& context)
    : socket_(socket),
      ssl_(SSL_new(context.native_handle()), SSL_free),
      deadline_(std::make_shared<Deadline>(socket.get_executor())) {
  if (!ssl_) throw std::bad_alloc();
  // Partial writes: a write returns once a record is out, as a stream's write_some should.
  SSL_set_mode(ssl_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                               SSL_MODE_RELEASE_BUFFERS);
  // Without read-ahead OpenSSL reads a record's 5-byte header and its body in two receives.
  SSL_set_read_ahead(ssl_.get(), 1);
  SSL_set_connect_state(ssl_.get());
}

TlsStream::~TlsStream() { deadline_->timer.cancel(); }

void TlsStream::expires_after(std::chrono::steady_clock::duration timeout) {
  expires_at(std::chrono::steady_clock::now() + timeout);
}

void TlsStream::expires_at(std::chrono::steady_clock::time_point deadline) {
  Deadline& state = *deadline_;
  state.expired = false;
  state.at = deadline;
  if (state.armed && state.timer.expiry() <= deadline) return;  // that wait looks again when it fires
  arm(deadline_, socket_, deadline);
}

void TlsStream::arm(const std::shared_ptr<Deadline>& state, asio::ip::tcp::socket& socket,
                    std::chrono::steady_clock::time_point when) {
  state->timer.expires_at(when);  // a wait pending for later ends with operation_aborted
  state->armed = true;
  state->timer.async_wait([weak = std::weak_ptr<Deadline>(state), &socket](const error_code& ec) {
    if (ec) return;  // moved to an earlier deadline (another wait is pending), or the stream is gone
    const auto alive = weak.lock();  // the stream, and so the socket, are gone without it
    if (!alive) return;
    Deadline& deadline = *alive;
    deadline.armed = false;
    if (deadline.at == std::chrono::steady_clock::time_point::max()) return;  // lifted meanwhile
    if (deadline.at > std::chrono::steady_clock::now()) return arm(alive, socket, deadline.at);  // moved on
    deadline.expired = true;
    error_code ignored;
    socket.cancel(ignored);  // the operation waiting on the socket ends with operation_aborted
  });
}

void TlsStream::expires_never() {
  deadline_->expired = false;
  deadline_->at = std::chrono::steady_clock::time_point::max();  // a pending wait finds none
}

asio::mutable_buffer TlsStream::gather_space() {
  thread_local std::array<char, 16 * 1024> space;  // a TLS record's largest plaintext
  return asio::buffer(space);
}

TlsStream::Attempt TlsStream::handshake_once() {
  if (!fd_attached_) {
    // OpenSSL sends and receives on the descriptor itself, and must never wait there: Asio
    // makes a socket non-blocking only at its first asynchronous operation.
    error_code ec;
    socket_.non_blocking(true, ec);
    if (ec) return {.next = Next::done, .error = ec};
    // The BIO never closes the descriptor: the socket stays Asio's.
    BIO* bio = BIO_new(socket_method());
    if (bio == nullptr) throw std::bad_alloc();
    inbox_.socket = socket_.native_handle();
    BIO_set_data(bio, &inbox_);
    SSL_set_bio(ssl_.get(), bio, bio);  // the SSL object owns it from here
    fd_attached_ = true;
  }
  empty_error_queue();
  const int ret = SSL_do_handshake(ssl_.get());
  const int saved_errno = errno;
  if (ret == 1) return {};
  return finish_call(ret, saved_errno);
}

template <class Call>
TlsStream::Attempt TlsStream::transfer(Call call) {
  empty_error_queue();
  std::size_t bytes = 0;
  const int ret = call(ssl_.get(), &bytes);
  const int saved_errno = errno;
  if (ret == 1) return {Next::done, {}, bytes};
  return finish_call(ret, saved_errno);
}

TlsStream::Attempt TlsStream::read_once(asio::mutable_buffer buffer) {
  return transfer([&](SSL* ssl, std::size_t* bytes) { return SSL_read_ex(ssl, buffer.data(), buffer.size(), bytes); });
}

TlsStream::Attempt TlsStream::write_once(asio::const_buffer buffer) {
  if (buffer.size() == 0) return {};
  return transfer([&](SSL* ssl, std::size_t* bytes) { return SSL_write_ex(ssl, buffer.data(), buffer.size(), bytes); });
}

TlsStream::Attempt TlsStream::finish_call(int ret, int saved_errno) {
  switch (SSL_get_error(ssl_.get(), ret)) {
    case SSL_ERROR_WANT_READ:
      return {Next::wait_read, {}, 0};
    case SSL_ERROR_WANT_WRITE:
      return {Next::wait_write, {}, 0};
    case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
      return {Next::done, asio::error::eof, 0};
    case SSL_ERROR_SYSCALL:
      if (saved_errno != 0) return {Next::done, error_code(saved_errno, boost::system::system_category()), 0};
      return {Next::done, asio::ssl::error::stream_truncated, 0};
    case SSL_ERROR_SSL: {
      const unsigned long error = ERR_get_error();
      // OpenSSL 3 reports a close without close_notify this way; Asio calls it stream_truncated.
      if (ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        return {Next::done, asio::ssl::error::stream_truncated, 0};
      }
      return {Next::done, error_code(static_cast<int>(error), asio::error::get_ssl_category()), 0};
    }
    default:
      return {Next::done, asio::error::fault, 0};
  }
}

}  // namespace hookd::delivery
