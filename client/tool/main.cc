// deltatunnel: the command-line tool over the client library. `deltatunnel --help` lists the
// commands; every command has --help.
#include <iostream>

#include "tool.h"

namespace deltatunnel::tool {

std::unique_ptr<client::Client> OpenClient(const GlobalFlags& flags) {
  client::ClientOptions o;
  o.endpoint = flags.endpoint;
  o.access_id = flags.access_id;
  o.access_key = flags.access_key;
  o.token = flags.token;
  o.request_timeout = std::chrono::seconds(flags.timeout_s);
  o.retry.max_retries = flags.retries;
  auto c = client::Client::Open(o);
  if (!c.ok()) {
    std::cerr << "deltatunnel: " << c.status().message() << "\n";
    return nullptr;
  }
  return std::move(c).value();
}

int Fail(const std::string& what, const Status& status) {
  std::cerr << "deltatunnel: " << what << ": " << status.ToString() << "\n";
  if (client::IsConnectionError(status)) return kExitConnection;
  return kExitServerError;
}

std::string FormatByExtension(const std::string& path) {
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (ext == "ndjson" || ext == "jsonl") return "ndjson";
  if (ext == "csv" || ext == "json") return ext;
  return "";
}

std::string ContentTypeOfFormat(const std::string& format) {
  if (format == "csv") return "text/csv";
  if (format == "json") return "application/json";
  return "application/x-ndjson";
}

}  // namespace deltatunnel::tool

int main(int argc, char** argv) {
  using namespace deltatunnel::tool;
  CLI::App app{
      "deltatunnel: tables, loads and reads on a deltatunnel server.\n"
      "Exit codes: 0 ok, 1 the server answered an error, 2 usage error, 3 connection failure,\n"
      "4 local file error."};
  app.set_help_all_flag("--help-all", "Help for every command");
  app.require_subcommand(1);
  // Global flags are accepted after the command too ("table list --project p --retries 0").
  app.fallthrough();
  GlobalFlags flags;
  app.add_option("--endpoint", flags.endpoint, "Server URL, http://host:port")
      ->envname("DELTATUNNEL_ENDPOINT")
      ->capture_default_str();
  app.add_option("--access-id", flags.access_id, "AccessId for ODPS signing")
      ->envname("DELTATUNNEL_ACCESS_ID");
  app.add_option("--access-key", flags.access_key, "AccessKey secret for ODPS signing")
      ->envname("DELTATUNNEL_ACCESS_KEY");
  app.add_option("--token", flags.token, "Bearer token (when no AccessId is given)")
      ->envname("DELTATUNNEL_TOKEN");
  app.add_option("--timeout", flags.timeout_s, "Socket timeout in seconds")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--retries", flags.retries, "Retries of a request answered 429/502/503/504")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();

  int exit_code = kExitOk;
  AddTableCommands(app, flags, &exit_code);
  AddLoadCommand(app, flags, &exit_code);
  AddReadCommands(app, flags, &exit_code);
  AddConsumerCommands(app, flags, &exit_code);
  AddRejectCommands(app, flags, &exit_code);
  AddAdminCommands(app, flags, &exit_code);
  AddBackupCommands(app, flags, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return exit_code;
}
