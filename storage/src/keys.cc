#include "keys.h"

#include <cctype>

namespace deltatunnel::storage::keys {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string TablePrefix(char tag, uint64_t table_id) {
  std::string k(1, tag);
  PutBigEndian64(&k, table_id);
  return k;
}

std::string NamePrefix(std::string_view project) {
  std::string k = "N" + Lower(project);
  k.push_back('\0');
  return k;
}

std::string Name(std::string_view project, std::string_view table) {
  return NamePrefix(project) + Lower(table);
}

std::string Partition(uint64_t table_id, std::string_view canonical) {
  return TablePrefix('P', table_id) + std::string(canonical);
}

std::string Commit(uint64_t table_id, uint64_t version) {
  std::string k = TablePrefix('C', table_id);
  PutBigEndian64(&k, version);
  return k;
}

std::string Idempotency(uint64_t table_id, std::string_view key) {
  return TablePrefix('I', table_id) + std::string(key);
}

std::string Reclaim(uint64_t first_run_id) {
  std::string k = "D";
  PutBigEndian64(&k, first_run_id);
  return k;
}

std::string Session(std::string_view session_id) { return "S" + std::string(session_id); }

std::string SessionRun(std::string_view session_id, uint64_t run_id) {
  std::string k = SessionRunPrefix(session_id);
  PutBigEndian64(&k, run_id);
  return k;
}

}  // namespace deltatunnel::storage::keys
