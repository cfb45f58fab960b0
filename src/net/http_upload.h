// HttpUpload: a handler for HTTP requests whose body is too large to hold in memory (a
// raft snapshot's database). Registered with Router::AddHttpUpload; the session calls
// the handler with the request head first, then hands it the body piece by piece as it
// is parsed (HTTP/1.1 with Content-Length or chunked, HTTP/2 DATA frames), so memory
// stays at one read buffer whatever the body's size. No body-size limit applies.
//
// Threads: every call below runs on the connection's I/O thread, in order, and must not
// block for long (writing a piece to a file is acceptable, see OnData). The responder
// may be used from any thread, as for ordinary handlers.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "net/http_types.h"

namespace etcdpp::net {

class HttpUpload {
 public:
  virtual ~HttpUpload() = default;
  // The next bytes of the body, in order; `piece` is valid only during the call and is
  // at most one read buffer (tens of KiB). Called again only after it returns: a handler
  // that writes the piece synchronously (to the page cache) slows the reading of this
  // connection by as much, which is the back-pressure the sender sees through TCP or
  // HTTP/2 flow control; no queue builds up between the socket and the handler.
  virtual void OnData(std::string_view piece) = 0;
  // The whole body arrived. The handler answers now or later through its responder.
  virtual void OnEnd() = 0;
  // The body was cut short: the connection dropped, the stream was reset, the server is
  // stopping, or the framing was malformed. No answer can reach the client; the handler
  // undoes what the partial body did. Called at most once, never after OnEnd.
  virtual void OnAbort() = 0;
};

// Called with the request head (`head.body` is empty) once the headers are in. Returns
// the upload that receives the body, or null when it has already answered (a refused
// method or header): the body is then read and discarded, or the connection closed.
using HttpUploadHandler =
    std::function<std::unique_ptr<HttpUpload>(const HttpRequest& head, HttpResponder responder)>;

}  // namespace etcdpp::net
