// TempDir: a private, freshly made directory for one test, under
// $TEST_TMPDIR (set by ctest/Bazel-style runners) or /tmp. The directory and
// everything in it are removed when the TempDir is destroyed, so tests never
// share or leave behind state (no fixed "./testdb").
//
// Not thread-safe to destroy while another thread writes inside it; otherwise
// the object is immutable after construction.
#ifndef SILANG_TESTS_TESTING_TEMP_DIR_H_
#define SILANG_TESTS_TESTING_TEMP_DIR_H_

#include <stdlib.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace silang::testing {

class TempDir {
 public:
  // Makes <base>/silang-<prefix>-XXXXXX with mkdtemp (mode 0700). Throws
  // std::runtime_error if it cannot: a test without its directory cannot run.
  explicit TempDir(const std::string& prefix = "test") {
    const char* env = std::getenv("TEST_TMPDIR");
    std::string base = (env != nullptr && *env != '\0') ? env : "/tmp";
    std::string pattern = base + "/silang-" + prefix + "-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      throw std::runtime_error("mkdtemp " + pattern + ": " +
                               std::strerror(errno));
    }
    path_ = buf.data();
  }

  ~TempDir() {
    std::error_code ec;  // never throw from a destructor
    std::filesystem::remove_all(path_, ec);
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name, not created.
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace silang::testing

#endif  // SILANG_TESTS_TESTING_TEMP_DIR_H_
