// CatalogService end to end: a real silang::Server on 127.0.0.1:0 over a
// Core in a private temp dir; uploads stream the shared MARC files.
#include <chrono>
#include <memory>
#include <string>

#include "engine/clock.h"
#include "engine/core.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/server.h"
#include "silang/v1/catalog.grpc.pb.h"
#include "tests/catalog/catalog_fixture.h"
#include "tests/testing/temp_dir.h"

namespace silang {
namespace {

using catalog::testing::MarcPath;
using catalog::testing::ReadFile;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class CatalogServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto core = Core::Open(tmp_.Sub("db"), clock_, EngineOptions());
    ASSERT_TRUE(core.ok()) << core.status();
    core_ = *std::move(core);
    for (const char* id : {"CPL-LIB", "FPL-LIB", "MPL-LIB"}) {
      storage::v1::LibraryRecord lib;
      lib.set_id(id);
      lib.set_name(id);
      lib.set_time_zone("WIB");
      ASSERT_TRUE(core_->directory->PutLibrary(lib, 0).ok());
    }
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.demo = true;  // access control is tested in tests/services
    auto server = Server::Start(*core_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::CatalogService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    server_.reset();
    core_.reset();
  }

  static v1::ImportChunk Header(const std::string& library,
                                v1::CatalogFormat format) {
    v1::ImportChunk c;
    auto* h = c.mutable_header();
    h->set_library_id(library);
    h->set_format(format);
    (*h->mutable_branches())["CPL"] = "CPL-LIB";
    (*h->mutable_branches())["FPL"] = "FPL-LIB";
    (*h->mutable_branches())["MPL"] = "MPL-LIB";
    return c;
  }

