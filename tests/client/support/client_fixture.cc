#include "client_fixture.h"

#include <sstream>
#include <stdexcept>

namespace deltatunnel::testing {

ClientFixture::ClientFixture(std::string config_toml)
    : server(ServerOptions{std::move(config_toml), {}, true, std::chrono::milliseconds(30000)}) {
  client = NewClient();
}

std::string ClientFixture::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

std::unique_ptr<client::Client> ClientFixture::NewClient(uint16_t port, int max_retries) const {
  client::ClientOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port ? port : server.port());
  o.retry.max_retries = max_retries;
  o.retry.initial_backoff = std::chrono::milliseconds(10);
  o.retry.max_backoff = std::chrono::milliseconds(2000);
  auto c = client::Client::Open(o);
  if (!c.ok()) throw std::runtime_error(c.status().ToString());
  return std::move(c).value();
}

nlohmann::json KvTable(const std::string& name, bool partitioned, int buckets) {
  nlohmann::json t = {{"name", name},
                      {"columns",
                       {{{"name", "id"}, {"type", "BIGINT"}, {"nullable", false}},
                        {{"name", "v"}, {"type", "STRING"}},
                        {{"name", "n"}, {"type", "BIGINT"}}}},
                      {"primary_key", {"id"}},
                      {"properties", {{"write.bucket.num", std::to_string(buckets)}}}};
  if (partitioned) t["partition_columns"] = {{{"name", "ds"}, {"type", "STRING"}}};
  return t;
}

std::vector<nlohmann::json> ParseNdjson(const std::string& text) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  }
  return rows;
}

}  // namespace deltatunnel::testing
