// Loop: a handle on one I/O thread's event loop that outlives it. Producers on other
// threads (raft, apply) post work through it; once the server stops, posts are dropped
// instead of touching a destroyed io_context. Shared by the connections of that thread.
#pragma once

#include <functional>
#include <mutex>

namespace boost::asio {
class io_context;
}

namespace etcdpp::net {

class Loop {
 public:
  explicit Loop(boost::asio::io_context& context) : context_(&context) {}

  // Any thread. Runs `fn` on the loop's thread later, or never if the loop has stopped.
  void Post(std::function<void()> fn);
  // Called once by the server before it destroys the io_context.
  void Detach();

 private:
  mutable std::mutex mu_;  // guards context_
  boost::asio::io_context* context_;
};

}  // namespace etcdpp::net
