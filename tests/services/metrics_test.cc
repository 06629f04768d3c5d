// silangd's observability: the Prometheus exposition served over HTTP by
// Metrics (fetched here with a raw socket, as Prometheus would), and the
// gRPC health status following HealthWatch's store checks.
#include "services/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "services/health_watch.h"
#include "tests/services/service_fixture.h"

namespace silang::testing {
namespace {

using ::testing::HasSubstr;

// GET path from 127.0.0.1:port over HTTP/1.0; returns the status line and
// the body, or an empty status line if the exchange failed.
struct HttpReply {
  std::string status_line;
  std::string body;
};

HttpReply HttpGet(int port, const std::string& path) {
  HttpReply reply;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return reply;
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  if (send(fd, request.data(), request.size(), 0) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return reply;
  }
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) raw.append(buf, n);
  close(fd);
  const size_t eol = raw.find("\r\n");
  const size_t head_end = raw.find("\r\n\r\n");
  if (eol == std::string::npos || head_end == std::string::npos) return reply;
  reply.status_line = raw.substr(0, eol);
  reply.body = raw.substr(head_end + 4);
  return reply;
}

// The value of one sample ("name{labels}" exactly as exposed), or -1 if the
// exposition has no such line.
double Sample(const std::string& exposition, const std::string& series) {
  std::istringstream in(exposition);
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, series + " ")) {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return -1;
}

grpc::health::v1::HealthCheckResponse::ServingStatus HealthOf(
    std::shared_ptr<grpc::Channel> channel) {
  grpc::TemplatedGenericStub<grpc::health::v1::HealthCheckRequest,
                             grpc::health::v1::HealthCheckResponse>
      stub(std::move(channel));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse out;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &req, &out, [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = std::move(s);
                   done = true;
                   cv.notify_all();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  EXPECT_TRUE(status.ok()) << status.error_message();
  return out.status();
}

// A server and engine reporting into a Metrics, served on 127.0.0.1:0 by
// the first Port() (stopping the HTTP server costs up to 2 s: civetweb
// polls for its stop flag, so tests that need no HTTP do not start it).
class MetricsTest : public ServiceTest {
 protected:
  void Configure(EngineOptions& engine, ServerOptions& server) override {
    metrics_ = Metrics::Create();
    engine.on_route_planned = metrics_->RoutingObserver();
    engine.store.on_synced_write = metrics_->WriteObserver();
    engine.store.on_wal_sync = metrics_->WalSyncObserver();
    server.metrics = metrics_.get();
  }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ServiceTest::SetUp());
    metrics_->WatchStore(*core_->store);
  }

  int Port() {
    if (port_ == 0) {
      auto port = metrics_->Listen("127.0.0.1:0");
      EXPECT_TRUE(port.ok()) << port.status();
      port_ = port.ok() ? *port : -1;
    }
    return port_;
  }

  void TearDown() override {
    if (metrics_) metrics_->StopServing();
    ServiceTest::TearDown();
  }

  std::string Scrape() {
    HttpReply reply = HttpGet(Port(), "/metrics");
    EXPECT_THAT(reply.status_line, HasSubstr("200")) << reply.body;
    return reply.body;
  }

  // Outlives the server and engine: the base class's TearDown ends them.
  std::unique_ptr<Metrics> metrics_;
  int port_ = 0;
};

