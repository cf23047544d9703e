// The console's static files (console/ at the repository's root), embedded at build time by
// server/cmake/embed_files.cmake into a generated console_assets.cc.
#pragma once

#include <string_view>
#include <vector>

namespace deltatunnel::server {

struct ConsoleAsset {
  std::string_view path;  // relative to console/, e.g. "index.html", "vendor/uPlot.min.css"
  std::string_view data;
};

const std::vector<ConsoleAsset>& ConsoleAssets();

}  // namespace deltatunnel::server
