// CatalogService: the union catalogue's upload and title search, over
// catalog::Catalog.
//
// ImportHoldings streams: gRPC's threads only queue the chunks, and one
// worker thread per upload feeds them to the engine's Importer, so no
// reactor callback waits on parsing or the store. At most a few chunks are
// queued; reading pauses until the worker catches up, so memory stays
// bounded by the chunk size, not the file. The import commits only after
// the client's end chunk (ImportEnd, with the byte count) and the close of
// the stream; a stream that stops without it abandons the import, so an
// upload cut short never replaces a library's holdings with part of its
// catalogue.
//
// Access: an upload needs kWriteHoldings on its library and on every
// library its branch mapping names; search needs kReadDirectory.
#ifndef SILANG_SERVICES_CATALOG_SERVICE_H_
#define SILANG_SERVICES_CATALOG_SERVICE_H_

#include "engine/catalog/catalog.h"
#include "services/auth.h"
#include "silang/v1/catalog.grpc.pb.h"

namespace silang {

class CatalogService final : public v1::CatalogService::CallbackService {
 public:
  // Borrows catalog and auth; both must outlive the service.
  CatalogService(catalog::Catalog& catalog, const Auth& auth)
      : catalog_(catalog), auth_(auth) {}

  grpc::ServerReadReactor<v1::ImportChunk>* ImportHoldings(
      grpc::CallbackServerContext* ctx, v1::ImportSummary* resp) override;
  grpc::ServerUnaryReactor* SearchTitles(
      grpc::CallbackServerContext* ctx, const v1::SearchTitlesRequest* req,
      v1::SearchTitlesResponse* resp) override;

 private:
  catalog::Catalog& catalog_;
  const Auth& auth_;
};

}  // namespace silang

#endif  // SILANG_SERVICES_CATALOG_SERVICE_H_
