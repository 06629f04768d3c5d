#include "services/directory_service.h"

#include "absl/strings/str_cat.h"
#include "engine/limits.h"
#include "services/convert.h"
#include "services/work_pool.h"

namespace silang {

grpc::ServerUnaryReactor* DirectoryService::GetLibrary(
    grpc::CallbackServerContext* ctx, const v1::GetLibraryRequest* req,
    v1::Library* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
      return who.status();
    }
    auto lib = directory_.GetLibrary(req->library_id());
    if (lib.ok()) *resp = ToApi(*lib);
    return lib.status();
  });
}

grpc::ServerUnaryReactor* DirectoryService::ListLibraries(
    grpc::CallbackServerContext* ctx, const v1::ListLibrariesRequest* req,
    v1::ListLibrariesResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
      return who.status();
    }
    auto page = directory_.ListLibraries(req->province(), req->page_size(),
                                         req->page_token());
    if (page.ok()) {
      for (const auto& l : page->items) *resp->add_libraries() = ToApi(l);
      resp->set_next_page_token(page->next_token);
    }
    return page.status();
  });
}

grpc::ServerUnaryReactor* DirectoryService::GetPartnership(
    grpc::CallbackServerContext* ctx, const v1::GetPartnershipRequest* req,
    v1::Partnership* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
      return who.status();
    }
    auto p = directory_.GetPartnership(req->partnership_id());
    if (p.ok()) *resp = ToApi(*p);
    return p.status();
  });
}

grpc::ServerUnaryReactor* DirectoryService::ListPartnerships(
    grpc::CallbackServerContext* ctx, const v1::ListPartnershipsRequest* req,
    v1::ListPartnershipsResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
      return who.status();
    }
    auto page = directory_.ListPartnerships(req->library_id(), req->page_size(),
                                            req->page_token());
    if (page.ok()) {
      for (const auto& p : page->items) *resp->add_partnerships() = ToApi(p);
      resp->set_next_page_token(page->next_token);
    }
    return page.status();
  });
}

grpc::ServerUnaryReactor* DirectoryService::ListHoldings(
    grpc::CallbackServerContext* ctx, const v1::ListHoldingsRequest* req,
    v1::ListHoldingsResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
      return who.status();
    }
    auto key = TitleKeyOf(req->title());
    if (!key.ok()) return key.status();
    auto page =
        directory_.ListHoldings(*key, req->page_size(), req->page_token());
    if (page.ok()) {
      for (const auto& h : page->items) *resp->add_holdings() = ToApi(h);
      resp->set_next_page_token(page->next_token);
    }
    return page.status();
  });
}

grpc::ServerUnaryReactor* DirectoryService::PutHoldings(
    grpc::CallbackServerContext* ctx, const v1::PutHoldingsRequest* req,
    v1::PutHoldingsResponse* resp) {
  return Offload(ctx, pool_, [=, this]() -> absl::Status {
    if (auto who =
            auth_.Check(*ctx, Operation::kWriteHoldings, req->library_id());
        !who.ok()) {
      return who.status();
    }
    if (static_cast<size_t>(req->holdings_size()) >
        limits::kMaxHoldingsPerCall) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "holdings: at most ", limits::kMaxHoldingsPerCall, " a call"));
    }
    std::vector<storage::v1::HoldingRecord> holdings;
    holdings.reserve(req->holdings_size());
    for (int i = 0; i < req->holdings_size(); ++i) {
      auto h = FromApi(req->holdings(i));
      if (!h.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("holdings[", i, "].", h.status().message()));
      }
      holdings.push_back(*std::move(h));
    }
    auto result = directory_.PutHoldings(req->library_id(), std::move(holdings),
                                         req->replace_all());
    if (result.ok()) {
      resp->set_written(result->written);
      resp->set_removed(result->removed);
    }
    return result.status();
  });
}

}  // namespace silang