  // Streams header, data and the end chunk (with `end_bytes`, or the true
  // count if negative; none if `send_end` is false), or cancels after
  // `cancel_after` data chunks.
  grpc::Status Upload(const v1::ImportChunk& header, const std::string& data,
                      v1::ImportSummary* summary, size_t chunk = 64 << 10,
                      size_t cancel_after = 0, bool send_end = true,
                      int64_t end_bytes = -1) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    auto writer = stub_->ImportHoldings(&ctx, summary);
    bool ok = writer->Write(header);
    size_t sent = 0;
    for (size_t at = 0; ok && at < data.size(); at += chunk) {
      if (cancel_after != 0 && sent == cancel_after) {
        ctx.TryCancel();
        break;
      }
      v1::ImportChunk c;
      c.set_data(data.substr(at, chunk));
      ok = writer->Write(c);
      ++sent;
    }
    if (ok && send_end && !(cancel_after != 0 && sent == cancel_after)) {
      v1::ImportChunk end;
      end.mutable_end()->set_data_bytes(
          end_bytes >= 0 ? end_bytes : static_cast<int64_t>(data.size()));
      ok = writer->Write(end);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // Imports the Koha sample whole for CPL-LIB (961 holdings); returns it.
  std::string ImportKoha() {
    const std::string mrc = ReadFile(MarcPath("koha_sample_952.mrc"));
    v1::ImportSummary summary;
    EXPECT_TRUE(
        Upload(Header("CPL-LIB", v1::CATALOG_FORMAT_MARC21), mrc, &summary)
            .ok());
    EXPECT_EQ(LiveHoldings(), 961);
    return mrc;
  }

  int64_t LiveHoldings() {
    int64_t n = 0;
    auto s = core_->store->Scan(Cf::kLibHoldings, "", "",
                                [&](absl::string_view, absl::string_view) {
                                  ++n;
                                  return true;
                                });
    EXPECT_TRUE(s.ok());
    return n;
  }

  testing::TempDir tmp_{"catalog-svc"};
  FakeClock clock_{absl::FromUnixSeconds(1709694000)};
  std::unique_ptr<Core> core_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::CatalogService::Stub> stub_;
};

TEST_F(CatalogServiceTest, UploadKohaThenSearch) {
  v1::ImportSummary summary;
  grpc::Status status =
      Upload(Header("CPL-LIB", v1::CATALOG_FORMAT_MARCXML),
             ReadFile(MarcPath("koha_sample_952.xml")), &summary, 16 << 10);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(summary.records_read(), 436);
  EXPECT_EQ(summary.holdings(), 961);
  EXPECT_EQ(summary.titles(), 433);
  ASSERT_THAT(summary.libraries(), SizeIs(3));
  EXPECT_EQ(summary.libraries(0).library_id(), "CPL-LIB");
  EXPECT_EQ(summary.libraries(0).holdings(), 321);

  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::SearchTitlesRequest req;
  req.set_isbn("0-201-89683-4");
  v1::SearchTitlesResponse resp;
  status = stub_->SearchTitles(&ctx, req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(resp.titles(), SizeIs(1));
  EXPECT_EQ(resp.titles(0).title().isbn(), "9780201896831");
  EXPECT_EQ(resp.titles(0).title_text(), "The art of computer programming");
  EXPECT_GT(resp.titles(0).holdings(), 0);
}

TEST_F(CatalogServiceTest, BadUploadsChangeNothing) {
  v1::ImportSummary summary;
  const std::string mrc = ImportKoha();
  ASSERT_FALSE(HasFailure());

  v1::ImportChunk no_header;
  no_header.set_data("x");
  grpc::Status s = Upload(no_header, mrc, &summary);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("header"));

  s = Upload(Header("NOPE", v1::CATALOG_FORMAT_MARC21), mrc, &summary);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  s = Upload(Header("CPL-LIB", v1::CATALOG_FORMAT_UNSPECIFIED), mrc, &summary);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // Cancelled halfway: the import is abandoned, the old holdings stay.
  s = Upload(Header("CPL-LIB", v1::CATALOG_FORMAT_MARC21), mrc, &summary,
             16 << 10, 10);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::CANCELLED);
  // The server may still be abandoning it; a new upload of the same
  // libraries succeeds once it has.
  grpc::Status again;
  for (int i = 0; i < 50; ++i) {
    again = Upload(Header("CPL-LIB", v1::CATALOG_FORMAT_MARC21), mrc, &summary);
    if (again.error_code() != grpc::StatusCode::FAILED_PRECONDITION) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(again.ok()) << again.error_message();
  EXPECT_EQ(summary.holdings_removed(), 961);
  EXPECT_EQ(LiveHoldings(), 961);
}

// An upload that stops short without being cancelled (a client that died
// or could not read its file, seen by the server as a closed stream) must
// not replace the holdings with part of the catalogue; nor may one whose
// end chunk miscounts the data, or that goes on after its end.
TEST_F(CatalogServiceTest, UploadsWithoutAWholeEndChangeNothing) {
  v1::ImportSummary summary;
  const std::string mrc = ImportKoha();
  ASSERT_FALSE(HasFailure());
  const std::string part = mrc.substr(0, mrc.size() / 3);

  grpc::Status s = Upload(Header("CPL-LIB", v1::CATALOG_FORMAT_MARC21), part,
                          &summary, 16 << 10, 0, /*send_end=*/false);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("without its end chunk"));
  EXPECT_THAT(s.error_message(), HasSubstr("holdings unchanged"));
  EXPECT_EQ(LiveHoldings(), 961);

  s = Upload(Header("CPL-LIB", v1::CATALOG_FORMAT_MARC21), part, &summary,
             16 << 10, 0, /*send_end=*/true,
             /*end_bytes=*/static_cast<int64_t>(mrc.size()));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("end.data_bytes"));
  EXPECT_EQ(LiveHoldings(), 961);

  // Data after the end chunk.
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    auto writer = stub_->ImportHoldings(&ctx, &summary);
    v1::ImportChunk c = Header("CPL-LIB", v1::CATALOG_FORMAT_MARC21);
    writer->Write(c);
    c.set_data(part);
    writer->Write(c);
    c.mutable_end()->set_data_bytes(static_cast<int64_t>(part.size()));
    writer->Write(c);
    c.set_data("more");
    writer->Write(c);
    writer->WritesDone();
    const grpc::Status after_end = writer->Finish();
    EXPECT_EQ(after_end.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(after_end.error_message(),
                HasSubstr("nothing may follow the end chunk"));
  }
  EXPECT_EQ(LiveHoldings(), 961);

  // The whole file, ended properly, still replaces them.
  ASSERT_TRUE(
      Upload(Header("CPL-LIB", v1::CATALOG_FORMAT_MARC21), mrc, &summary).ok());
  EXPECT_EQ(summary.holdings_removed(), 961);
  EXPECT_EQ(LiveHoldings(), 961);
}

TEST_F(CatalogServiceTest, SearchNeedsAQuery) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::SearchTitlesResponse resp;
  grpc::Status s = stub_->SearchTitles(&ctx, v1::SearchTitlesRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace silang
