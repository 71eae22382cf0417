// A request's own headers, held as they go on the wire: "name: value\r\n" lines in one buffer.
//
// Each header is checked as it is added, on the thread that built it, and one that cannot be
// sent as it is never enters the buffer: the set is refused instead, and an attempt with a
// refused set ends `blocked` before any connection is used (docs/contract.md). The request head
// (delivery/request_head.h) then appends the buffer in one copy. One allocation for the set,
// where a vector of string pairs took one for the vector and one for most names and values
// (docs/benchmarks.md, "What a delivery still costs").
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

namespace hookd::delivery {

// Whether a header may be sent as it is. The request head is written byte for byte, so a CR or
// LF in a value would end the header there and start another (or the body). Names must be
// RFC 9110 tokens; values may hold any byte but the controls (0x00-0x1F except HTAB, and
// 0x7F). A value is never cleaned up, since the signature covers some of them.
bool valid_header_name(std::string_view name);
bool valid_header_value(std::string_view value);
// Whether hookd writes this header itself (Host, Content-Length, Transfer-Encoding), so a
// caller may not (case-insensitive).
bool framing_header(std::string_view name);

class RequestHeaders {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;  // name, value

  RequestHeaders() = default;
  RequestHeaders(std::initializer_list<value_type> headers);

  // Adds a header after the others. One that breaks the rules above is left out and refuses
  // the set; only the first refusal is kept.
  void add(std::string_view name, std::string_view value);
  void reserve(std::size_t bytes) { wire_.reserve(bytes); }

  // Empty while every header added is in the set; else why the first one was refused, naming
  // the header (or "name" when the name itself is unusable) but never its value.
  const std::string& refusal() const { return refusal_; }
  // The lines as written: "name: value\r\n" for each header, in the order added.
  std::string_view wire() const { return wire_; }
  // Whether a header of this name is in the set (case-insensitive).
  bool contains(std::string_view name) const;

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = RequestHeaders::value_type;
    using difference_type = std::ptrdiff_t;
    using pointer = const value_type*;
    using reference = const value_type&;

    const_iterator() = default;
    reference operator*() const { return current_; }
    pointer operator->() const { return &current_; }
    const_iterator& operator++();
    const_iterator operator++(int) {
      const_iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const const_iterator& other) const { return rest_.data() == other.rest_.data(); }

   private:
    friend class RequestHeaders;
    explicit const_iterator(std::string_view rest);
    void read_line();  // current_ from the line rest_ starts with
    std::string_view rest_;  // this line and those after it
    value_type current_;
  };
  const_iterator begin() const { return const_iterator(wire_); }
  const_iterator end() const { return const_iterator(std::string_view(wire_).substr(wire_.size())); }

  bool operator==(const RequestHeaders& other) const = default;

 private:
  std::string wire_;
  std::string refusal_;
  std::size_t count_ = 0;
};

}  // namespace hookd::delivery
