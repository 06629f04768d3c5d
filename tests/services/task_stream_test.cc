// AgentService.SubscribeTasks over a real server: the replay after a
// cursor, live events as requests change, the event that tells a lender a
// request is no longer its task, who may subscribe, a server shutdown
// that ends open streams at once instead of waiting out its grace period,
// many streams served over several completion queues, and streams whose
// clients leave at every moment being let go.
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "services/metrics.h"
#include "tests/services/service_fixture.h"

namespace silang::testing {
namespace {

using ::testing::Contains;
namespace s = storage::v1;

class TaskStreamTest : public ServiceTest {
 protected:
  struct Subscription {
    std::unique_ptr<grpc::ClientContext> ctx;
    std::unique_ptr<grpc::ClientReader<v1::SubscribeTasksResponse>> reader;

    v1::SubscribeTasksResponse Next() {
      v1::SubscribeTasksResponse event;
      EXPECT_TRUE(reader->Read(&event)) << "stream ended early";
      return event;
    }
  };

  Subscription Subscribe(const std::string& token, const std::string& library,
                         uint64_t after) {
    Subscription sub;
    sub.ctx = std::make_unique<grpc::ClientContext>();
    sub.ctx->set_deadline(std::chrono::system_clock::now() + kDeadline);
    sub.ctx->AddMetadata("authorization", "Bearer " + token);
    v1::SubscribeTasksRequest req;
    req.set_library_id(library);
    req.set_after_cursor(after);
    sub.reader = agent_->SubscribeTasks(sub.ctx.get(), req);
    return sub;
  }
};

TEST_F(TaskStreamTest, ReplaysAfterTheCursorThenFollowsLive) {
  const std::string bdg = IssueToken(s::CREDENTIAL_ROLE_AGENT, "BDG");
  v1::Request r = Submit("stream-1");
  ASSERT_EQ(r.current_lender_id(), "BDG");

  Subscription sub = Subscribe(bdg, "BDG", 0);
  sub.reader->WaitForInitialMetadata();
  EXPECT_EQ(sub.ctx->GetServerInitialMetadata().count("silang-subscribed"), 1u);
  v1::SubscribeTasksResponse first = sub.Next();
  EXPECT_GT(first.cursor(), 0u);
  EXPECT_TRUE(first.open());
  EXPECT_EQ(first.task().request().id(), r.id());
  EXPECT_EQ(first.task().role(), v1::ROLE_LENDER);
  EXPECT_THAT(first.task().actions(), Contains(v1::ACTION_WILL_SUPPLY));

  v1::Request acted;
  ASSERT_TRUE(
      Act(r.id(), r.version(), "BDG", v1::ACTION_WILL_SUPPLY, &acted).ok());
  v1::SubscribeTasksResponse live = sub.Next();
  EXPECT_GT(live.cursor(), first.cursor());
  EXPECT_EQ(live.task().request().version(), acted.version());
  EXPECT_EQ(live.task().request().state(), v1::REQUEST_STATE_WILL_SUPPLY);
  sub.ctx->TryCancel();

  // Resuming after the live event's cursor: only what came later.
  ASSERT_TRUE(
      Act(r.id(), acted.version(), "BDG", v1::ACTION_SHIP, &acted).ok());
  Subscription resumed = Subscribe(bdg, "BDG", live.cursor());
  v1::SubscribeTasksResponse next = resumed.Next();
  EXPECT_GT(next.cursor(), live.cursor());
  EXPECT_EQ(next.task().request().state(), v1::REQUEST_STATE_SHIPPED);
  // Shipped, the lender can still declare it lost: still its task.
  EXPECT_TRUE(next.open());
  resumed.ctx->TryCancel();
}

TEST_F(TaskStreamTest, TellsTheLenderItLeftWhenItAnswersUnfilled) {
  const std::string bdg = IssueToken(s::CREDENTIAL_ROLE_AGENT, "BDG");
  v1::Request r = Submit("stream-2");
  v1::Request acted;
  ASSERT_TRUE(Act(r.id(), r.version(), "BDG", v1::ACTION_UNFILLED, &acted,
                  v1::REASON_NOT_ON_SHELF)
                  .ok());
  ASSERT_NE(acted.current_lender_id(), "BDG");
  Subscription sub = Subscribe(bdg, "BDG", 0);
  sub.Next();  // sent to BDG
  v1::SubscribeTasksResponse left = sub.Next();
  EXPECT_EQ(left.task().request().id(), r.id());
  EXPECT_FALSE(left.open());
  EXPECT_EQ(left.task().role(), v1::ROLE_UNSPECIFIED);
  EXPECT_TRUE(left.task().actions().empty());
  sub.ctx->TryCancel();
}

TEST_F(TaskStreamTest, OnlyTheLibrarysOwnCredentialsMaySubscribe) {
  Submit("stream-3");
  const std::string bdg = IssueToken(s::CREDENTIAL_ROLE_AGENT, "BDG");
  Subscription other = Subscribe(bdg, "JKT", 0);
  v1::SubscribeTasksResponse event;
  EXPECT_FALSE(other.reader->Read(&event));
  EXPECT_EQ(other.reader->Finish().error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  Subscription nobody = Subscribe("slg1.nobody.00", "BDG", 0);
  EXPECT_FALSE(nobody.reader->Read(&event));
  EXPECT_EQ(nobody.reader->Finish().error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  Subscription bad = Subscribe(admin_token_, "no such library!", 0);
  EXPECT_FALSE(bad.reader->Read(&event));
  EXPECT_TRUE(HasStatus(bad.reader->Finish(),
                        grpc::StatusCode::INVALID_ARGUMENT, "library_id"));
}

TEST_F(TaskStreamTest, ShutdownEndsOpenStreamsWithoutWaitingOutTheGrace) {
  Subscription idle = Subscribe(admin_token_, "TMH", 0);
  idle.reader->WaitForInitialMetadata();  // caught up, waiting for changes
  const absl::Time start = absl::Now();
  server_->Shutdown(absl::Seconds(30));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  v1::SubscribeTasksResponse event;
  EXPECT_FALSE(idle.reader->Read(&event));
  EXPECT_EQ(idle.reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

// Polls until `done`; false if it is still not after 10 s.
bool Eventually(const std::function<bool()>& done) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

bool OpenStreamsReach(const Server& server, int n) {
  return Eventually([&] { return server.open_task_streams() == n; });
}

// The silang_agent_streams_open sample of a metrics exposition.
std::string AgentStreamsGauge(const Metrics& metrics) {
  const std::string text = metrics.Render();
  const std::string name = "\nsilang_agent_streams_open ";
  const size_t at = text.find(name);
  if (at == std::string::npos) return "(missing)";
  const size_t begin = at + name.size();
  return text.substr(begin, text.find('\n', begin) - begin);
}

class TaskStreamQueuesTest : public TaskStreamTest {
 protected:
  void Configure(EngineOptions&, ServerOptions& server) override {
    server.stream_queues = 3;
    server.metrics = metrics_.get();
  }
  // Outlives the server: TearDown shuts it down before members go.
  std::unique_ptr<Metrics> metrics_ = Metrics::Create();
};

TEST_F(TaskStreamQueuesTest, ManyStreamsOverSeveralQueuesEachGetEveryEvent) {
  constexpr int kStreams = 40;  // over 3 queues, and more than gRPC is
                                // asked for at a time
  std::vector<Subscription> subs;
  for (int i = 0; i < kStreams; ++i) {
    subs.push_back(Subscribe(admin_token_, "BDG", 0));
  }
  for (Subscription& sub : subs) sub.reader->WaitForInitialMetadata();
  EXPECT_EQ(server_->open_task_streams(), kStreams);
  EXPECT_EQ(AgentStreamsGauge(*metrics_), "40");

  v1::Request r = Submit("queues-1");
  ASSERT_EQ(r.current_lender_id(), "BDG");
  for (Subscription& sub : subs) {
    EXPECT_EQ(sub.Next().task().request().id(), r.id());
  }
  for (Subscription& sub : subs) sub.ctx->TryCancel();
  EXPECT_TRUE(OpenStreamsReach(*server_, 0));
  EXPECT_EQ(AgentStreamsGauge(*metrics_), "0");
  // Each ended stream is one finished RPC to the latency histogram (once
  // its call is freed, just after it leaves the open streams).
  EXPECT_TRUE(Eventually([&] {
    return metrics_->Render().find(
               "silang_rpc_duration_seconds_count{method=\"silang.v1."
               "AgentService/SubscribeTasks\",code=\"CANCELLED\"} 40") !=
           std::string::npos;
  }));
}

TEST_F(TaskStreamQueuesTest, StreamsWhoseClientsLeaveAtAnyMomentAreLetGo) {
  Submit("queues-2");
  // Cancelled before the call reaches silangd, while it is admitted, while
  // its metadata or first event is on the way, or once it is idle.
  for (int i = 0; i < 60; ++i) {
    Subscription sub = Subscribe(admin_token_, "BDG", 0);
    if (i % 3 == 1) sub.reader->WaitForInitialMetadata();
    if (i % 3 == 2) sub.Next();
    if (i % 2 == 0) absl::SleepFor(absl::Microseconds(100 * (i % 7)));
    sub.ctx->TryCancel();
    EXPECT_FALSE(sub.reader->Finish().ok());
  }
  EXPECT_TRUE(OpenStreamsReach(*server_, 0));
  // And the queues still serve a new subscriber.
  Subscription after = Subscribe(admin_token_, "BDG", 0);
  EXPECT_TRUE(after.Next().open());
  EXPECT_EQ(server_->open_task_streams(), 1);
  after.ctx->TryCancel();
}

}  // namespace
}  // namespace silang::testing
