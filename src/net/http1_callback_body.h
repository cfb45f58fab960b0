// CallbackBody: a Beast body type whose reader hands each parsed piece of a request body
// to a callback instead of storing it, so the HTTP/1.1 session decides per request where
// the bytes go (an in-memory body with a limit, or an HttpUpload). Internal to net.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional/optional.hpp>

namespace etcdpp::net {

struct CallbackBody {
  // Returns false to refuse the body (too large): the parse fails with body_limit.
  using value_type = std::function<bool(std::string_view piece)>;

  class reader {
   public:
    // The reader keeps a reference, so the callback may be set after the header is
    // parsed and before the first body byte.
    template <bool kIsRequest, class Fields>
    reader(boost::beast::http::header<kIsRequest, Fields>&, value_type& sink) : sink_(sink) {}

    void init(const boost::optional<uint64_t>&, boost::beast::error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      ec = {};
      size_t used = 0;
      for (auto b : boost::beast::buffers_range_ref(buffers)) {
        const std::string_view piece(static_cast<const char*>(b.data()), b.size());
        if (sink_ && !sink_(piece)) {
          ec = boost::beast::http::error::body_limit;
          return used;
        }
        used += piece.size();
      }
      return used;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& sink_;
  };
};

}  // namespace etcdpp::net
