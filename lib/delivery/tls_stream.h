// TLS over a connected TCP socket, with OpenSSL reading and writing the socket itself.
//
// Why not asio::ssl::stream: it passes every record through a BIO pair and two buffers of its
// own, four fixed 17 KB buffers a connection that a pooled idle connection keeps, and copies
// each record twice on the way. Here OpenSSL reads and writes the socket itself (its BIO,
// read-ahead on); Asio waits for the socket, and the receive that ends a wait hands its bytes
// (at most 512) to OpenSSL, so a short response costs one receive, not a wait and a receive
// (docs/benchmarks.md, "Signing without re-keying OpenSSL, one receive a response"). An idle
// connection holds its SSL state and a 512-byte inbox: SSL_MODE_RELEASE_BUFFERS gives OpenSSL's
// record buffers back between requests (docs/endpoints.md, "Idle connections";
// docs/benchmarks.md for what it bought).
//
// It is an AsyncStream for Beast's HTTP reads and writes. Like beast::tcp_stream it has one
// deadline for whatever runs until it is changed: an operation that meets it ends with
// beast::error::timeout. Errors are those asio::ssl::stream gives: a close_notify reads as
// asio::error::eof, a close without one as asio::ssl::error::stream_truncated, OpenSSL's own
// errors in Asio's SSL category.
//
// Single-threaded like the rest of a connection: every call and completion on its executor.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>

namespace hookd::delivery {

// What a TlsStream's OpenSSL reads through its BIO (the BIO's data points here): the socket,
// after the bytes the stream's last wait received that OpenSSL has not taken yet. Small, since
// an idle pooled connection keeps it: a longer answer is read on from the socket.
struct TlsInbox {
  int socket = -1;
  std::array<char, 512> bytes;
  std::size_t begin = 0;
  std::size_t end = 0;
  bool empty() const { return begin == end; }
};

class TlsStream {
 public:
  using executor_type = boost::asio::any_io_executor;

  // `socket` must outlive the stream and be connected before the handshake.
  TlsStream(boost::asio::ip::tcp::socket& socket, boost::asio::ssl::context& context);
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;
  ~TlsStream();

  executor_type get_executor() { return socket_.get_executor(); }
  SSL* native_handle() { return ssl_.get(); }

  // The deadline of every operation from now on; expires_never() lifts it. A lifted or later
  // deadline leaves the timer's wait pending until its time (so io_context::run() does not
  // return before then); destroying the stream cancels it.
  void expires_after(std::chrono::steady_clock::duration timeout);
  void expires_at(std::chrono::steady_clock::time_point deadline);
  void expires_never();

