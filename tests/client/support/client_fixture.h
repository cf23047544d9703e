// A running server and a Client on it, plus small helpers the client tests share.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "deltatunnel/client/client.h"
#include "server_process.h"

namespace deltatunnel::testing {

struct ClientFixture {
  explicit ClientFixture(std::string config_toml = "");
  std::string endpoint() const;
  std::unique_ptr<client::Client> NewClient(uint16_t port = 0, int max_retries = 8) const;

  ServerProcess server;
  std::unique_ptr<client::Client> client;
};

// {"name": name, columns id BIGINT key, v STRING, n BIGINT; partitioned by ds STRING when asked}
nlohmann::json KvTable(const std::string& name, bool partitioned, int buckets);

// NDJSON text as objects, one a line.
std::vector<nlohmann::json> ParseNdjson(const std::string& text);

}  // namespace deltatunnel::testing
