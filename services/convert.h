// Conversions between the public API (silang.v1) and the engine's storage
// records, and the one place engine errors become gRPC statuses.
//
// Library and Partnership records share their API message's field numbers
// and types, so they convert through the wire format; the parity test in
// tests/services/convert_test.cc keeps the two in step. Requests (with
// their rota entries and bibliographic data, which are on every submit's
// path), audit events and holdings convert field by field.
#ifndef SILANG_SERVICES_CONVERT_H_
#define SILANG_SERVICES_CONVERT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/support/status.h"
#include "engine/reports.h"
#include "silang/storage/v1/records.pb.h"
#include "silang/v1/admin.pb.h"
#include "silang/v1/directory.pb.h"
#include "silang/v1/types.pb.h"

namespace silang {

grpc::Status ToGrpc(const absl::Status& status);

// A TitleRef normalized to a title key: InvalidArgument naming the field.
absl::StatusOr<std::string> TitleKeyOf(const v1::TitleRef& title);
v1::TitleRef TitleRefOf(const std::string& title_key);

// How much of a request a reply carries.
enum class RequestView {
  // Everything: GetRequest and the admin's audit.
  kFull,
  // Without the list of holders that were not asked (Request.filtered),
  // which is then counted in unlisted_filtered: the reply to a submit or
  // an action, list pages and the agents' tasks. The list is often the
  // larger half of a request (up to 50 holders, each with its reason) and
  // answers an audit question ("why was X not asked?"), not the caller's.
  kRouted,
};
v1::Request ToApi(const storage::v1::RequestRecord& r, RequestView view);
// The same, moving the rota's strings out of r instead of copying them.
v1::Request ToApi(storage::v1::RequestRecord&& r, RequestView view);
v1::AuditEvent ToApi(const storage::v1::AuditRecord& e);
v1::Library ToApi(const storage::v1::LibraryRecord& l);
v1::Partnership ToApi(const storage::v1::PartnershipRecord& p);
v1::Holding ToApi(const storage::v1::HoldingRecord& h);
v1::Credential ToApi(const storage::v1::CredentialRecord& c);
v1::Evaluation ToApi(const Evaluation& e);

storage::v1::Bibliographic FromApi(const v1::Bibliographic& b);
storage::v1::LibraryRecord FromApi(const v1::Library& l);
storage::v1::PartnershipRecord FromApi(const v1::Partnership& p);
absl::StatusOr<storage::v1::HoldingRecord> FromApi(const v1::Holding& h);

int64_t MicrosOf(const google::protobuf::Timestamp& t);
google::protobuf::Timestamp TimestampOf(int64_t micros);

}  // namespace silang

#endif  // SILANG_SERVICES_CONVERT_H_
