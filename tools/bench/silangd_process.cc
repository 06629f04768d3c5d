#include "tools/bench/silangd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/proto_utils.h"

namespace silang::bench {
namespace {

using Clock = std::chrono::steady_clock;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One health Check; true if SERVING.
bool Serving(grpc::Channel& channel) {
  grpc::TemplatedGenericStub<grpc::health::v1::HealthCheckRequest,
                             grpc::health::v1::HealthCheckResponse>
      stub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", {}, &req, &resp,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  return status.ok() &&
         resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace

absl::StatusOr<MemoryUse> ReadMemoryUse(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return absl::NotFoundError(absl::StrCat("no process ", pid));
  MemoryUse m;
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view v(line);
    double* out = nullptr;
    if (absl::ConsumePrefix(&v, "VmRSS:")) out = &m.rss_mib;
    if (absl::ConsumePrefix(&v, "VmHWM:")) out = &m.hwm_mib;
    if (out == nullptr) continue;
    v = absl::StripAsciiWhitespace(v);
    absl::ConsumeSuffix(&v, " kB");
    int64_t kb = 0;
    if (absl::SimpleAtoi(v, &kb)) *out = static_cast<double>(kb) / 1024.0;
  }
  return m;
}

namespace {

// User plus system CPU seconds from a /proc .../stat file, 0 if unreadable.
double StatCpuSeconds(const std::string& path) {
  std::string stat = Slurp(path);
  // Fields after the command name, which is in parentheses and may hold
  // spaces: state is field 3, utime 14, stime 15.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream in(stat.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::strtod(field.c_str(), nullptr);
    if (i == 15) stime = std::strtod(field.c_str(), nullptr);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

double ProcessCpuSeconds(pid_t pid) {
  return StatCpuSeconds(absl::StrCat("/proc/", pid, "/stat"));
}

double ThreadsCpuSeconds(pid_t pid, absl::string_view name_prefix) {
  const std::string tasks = absl::StrCat("/proc/", pid, "/task");
  std::error_code error;
  double total = 0;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    const std::string dir = task.path().string();
    if (absl::StartsWith(Slurp(dir + "/comm"), name_prefix)) {
      total += StatCpuSeconds(dir + "/stat");
    }
  }
  return total;
}

SilangdProcess::~SilangdProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

absl::StatusOr<std::string> SilangdProcess::AdminToken() const {
  std::string token(absl::StripAsciiWhitespace(Slurp(data_dir() + "/admin.token")));
  if (token.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no admin token in ", data_dir(), "/admin.token"));
  }
  return token;
}

absl::StatusOr<double> SilangdProcess::Start(
    const std::vector<std::string>& extra_args) {
  if (pid_ > 0) return absl::FailedPreconditionError("silangd already running");
  const std::string port_file = work_dir_ + "/port";
  ::unlink(port_file.c_str());
  ::unlink(metrics_port_file().c_str());
  std::vector<std::string> args = {binary_,
                                   "--data-dir",
                                   data_dir(),
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--port-file",
                                   port_file,
                                   "--metrics-listen",
                                   "127.0.0.1:0",
                                   "--metrics-port-file",
                                   metrics_port_file(),
                                   "--log-level",
                                   "warn",
                                   "--timer-interval",
                                   "3600"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = work_dir_ + "/silangd.log";

  const auto t0 = Clock::now();
  pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;

  auto failed = [&](absl::string_view why) {
    return absl::UnavailableError(
        absl::StrCat("silangd ", why, "; see ", log));
  };
  // Port file first (written once the server is listening), then health.
  int port = 0;
  while (port == 0) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return failed("exited at start-up");
    }
    if (Clock::now() - t0 > std::chrono::seconds(120)) {
      return failed("did not listen within 120 s");
    }
    std::string text(absl::StripAsciiWhitespace(Slurp(port_file)));
    if (!text.empty() && absl::SimpleAtoi(text, &port) && port > 0) break;
    port = 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  target_ = absl::StrCat("127.0.0.1:", port);
  auto channel =
      grpc::CreateChannel(target_, grpc::InsecureChannelCredentials());
  while (!Serving(*channel)) {
    if (Clock::now() - t0 > std::chrono::seconds(120)) {
      return failed("not SERVING within 120 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

absl::StatusOr<int> SilangdProcess::MetricsPort() const {
  // silangd writes it just after it starts serving gRPC.
  const auto t0 = Clock::now();
  for (;;) {
    int port = 0;
    std::string text(absl::StripAsciiWhitespace(Slurp(metrics_port_file())));
    if (absl::SimpleAtoi(text, &port) && port > 0) return port;
    if (pid_ <= 0 || Clock::now() - t0 > std::chrono::seconds(5)) {
      return absl::UnavailableError(absl::StrCat(
          "silangd wrote no metrics port to ", metrics_port_file()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

absl::Status SilangdProcess::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  ::kill(pid_, SIGTERM);
  const auto t0 = Clock::now();
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (Clock::now() - t0 > std::chrono::seconds(30)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return absl::DeadlineExceededError("silangd did not stop within 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError("silangd exited non-zero on SIGTERM");
  }
  return absl::OkStatus();
}

}  // namespace silang::bench
