// What silangd offers besides the four services: the standard gRPC health
// service and server reflection, both called as a generic client would
// (grpcurl, a load balancer), by method name.
//
// Debian's gRPC 1.51 ships no reflection client headers (no
// proto_reflection_descriptor_database.h) and no generated reflection
// messages, so the reflection test writes its one request and reads the
// answer with protobuf's wire-format primitives.
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "tests/services/service_fixture.h"

namespace silang::testing {
namespace {

using ::testing::IsSupersetOf;
using ServerTest = ServiceTest;

// Waits for a callback-API call to finish.
class Done {
 public:
  void Set(grpc::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = std::move(status);
    done_ = true;
    cv_.notify_all();
  }
  grpc::Status Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return done_; });
    return status_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  grpc::Status status_;
};

grpc::Status HealthCheck(std::shared_ptr<grpc::Channel> channel,
                         const std::string& service,
                         grpc::health::v1::HealthCheckResponse* out) {
  grpc::TemplatedGenericStub<grpc::health::v1::HealthCheckRequest,
                             grpc::health::v1::HealthCheckResponse>
      stub(std::move(channel));
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  Done done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &req, out, [&done](grpc::Status s) { done.Set(s); });
  return done.Wait();
}

TEST_F(ServerTest, HealthServiceAnswersServing) {
  grpc::health::v1::HealthCheckResponse out;
  grpc::Status s = HealthCheck(channel_, "", &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(ServerTest, NothingAnswersServingAfterShutdown) {
  server_->Shutdown(absl::Milliseconds(100));
  grpc::health::v1::HealthCheckResponse out;
  grpc::Status s = HealthCheck(channel_, "", &out);
  EXPECT_FALSE(s.ok() &&
               out.status() == grpc::health::v1::HealthCheckResponse::SERVING);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// One ServerReflectionInfo exchange: the request messages out, every
// response back, then the status.
class ReflectionCall
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  ReflectionCall(std::shared_ptr<grpc::Channel> channel,
                 const std::vector<std::string>& requests)
      : stub_(std::move(channel)) {
    for (const std::string& r : requests) {
      grpc::Slice slice(r);
      requests_.emplace_back(&slice, 1);
    }
    ctx_.set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
  }

  grpc::Status Run() {
    stub_.PrepareBidiStreamingCall(
        &ctx_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        grpc::StubOptions(), this);
    StartRead(&incoming_);
    WriteNext();
    StartCall();
    return done_.Wait();
  }

  const std::vector<std::string>& responses() const { return responses_; }

  void OnWriteDone(bool ok) override {
    if (ok) WriteNext();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    responses_.push_back(ToString(incoming_));
    StartRead(&incoming_);
  }
  void OnDone(const grpc::Status& s) override { done_.Set(s); }

 private:
  void WriteNext() {
    if (next_ == requests_.size()) return;
    const grpc::ByteBuffer* msg = &requests_[next_++];
    if (next_ == requests_.size()) {
      StartWriteLast(msg, grpc::WriteOptions());
    } else {
      StartWrite(msg);
    }
  }

  grpc::GenericStub stub_;
  grpc::ClientContext ctx_;
  std::vector<grpc::ByteBuffer> requests_;
  size_t next_ = 0;
  grpc::ByteBuffer incoming_;
  std::vector<std::string> responses_;
  Done done_;
};

// ServerReflectionRequest field numbers (reflection.proto, v1alpha).
constexpr int kFileContainingSymbol = 4;
constexpr int kListServices = 7;
// ServerReflectionResponse field numbers.
constexpr int kFileDescriptorResponse = 4;
constexpr int kListServicesResponse = 6;
constexpr int kErrorResponse = 7;

// A request with one string field set.
std::string StringField(int number, const std::string& value) {
  google::protobuf::UnknownFieldSet fields;
  fields.AddLengthDelimited(number, value);
  std::string out;
  fields.SerializeToString(&out);
  return out;
}

// The length-delimited fields numbered `number` of a message.
std::vector<std::string> Fields(const std::string& message, int number) {
  google::protobuf::UnknownFieldSet fields;
  std::vector<std::string> out;
  if (!fields.ParseFromString(message)) return out;
  for (int i = 0; i < fields.field_count(); ++i) {
    const auto& f = fields.field(i);
    if (f.number() == number &&
        f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
      out.push_back(f.length_delimited());
    }
  }
  return out;
}

TEST_F(ServerTest, ReflectionListsAndDescribesTheSilangServices) {
  ReflectionCall call(
      channel_, {StringField(kListServices, "*"),
                 StringField(kFileContainingSymbol, "silang.v1.AgentService")});
  grpc::Status s = call.Run();
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(call.responses().size(), 2u);

  // ListServiceResponse { repeated ServiceResponse service = 1 } and
  // ServiceResponse { string name = 1 }.
  EXPECT_TRUE(Fields(call.responses()[0], kErrorResponse).empty());
  std::vector<std::string> names;
  for (const auto& list : Fields(call.responses()[0], kListServicesResponse)) {
    for (const auto& service : Fields(list, 1)) {
      for (const auto& name : Fields(service, 1)) names.push_back(name);
    }
  }
  EXPECT_THAT(
      names,
      IsSupersetOf({"silang.v1.LibrarianService", "silang.v1.AgentService",
                    "silang.v1.AdminService", "silang.v1.DirectoryService"}));

  // FileDescriptorResponse { repeated bytes file_descriptor_proto = 1 }:
  // the file that declares AgentService, with its methods.
  EXPECT_TRUE(Fields(call.responses()[1], kErrorResponse).empty());
  bool found = false;
  for (const auto& resp :
       Fields(call.responses()[1], kFileDescriptorResponse)) {
    for (const auto& bytes : Fields(resp, 1)) {
      google::protobuf::FileDescriptorProto file;
      ASSERT_TRUE(file.ParseFromString(bytes));
      if (file.name() != "silang/v1/agent.proto") continue;
      found = true;
      ASSERT_EQ(file.service_size(), 1);
      EXPECT_EQ(file.service(0).name(), "AgentService");
      std::vector<std::string> methods;
      for (const auto& m : file.service(0).method())
        methods.push_back(m.name());
      EXPECT_THAT(methods, ::testing::IsSupersetOf({"ListTasks", "Act"}));
    }
  }
  EXPECT_TRUE(found) << "no descriptor for silang/v1/agent.proto";
}

}  // namespace
}  // namespace silang::testing
