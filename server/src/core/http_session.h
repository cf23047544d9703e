// One HTTP/1.1 connection (Boost.Beast): reads requests one after another (keep-alive), hands each
// to the Dispatcher, writes the answer (whole, or chunked from Response::stream). Beast stays
// inside http_session.cc.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "connection_registry.h"
#include "deltatunnel/server/config.h"
#include "deltatunnel/server/memory_budget.h"
#include "dispatcher.h"
#include "request_ids.h"

namespace deltatunnel::server {

// What every connection shares; owned by the Server and outliving every connection.
struct HttpContext {
  const ServerConfig& config;
  Dispatcher& dispatcher;
  ConnectionRegistry& connections;
  RequestIds& ids;
  // Request bodies reserve their bytes here before they are read; nullptr: no budget.
  MemoryBudget* budget = nullptr;
};

// Starts serving an accepted socket (whose executor is a strand); the session keeps itself alive.
void StartHttpSession(boost::asio::ip::tcp::socket socket, HttpContext& ctx);

}  // namespace deltatunnel::server