TEST_F(MetricsTest, ExposesStateGaugeCommitsRoutingRpcsAndRocksDb) {
  v1::Request r1 = Submit("m-1");
  v1::Request r2 = Submit("m-2");
  ASSERT_EQ(r1.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  ASSERT_EQ(r2.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  v1::Request out;
  ASSERT_TRUE(
      Act(r1.id(), r1.version(), "BDG", v1::ACTION_WILL_SUPPLY, &out).ok());
  // Two failed calls: a stale version, and no credential at all.
  grpc::Status stale =
      Act(r2.id(), r2.version() + 5, "BDG", v1::ACTION_WILL_SUPPLY, &out);
  ASSERT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  {
    v1::GetRequestRequest req;
    req.set_request_id(r2.id());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kDeadline);
    ASSERT_EQ(librarian_->GetRequest(&ctx, req, &out).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }

  const std::string text = Scrape();
  SCOPED_TRACE(text);

  // Exact, from the counters committed with each transition.
  EXPECT_EQ(Sample(text, R"(silang_requests_by_state{state="SENT_TO_LENDER"})"),
            1);
  EXPECT_EQ(Sample(text, R"(silang_requests_by_state{state="WILL_SUPPLY"})"),
            1);
  EXPECT_EQ(Sample(text, R"(silang_requests_by_state{state="SUBMITTED"})"), 0);
  EXPECT_EQ(Sample(text, R"(silang_transitions_total{state="SENT_TO_LENDER"})"),
            2);
  EXPECT_EQ(Sample(text, R"(silang_transitions_total{state="WILL_SUPPLY"})"),
            1);
  EXPECT_THAT(text, HasSubstr("# TYPE silang_transitions_total counter"));

  // One routing plan per submission; the action needed none.
  EXPECT_EQ(Sample(text, "silang_routing_decision_seconds_count"), 2);
  EXPECT_EQ(
      Sample(text, R"(silang_routing_decision_seconds_bucket{le="+Inf"})"), 2);

  // Every RPC, by method and status code.
  const std::string rpc = "silang_rpc_duration_seconds_count";
  EXPECT_EQ(
      Sample(
          text,
          rpc +
              R"({method="silang.v1.LibrarianService/SubmitRequest",code="OK"})"),
      2);
  EXPECT_EQ(
      Sample(text, rpc + R"({method="silang.v1.AgentService/Act",code="OK"})"),
      1);
  EXPECT_EQ(
      Sample(text,
             rpc + R"({method="silang.v1.AgentService/Act",code="ABORTED"})"),
      1);
  EXPECT_EQ(
      Sample(
          text,
          rpc +
              R"({method="silang.v1.LibrarianService/GetRequest",code="UNAUTHENTICATED"})"),
      1);
  // The fixture seeded the directory through the API.
  EXPECT_EQ(
      Sample(text,
             rpc + R"({method="silang.v1.AdminService/PutLibrary",code="OK"})"),
      4);
  EXPECT_THAT(text, HasSubstr("# TYPE silang_rpc_duration_seconds histogram"));

  // RocksDB, read at scrape time.
  EXPECT_GT(Sample(text, R"(silang_rocksdb_estimated_keys{cf="requests"})"), 0);
  EXPECT_GE(Sample(text, "silang_rocksdb_block_cache_bytes"), 0);
  EXPECT_EQ(Sample(text, "silang_rocksdb_background_errors"), 0);
}

// Where a call's time went: one synced write (and, alone, one WAL fsync)
// per committed command, none for a refused one, and one work-queue wait
// per call the pool ran.
TEST_F(MetricsTest, CountsSyncedWritesAndWorkQueueWaitsPerCall) {
  const std::string writes = "silang_store_write_seconds_count";
  const std::string syncs = "silang_wal_sync_seconds_count";
  const std::string waits = "silang_work_queue_seconds_count";
  const std::string before = Scrape();
  ASSERT_GT(Sample(before, writes), 0) << "the fixture's directory writes";
  ASSERT_GT(Sample(before, waits), 0) << "the fixture's directory calls";

  v1::Request r = Submit("w-1");
  ASSERT_EQ(r.state(), v1::REQUEST_STATE_SENT_TO_LENDER);
  const std::string after_submit = Scrape();
  EXPECT_EQ(Sample(after_submit, writes) - Sample(before, writes), 1);
  EXPECT_EQ(Sample(after_submit, syncs) - Sample(before, syncs), 1);
  EXPECT_EQ(Sample(after_submit, waits) - Sample(before, waits), 1);
  EXPECT_EQ(
      Sample(after_submit, R"(silang_store_write_seconds_bucket{le="+Inf"})"),
      Sample(after_submit, writes));

  v1::Request out;
  grpc::Status stale =
      Act(r.id(), r.version() + 5, "BDG", v1::ACTION_WILL_SUPPLY, &out);
  ASSERT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  const std::string after_refusal = Scrape();
  EXPECT_EQ(Sample(after_refusal, writes), Sample(after_submit, writes));
  EXPECT_EQ(Sample(after_refusal, syncs), Sample(after_submit, syncs));
  EXPECT_EQ(Sample(after_refusal, waits) - Sample(after_submit, waits), 1);
  EXPECT_THAT(after_refusal,
              HasSubstr("# TYPE silang_store_write_seconds histogram"));
  EXPECT_THAT(after_refusal,
              HasSubstr("# TYPE silang_work_queue_seconds histogram"));
  // Every bucket bound silangd has ever exposed is still there, so queries
  // and alerts on them keep working.
  for (const char* le : {"5e-05", "0.0001", "0.00025", "0.0005", "0.001",
                         "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    EXPECT_GE(
        Sample(after_refusal,
               absl::StrCat("silang_routing_decision_seconds_bucket{le=\"", le,
                            "\"}")),
        0)
        << le;
  }
}

TEST_F(MetricsTest, StateGaugeFollowsARequestOutOfAState) {
  v1::Request r = Submit("m-1");
  v1::Request out;
  ASSERT_TRUE(Act(r.id(), r.version(), "JKT", v1::ACTION_CANCEL, &out).ok())
      << out.DebugString();
  const std::string text = Scrape();
  SCOPED_TRACE(text);
  EXPECT_EQ(Sample(text, R"(silang_requests_by_state{state="SENT_TO_LENDER"})"),
            0);
  const double moved_to = Sample(
      text,
      absl::StrCat(
          R"(silang_requests_by_state{state=")",
          v1::RequestState_Name(out.state()).substr(strlen("REQUEST_STATE_")),
          R"("})"));
  EXPECT_EQ(moved_to, 1);
}

TEST_F(MetricsTest, ServesOnlyMetrics) {
  EXPECT_THAT(HttpGet(Port(), "/other").status_line, HasSubstr("404"));
}

TEST_F(MetricsTest, ListenFailsOnAPortInUse) {
  auto other = Metrics::Create();
  auto port = other->Listen(absl::StrCat("127.0.0.1:", Port()));
  EXPECT_FALSE(port.ok());
  EXPECT_EQ(port.status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(MetricsTest, HealthWatchOverTheStoreSaysServing) {
  HealthWatch watch([this] { return CheckStore(*core_->store); },
                    [this](bool ok) {
                      server_->SetServing(ok);
                      metrics_->SetStoreHealthy(ok);
                    },
                    absl::Hours(1));
  EXPECT_TRUE(watch.CheckNow());
  EXPECT_EQ(HealthOf(channel_), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Sample(metrics_->Render(), "silang_store_healthy"), 1);
}

TEST_F(MetricsTest, HealthFollowsTheStoreDownAndBackUp) {
  std::atomic<bool> failing{true};
  HealthWatch watch(
      [&] {
        return failing ? absl::UnavailableError("disk gone") : absl::OkStatus();
      },
      [this](bool ok) {
        server_->SetServing(ok);
        metrics_->SetStoreHealthy(ok);
      },
      absl::Hours(1));
  EXPECT_FALSE(watch.CheckNow());
  EXPECT_EQ(HealthOf(channel_),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Sample(metrics_->Render(), "silang_store_healthy"), 0);

  failing = false;
  EXPECT_TRUE(watch.CheckNow());
  EXPECT_EQ(HealthOf(channel_), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Sample(metrics_->Render(), "silang_store_healthy"), 1);
}

using HealthTest = ServiceTest;

TEST_F(HealthTest, SetServingAfterShutdownChangesNothing) {
  server_->Shutdown(absl::Milliseconds(100));
  server_->SetServing(true);  // must not touch the stopped server
  SUCCEED();
}

}  // namespace
}  // namespace silang::testing
