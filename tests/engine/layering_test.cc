// engine/ is plain C++: no gRPC, no API protos (silang/v1), nothing from the
// layers above it. This reads the sources, so a stray include fails here
// before it spreads.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace silang {
namespace {

struct Include {
  std::string file;
  std::string line;
};

std::vector<Include> EngineIncludes() {
  std::vector<Include> out;
  const std::filesystem::path dir =
      std::filesystem::path(SILANG_SOURCE_DIR) / "engine";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".h" && ext != ".cc") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("#include", 0) == 0) {
        out.push_back({entry.path().lexically_relative(dir).string(), line});
      }
    }
  }
  return out;
}

TEST(LayeringTest, EngineSourcesAreFound) {
  // Guards the test below against passing on an empty directory.
  EXPECT_GT(EngineIncludes().size(), 20u);
}

TEST(LayeringTest, EngineIncludesNoGrpcApiProtosOrUpperLayers) {
  for (const Include& inc : EngineIncludes()) {
    for (const char* banned :
         {"grpc", "silang/v1/", "\"services/", "\"tools/", "\"tests/"}) {
      EXPECT_EQ(inc.line.find(banned), std::string::npos)
          << inc.file << ": " << inc.line;
    }
  }
}

}  // namespace
}  // namespace silang