  // Client handshake. Set SNI and the peer identity on native_handle() first.
  template <class Token>
  auto async_handshake(Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        Operation<Action::handshake, boost::asio::mutable_buffer>{this, {}}, token, socket_);
  }

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Operation<Action::read, MutableBufferSequence>{this, buffers}, token, socket_);
  }

  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        Operation<Action::write, ConstBufferSequence>{this, buffers}, token, socket_);
  }

 private:
  enum class Action { handshake, read, write };
  // What one attempt of an OpenSSL call asks for next.
  enum class Next { done, wait_read, wait_write };
  struct Attempt {
    Next next = Next::done;
    boost::system::error_code error;
    std::size_t bytes = 0;
  };

  Attempt handshake_once();
  Attempt read_once(boost::asio::mutable_buffer buffer);
  Attempt write_once(boost::asio::const_buffer buffer);
  // One SSL_read_ex or SSL_write_ex, `call(ssl, &bytes)`, and what it asks for next.
  template <class Call>
  Attempt transfer(Call call);
  Attempt finish_call(int ret, int saved_errno);
  bool expired() const { return deadline_->expired; }

  // Beast hands a request over as many small pieces (start line, fields, body). They are copied
  // into one buffer of up to a TLS record's 16 KB, so a request goes out in one record and one
  // send rather than a record per piece. One piece is written as it is. The copy is redone
  // when a write is retried, so the buffer is per thread, not per connection (OpenSSL accepts
  // the same bytes at a new address: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
  static boost::asio::mutable_buffer gather_space();
  template <class ConstBufferSequence>
  static boost::asio::const_buffer gather(const ConstBufferSequence& buffers) {
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    while (it != end && boost::asio::const_buffer(*it).size() == 0) ++it;
    if (it == end) return {};
    auto next = it;
    ++next;
    if (next == end) return boost::asio::const_buffer(*it);
    const boost::asio::mutable_buffer space = gather_space();
    std::size_t used = 0;
    for (; it != end && used < space.size(); ++it) {
      used += boost::asio::buffer_copy(space + used, boost::asio::const_buffer(*it));
    }
    return {space.data(), used};
  }

  // Waits until the socket is readable, without an epoll_ctl per wait: a receive, which Asio
  // tries at once and otherwise parks on the edge-triggered registration (a bare wait would
  // miss an edge that came before it). What it receives is OpenSSL's next input (the BIO reads
  // `inbox_` before the socket), so waiting and reading a response are one receive.
  // It completes into Operation's (error, bytes) call.
  template <class Handler>
  void wait_readable(Handler&& handler) {
    if (!inbox_.empty()) {  // OpenSSL has input waiting already: no wait, nothing received
      return boost::asio::post(boost::asio::append(std::forward<Handler>(handler), boost::system::error_code{},
                                                   std::size_t{0}));
    }
    inbox_.begin = inbox_.end = 0;
    socket_.async_receive(boost::asio::buffer(inbox_.bytes), std::forward<Handler>(handler));
  }

  template <Action action, class Buffers>
  struct Operation {
    TlsStream* stream;
    Buffers buffers;
    bool started = false;
    Attempt result{};

    // The first call, and the posted completion of an attempt that finished at once.
    template <class Self>
    void operator()(Self& self) {
      if (started) return complete(self);
      started = true;
      attempt(self, true);
    }
    // After waiting for the socket to be readable (the receive).
    template <class Self>
    void operator()(Self& self, boost::system::error_code wait_error, std::size_t received) {
      stream->inbox_.end += received;
      // Bytes, or the peer's close: OpenSSL reads and classifies either (a closed socket reads
      // as closed again).
      if (wait_error == boost::asio::error::eof) wait_error = {};
      (*this)(self, wait_error);
    }
    // After waiting for the socket (to be writable, or readable as above).
    template <class Self>
    void operator()(Self& self, boost::system::error_code wait_error) {
      if (wait_error) {
        result.error = wait_error == boost::asio::error::operation_aborted && stream->expired()
                           ? boost::system::error_code(boost::beast::error::timeout)
                           : wait_error;
        return complete(self);
      }
      attempt(self, false);
    }

    template <class Self>
    void attempt(Self& self, bool first) {
      if (stream->expired()) {
        result.error = boost::beast::error::timeout;
      } else if (action == Action::read && first && SSL_has_pending(stream->ssl_.get()) == 0 &&
                 stream->inbox_.empty()) {
        // Nothing buffered: the bytes can only come from the socket, and right after a request
        // they are not there yet. Waiting first saves the receive that would say so.
        return stream->wait_readable(std::move(self));
      } else {
        result = run();
        if (result.next == Next::wait_read) return stream->wait_readable(std::move(self));
        if (result.next == Next::wait_write) {
          return stream->socket_.async_wait(boost::asio::socket_base::wait_write, std::move(self));
        }
      }
      // Never complete inside the initiating call: post, as Asio's own operations do.
      if (first) return boost::asio::post(std::move(self));
      complete(self);
    }

    Attempt run() {
      if constexpr (action == Action::handshake) {
        return stream->handshake_once();
      } else if constexpr (action == Action::read) {
        for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
          if (boost::asio::mutable_buffer piece(*it); piece.size() > 0) return stream->read_once(piece);
        }
        return {};
      } else {
        return stream->write_once(gather(buffers));
      }
    }

    template <class Self>
    void complete(Self& self) {
      if constexpr (action == Action::handshake) {
        self.complete(result.error);
      } else {
        self.complete(result.error, result.error ? 0 : result.bytes);
      }
    }
  };

  // The deadline's state outlives the stream for a timer handler already queued.
  //
  // Each exchange sets a deadline and lifts it, and cancelling the timer each time cost two
  // handler runs an exchange on the strand. So the timer is moved lazily: a wait already
  // pending for no later than the new deadline is left as it is, and when it fires it compares
  // the deadline as it is then with the time, and waits again if the deadline moved on.
  struct Deadline {
    explicit Deadline(const executor_type& executor) : timer(executor) {}
    boost::asio::steady_timer timer;
    std::chrono::steady_clock::time_point at = std::chrono::steady_clock::time_point::max();  // max: none
    bool armed = false;  // a wait is pending on `timer`, until timer.expiry()
    bool expired = false;
  };
  // Waits on `state`'s timer until `when`, then ends the socket's operations if the deadline
  // has passed by then.
  static void arm(const std::shared_ptr<Deadline>& state, boost::asio::ip::tcp::socket& socket,
                  std::chrono::steady_clock::time_point when);

  boost::asio::ip::tcp::socket& socket_;
  std::unique_ptr<SSL, void (*)(SSL*)> ssl_;
  std::shared_ptr<Deadline> deadline_;
  bool fd_attached_ = false;
  TlsInbox inbox_;
};

}  // namespace hookd::delivery
