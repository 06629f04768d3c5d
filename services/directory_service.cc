#include "services/directory_service.h"

#include "absl/strings/str_cat.h"
#include "engine/limits.h"
#include "services/convert.h"
#include "services/reply.h"

namespace silang {

grpc::ServerUnaryReactor* DirectoryService::GetLibrary(
    grpc::CallbackServerContext* ctx, const v1::GetLibraryRequest* req,
    v1::Library* resp) {
  if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
    return Reply(ctx, who.status());
  }
  auto lib = directory_.GetLibrary(req->library_id());
  if (lib.ok()) *resp = ToApi(*lib);
  return Reply(ctx, lib.status());
}

grpc::ServerUnaryReactor* DirectoryService::ListLibraries(
    grpc::CallbackServerContext* ctx, const v1::ListLibrariesRequest* req,
    v1::ListLibrariesResponse* resp) {
  if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
    return Reply(ctx, who.status());
  }
  auto page = directory_.ListLibraries(req->province(), req->page_size(),
                                       req->page_token());
  if (page.ok()) {
    for (const auto& l : page->items) *resp->add_libraries() = ToApi(l);
    resp->set_next_page_token(page->next_token);
  }
  return Reply(ctx, page.status());
}

grpc::ServerUnaryReactor* DirectoryService::GetPartnership(
    grpc::CallbackServerContext* ctx, const v1::GetPartnershipRequest* req,
    v1::Partnership* resp) {
  if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
    return Reply(ctx, who.status());
  }
  auto p = directory_.GetPartnership(req->partnership_id());
  if (p.ok()) *resp = ToApi(*p);
  return Reply(ctx, p.status());
}

grpc::ServerUnaryReactor* DirectoryService::ListPartnerships(
    grpc::CallbackServerContext* ctx, const v1::ListPartnershipsRequest* req,
    v1::ListPartnershipsResponse* resp) {
  if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
    return Reply(ctx, who.status());
  }
  auto page = directory_.ListPartnerships(req->library_id(), req->page_size(),
                                          req->page_token());
  if (page.ok()) {
    for (const auto& p : page->items) *resp->add_partnerships() = ToApi(p);
    resp->set_next_page_token(page->next_token);
  }
  return Reply(ctx, page.status());
}

grpc::ServerUnaryReactor* DirectoryService::ListHoldings(
    grpc::CallbackServerContext* ctx, const v1::ListHoldingsRequest* req,
    v1::ListHoldingsResponse* resp) {
  if (auto who = auth_.Check(*ctx, Operation::kReadDirectory); !who.ok()) {
    return Reply(ctx, who.status());
  }
  auto key = TitleKeyOf(req->title());
  if (!key.ok()) return Reply(ctx, key.status());
  auto page =
      directory_.ListHoldings(*key, req->page_size(), req->page_token());
  if (page.ok()) {
    for (const auto& h : page->items) *resp->add_holdings() = ToApi(h);
    resp->set_next_page_token(page->next_token);
  }
  return Reply(ctx, page.status());
}

grpc::ServerUnaryReactor* DirectoryService::PutHoldings(
    grpc::CallbackServerContext* ctx, const v1::PutHoldingsRequest* req,
    v1::PutHoldingsResponse* resp) {
  if (auto who = auth_.Check(*ctx, Operation::kWriteHoldings,
                             req->library_id());
      !who.ok()) {
    return Reply(ctx, who.status());
  }
  if (static_cast<size_t>(req->holdings_size()) >
      limits::kMaxHoldingsPerCall) {
    return Reply(ctx, absl::ResourceExhaustedError(absl::StrCat(
                          "holdings: at most ", limits::kMaxHoldingsPerCall,
                          " a call")));
  }
  std::vector<storage::v1::HoldingRecord> holdings;
  holdings.reserve(req->holdings_size());
  for (int i = 0; i < req->holdings_size(); ++i) {
    auto h = FromApi(req->holdings(i));
    if (!h.ok()) {
      return Reply(ctx, absl::InvalidArgumentError(absl::StrCat(
                            "holdings[", i, "].", h.status().message())));
    }
    holdings.push_back(*std::move(h));
  }
  auto result = directory_.PutHoldings(req->library_id(), std::move(holdings),
                                       req->replace_all());
  if (result.ok()) {
    resp->set_written(result->written);
    resp->set_removed(result->removed);
  }
  return Reply(ctx, result.status());
}

}  // namespace silang
