// Routes a method and path to a handler. Pure: it knows no sockets, and is filled before the server
// starts, then only read.
//
// A pattern is '/'-separated segments: a literal, `{name}` capturing one (percent-decoded) segment
// into Request::params, or `[...]` around segments that may be absent:
//   /projects/{project}[/schemas/{schema}]/tables/{table}/upserts
// A request path matches when every segment does; when several routes match, the one with literal
// segments earliest wins (`/a/b` over `/a/{x}`).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "deltatunnel/server/http_types.h"

namespace deltatunnel::server {

struct RouteOptions {
  // The handler may block (storage, disk, long CPU work): it runs on the worker pool, never on an
  // I/O thread. Handlers without it must answer in microseconds.
  bool blocking = false;
  // Answered even while the server starts or shuts down (the operations routes); other routes
  // answer 503 ServiceUnavailable then.
  bool always_available = false;
  // Run on the request's header alone (method, path, query, headers and params; no body) before
  // its body is read or `100 Continue` sent: a refusal here is answered without reading the body.
  // The handler still runs its own checks once the body is in.
  std::function<Status(const Request&)> admit;
};

struct Route {
  std::string method;
  std::string pattern;                // as registered, for logs
  std::vector<std::string> segments;  // one expansion of the pattern's optional groups
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  // Adds a route. Throws std::invalid_argument for a malformed pattern and std::logic_error for a
  // method and pattern registered before (programming errors, found at start-up).
  void Add(std::string_view method, std::string_view pattern, Handler handler,
           RouteOptions options = {});
  // Replaces the handler of the routes registered with exactly this method and pattern by
  // wrap(old handler), e.g. to put authentication in front of a route another module added.
  // Throws std::logic_error when there is none.
  void Wrap(std::string_view method, std::string_view pattern,
            const std::function<Handler(Handler)>& wrap);

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed, kBadPath };
    Kind kind = Kind::kNotFound;
    const Route* route = nullptr;               // kFound
    std::map<std::string, std::string> params;  // kFound: the captures
    std::vector<std::string> allowed;           // kMethodNotAllowed: methods the path takes
    std::string error;                          // kBadPath: why the path does not decode
  };

  // `encoded_path` is the target's path before percent-decoding (so "%2F" stays in its segment).
  Match Find(std::string_view method, std::string_view encoded_path) const;

  size_t size() const { return routes_.size(); }
  // Every route, one per expansion of a pattern's optional groups, in the order added: what the
  // server serves (the OpenAPI test compares it with docs/openapi.json).
  const std::vector<Route>& Routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace deltatunnel::server
