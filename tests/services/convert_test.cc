// services/convert: API messages <-> storage records, and engine status ->
// gRPC status.
//
// Library and Partnership convert through the wire format (serialize one,
// parse as the other), so each pair must keep the same field numbers, names,
// types and cardinality, recursively. The wire-parity tests below hold them
// in step. RotaEntry and Bibliographic keep that parity too, but convert
// field by field (they are on every submit's path); a test below sets every
// field by reflection and checks that the copy carries it.
#include "services/convert.h"

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "silang/storage/v1/records.pb.h"
#include "silang/v1/directory.pb.h"
#include "silang/v1/types.pb.h"

namespace silang {
namespace {

namespace pb = google::protobuf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Every way `storage` would not read what `api` writes (or back), as
// "Message.field: what"; empty when they are wire-compatible. Storage may
// also have the fields named in `storage_only` (full names), which the API
// never sees.
void WireDiffs(const pb::Descriptor* api, const pb::Descriptor* storage,
               std::vector<std::string>* diffs,
               const std::set<std::string>& storage_only) {
  const std::string where = api->name();
  for (int i = 0; i < storage->field_count(); ++i) {
    const pb::FieldDescriptor* s = storage->field(i);
    if (api->FindFieldByNumber(s->number()) == nullptr &&
        !storage_only.contains(s->full_name())) {
      diffs->push_back(absl::StrCat(where, ": ", s->full_name(),
                                    " has no field in ", api->full_name()));
    }
  }
  for (int i = 0; i < api->field_count(); ++i) {
    const pb::FieldDescriptor* a = api->field(i);
    const pb::FieldDescriptor* s = storage->FindFieldByNumber(a->number());
    const std::string field = absl::StrCat(where, ".", a->name());
    if (s == nullptr) {
      diffs->push_back(absl::StrCat(field, ": number ", a->number(),
                                    " missing in ", storage->full_name()));
      continue;
    }
    if (a->name() != s->name()) {
      diffs->push_back(absl::StrCat(field, ": named ", s->name(), " in ",
                                    storage->full_name()));
    }
    if (a->type() != s->type()) {
      diffs->push_back(
          absl::StrCat(field, ": ", a->type_name(), " vs ", s->type_name()));
      continue;
    }
    if (a->is_repeated() != s->is_repeated() ||
        a->is_packed() != s->is_packed()) {
      diffs->push_back(absl::StrCat(field, ": cardinality differs"));
    }
    if (a->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
      WireDiffs(a->message_type(), s->message_type(), diffs, storage_only);
    }
    if (a->type() == pb::FieldDescriptor::TYPE_ENUM) {
      const pb::EnumDescriptor* ae = a->enum_type();
      const pb::EnumDescriptor* se = s->enum_type();
      bool same = ae->value_count() == se->value_count();
      for (int v = 0; same && v < ae->value_count(); ++v) {
        same = se->FindValueByNumber(ae->value(v)->number()) != nullptr;
      }
      if (!same) {
        diffs->push_back(absl::StrCat(field, ": enum ", ae->full_name(),
                                      " and ", se->full_name(), " differ"));
      }
    }
  }
}

std::vector<std::string> WireDiffs(
    const pb::Descriptor* api, const pb::Descriptor* storage,
    const std::set<std::string>& storage_only = {}) {
  std::vector<std::string> diffs;
  WireDiffs(api, storage, &diffs, storage_only);
  return diffs;
}

TEST(WireParityTest, LibraryMatchesLibraryRecord) {
  EXPECT_THAT(WireDiffs(v1::Library::descriptor(),
                        storage::v1::LibraryRecord::descriptor()),
              IsEmpty());
}

TEST(WireParityTest, PartnershipMatchesPartnershipRecord) {
  EXPECT_THAT(WireDiffs(v1::Partnership::descriptor(),
                        storage::v1::PartnershipRecord::descriptor()),
              IsEmpty());
}

// Storage keeps the figures and reason codes the API's texts are worded
// from (engine/routing.h); the API has the texts.
TEST(WireParityTest, RotaEntryMatchesRotaEntryRecordButForTheWordingsSource) {
  const auto* stored = storage::v1::RotaEntryRecord::descriptor();
  EXPECT_THAT(WireDiffs(v1::RotaEntry::descriptor(), stored,
                        {"silang.storage.v1.RotaEntryRecord.facts",
                         "silang.storage.v1.RotaEntryRecord.filter"}),
              IsEmpty());
  EXPECT_THAT(WireDiffs(v1::RotaEntry::descriptor(), stored),
              ElementsAre(HasSubstr("RotaEntryRecord.facts"),
                          HasSubstr("RotaEntryRecord.filter")));
}

TEST(WireParityTest, BibliographicMatchesStorageBibliographic) {
  EXPECT_THAT(WireDiffs(v1::Bibliographic::descriptor(),
                        storage::v1::Bibliographic::descriptor()),
              IsEmpty());
}

// The check can fail: holdings convert field by field because the API's
// TitleRef is a message where storage keeps a string key.
TEST(WireParityTest, HoldingIsNotWireCompatibleAndTheCheckSaysWhy) {
  EXPECT_THAT(WireDiffs(v1::Holding::descriptor(),
                        storage::v1::HoldingRecord::descriptor()),
              ::testing::Contains(HasSubstr("Holding.title")));
}

v1::Library FullLibrary() {
  v1::Library l;
  l.set_id("TMH");
  l.set_name("Perpustakaan Kota Tomohon");
  l.set_lat(1.31678);
  l.set_lon(124.80379);
  l.set_province("Sulawesi Utara");
  l.set_regency("Kota Tomohon");
  l.set_island("Sulawesi");
  l.set_time_zone("WITA");
  l.set_status(v1::LIBRARY_STATUS_SUSPENDED);
  auto* c = l.add_closures();
  c->set_from_date("2026-12-24");
  c->set_to_date("2026-12-26");
  c->set_reason("Natal");
  l.mutable_policy()->add_services(v1::SERVICE_TYPE_COPY);
  l.mutable_policy()->add_material_types(v1::MATERIAL_TYPE_THESIS);
  l.mutable_policy()->set_loan_period_days(14);
  l.mutable_policy()->set_max_concurrent_loans(30);
  l.mutable_policy()->set_days_to_respond(3);
  l.set_lender_of_last_resort(true);
  l.set_version(7);
  return l;
}

TEST(ConvertTest, LibraryRoundTripsEveryField) {
  const v1::Library api = FullLibrary();
  storage::v1::LibraryRecord record = FromApi(api);
  EXPECT_EQ(record.closures(0).reason(), "Natal");
  EXPECT_EQ(record.policy().material_types(0),
            storage::v1::MATERIAL_TYPE_THESIS);
  EXPECT_EQ(record.status(), storage::v1::LIBRARY_STATUS_SUSPENDED);
  EXPECT_TRUE(pb::util::MessageDifferencer::Equals(ToApi(record), api));
}

TEST(ConvertTest, PartnershipRoundTripsEveryField) {
  v1::Partnership p;
  p.set_id("SULUT");
  p.set_name("Sulawesi Utara");
  p.add_member_ids("TMH");
  p.add_member_ids("MDO");
  p.add_services(v1::SERVICE_TYPE_LOAN);
  p.add_material_types(v1::MATERIAL_TYPE_MAP);
  p.set_loan_period_days(21);
  p.set_terms(v1::PARTNERSHIP_TERMS_FEE);
  p.set_valid_from("2026-01-01");
  p.set_valid_until("2026-12-31");
  p.set_tier(2);
  p.set_version(3);
  EXPECT_TRUE(pb::util::MessageDifferencer::Equals(ToApi(FromApi(p)), p));
}

TEST(ConvertTest, RequestRecordToApi) {
  storage::v1::RequestRecord r;
  r.set_id(42);
  r.set_version(5);
  r.set_state(storage::v1::STATE_SHIPPED);
  r.set_service_type(storage::v1::SERVICE_TYPE_COPY);
  r.set_title_key("issn:0317-8471");
  r.mutable_bib()->set_title("Archipel");
  r.set_current_lender_id("BDG");
  auto* e = r.add_rota();
  e->set_rank(1);
  e->set_library_id("BDG");
  e->set_outcome(storage::v1::REASON_ON_LOAN);
  e->set_retry_entry(true);
  r.set_created_at_us(1'795'000'000'123'456);
  r.set_last_reason(storage::v1::REASON_DEADLINE_PASSED);

  v1::Request api = ToApi(r, RequestView::kFull);
  EXPECT_EQ(api.id(), "r-42");
  EXPECT_EQ(api.version(), 5u);
  EXPECT_EQ(api.state(), v1::REQUEST_STATE_SHIPPED);
  EXPECT_EQ(api.title().issn(), "0317-8471");
  EXPECT_EQ(api.bib().title(), "Archipel");
  EXPECT_EQ(api.iso18626_status(), "CopyCompleted");
  ASSERT_EQ(api.rota_size(), 1);
  EXPECT_EQ(api.rota(0).library_id(), "BDG");
  EXPECT_EQ(api.rota(0).outcome(), v1::REASON_ON_LOAN);
  EXPECT_TRUE(api.rota(0).retry_entry());
  EXPECT_EQ(api.last_reason(), v1::REASON_DEADLINE_PASSED);
  EXPECT_EQ(api.created_at().seconds(), 1'795'000'000);
  EXPECT_EQ(api.created_at().nanos(), 123'456'000);
  // Zero means "none": no deadline or due date is sent.
  EXPECT_FALSE(api.has_response_deadline());
  EXPECT_FALSE(api.has_due_date());
}

// Sets every singular field of a flat message to a value that is not its
// default, so a copy that forgets a field shows in the wire bytes.
// Sets every field of m that `twin` (the API message) has too.
void FillEveryField(pb::Message& m, const pb::Descriptor* twin) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (twin->FindFieldByNumber(f->number()) == nullptr) continue;
    ASSERT_FALSE(f->is_repeated()) << f->full_name();
    const int n = f->number();
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(&m, f, n);
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        r->SetDouble(&m, f, n + 0.25);
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(&m, f, true);
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        r->SetString(&m, f, absl::StrCat("v", n));
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        r->SetEnumValue(&m, f, 1);
        break;
      default:
        FAIL() << f->full_name() << ": no test value for its type";
    }
  }
}

TEST(ConvertTest, RotaEntriesAndBibCopyEveryField) {
  storage::v1::RequestRecord r;
  FillEveryField(*r.add_rota(), v1::RotaEntry::descriptor());
  FillEveryField(*r.add_filtered(), v1::RotaEntry::descriptor());
  FillEveryField(*r.mutable_bib(), v1::Bibliographic::descriptor());
  const v1::Request api = ToApi(r, RequestView::kFull);
  ASSERT_EQ(api.rota_size(), 1);
  ASSERT_EQ(api.filtered_size(), 1);
  // Same field numbers and types (the parity tests), so the same bytes.
  EXPECT_EQ(api.rota(0).SerializeAsString(), r.rota(0).SerializeAsString());
  EXPECT_EQ(api.filtered(0).SerializeAsString(),
            r.filtered(0).SerializeAsString());
  EXPECT_EQ(api.bib().SerializeAsString(), r.bib().SerializeAsString());
  EXPECT_EQ(FromApi(api.bib()).SerializeAsString(),
            r.bib().SerializeAsString());
  // Moving the strings out gives the same message.
  storage::v1::RequestRecord spent = r;
  EXPECT_EQ(ToApi(std::move(spent), RequestView::kFull).SerializeAsString(),
            api.SerializeAsString());
}

// A stored entry carries figures and a reason code; the reply carries the
// words. Entries stored before that (text, no figures) read as they were.
TEST(ConvertTest, RotaTextsAreWordedFromStoredFiguresOrKeptAsStored) {
  namespace s = storage::v1;
  s::RequestRecord r;
  r.set_borrower_library_id("jkt");
  r.set_material_type(s::MATERIAL_TYPE_MAP);
  s::RotaEntryRecord* now = r.add_rota();
  now->set_library_id("bdg");
  now->set_partnership_id("p-nasional");
  now->set_distance_km(115.4);
  s::RotaFacts* f = now->mutable_facts();
  f->set_availability(s::AVAILABILITY_ON_SHELF);
  f->set_inter_province(true);
  f->set_tier(3);
  f->set_loans_out(2);
  f->set_open_queue(1);
  f->set_filled(5);
  f->set_requests_received(9);
  r.add_rota()->set_explanation("on loan; 12 km; as an older record said");
  auto filtered = [&](s::FilterReason why, const std::string& pid,
                      const std::string& text) {
    s::RotaEntryRecord* e = r.add_filtered();
    e->set_filter(why);
    e->set_partnership_id(pid);
    e->set_filtered_reason(text);
  };
  filtered(s::FILTER_REASON_NO_PARTNERSHIP, "", "");
  filtered(s::FILTER_REASON_MATERIAL_NOT_COVERED, "kota-1", "");
  filtered(s::FILTER_REASON_AT_LIMIT, "", "at its limit of 2 concurrent loans");
  filtered(s::FILTER_REASON_UNSPECIFIED, "", "suspended");

  const v1::Request api = ToApi(r, RequestView::kFull);
  ASSERT_EQ(api.rota_size(), 2);
  EXPECT_EQ(api.rota(0).explanation(),
            "on shelf; 115 km, inter-province; partnership p-nasional "
            "(tier 3); 2 out, 1 queued; filled 5 of 9");
  EXPECT_EQ(api.rota(1).explanation(),
            "on loan; 12 km; as an older record said");
  ASSERT_EQ(api.filtered_size(), 4);
  EXPECT_EQ(api.filtered(0).filtered_reason(), "no partnership with jkt");
  EXPECT_EQ(api.filtered(1).filtered_reason(),
            "partnership kota-1 does not cover MAP");
  EXPECT_EQ(api.filtered(2).filtered_reason(),
            "at its limit of 2 concurrent loans");
  EXPECT_EQ(api.filtered(3).filtered_reason(), "suspended");
  for (const auto& e : api.filtered()) EXPECT_THAT(e.explanation(), IsEmpty());
  EXPECT_THAT(api.rota(0).filtered_reason(), IsEmpty());
  // Moving the stored strings out words them the same.
  s::RequestRecord spent = r;
  EXPECT_EQ(ToApi(std::move(spent), RequestView::kFull).SerializeAsString(),
            api.SerializeAsString());
}

TEST(ConvertTest, RoutedViewCountsTheFilteredHoldersInsteadOfListingThem) {
  storage::v1::RequestRecord r;
  r.add_rota()->set_library_id("bdg");
  r.add_filtered()->set_library_id("jyp");
  r.add_filtered()->set_library_id("tmh");
  r.set_unlisted_ranked(4);
  r.set_unlisted_filtered(7);
  const v1::Request full = ToApi(r, RequestView::kFull);
  EXPECT_EQ(full.filtered_size(), 2);
  EXPECT_EQ(full.unlisted_filtered(), 7);
  for (const v1::Request& routed :
       {ToApi(r, RequestView::kRouted),
        ToApi(storage::v1::RequestRecord(r), RequestView::kRouted)}) {
    EXPECT_EQ(routed.filtered_size(), 0);
    EXPECT_EQ(routed.unlisted_filtered(), 9);
    ASSERT_EQ(routed.rota_size(), 1);
    EXPECT_EQ(routed.rota(0).library_id(), "bdg");
    EXPECT_EQ(routed.unlisted_ranked(), 4);
  }
}

TEST(ConvertTest, TimestampsRoundTripIncludingBeforeTheEpoch) {
  for (int64_t us : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{-1'500'000},
                     int64_t{1'795'000'000'123'456}}) {
    SCOPED_TRACE(us);
    google::protobuf::Timestamp t = TimestampOf(us);
    EXPECT_GE(t.nanos(), 0);
    EXPECT_LT(t.nanos(), 1'000'000'000);
    EXPECT_EQ(MicrosOf(t), us);
  }
}

TEST(ConvertTest, TitleKeyOfNormalizesAndNamesTheField) {
  v1::TitleRef t;
  t.set_isbn("0-306-40615-2");  // ISBN-10 becomes ISBN-13
  auto key = TitleKeyOf(t);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "isbn:9780306406157");
  EXPECT_EQ(TitleRefOf(*key).isbn(), "9780306406157");

  t.set_issn("03178471");
  key = TitleKeyOf(t);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key, "issn:0317-8471");

  t.set_record_id("koha-1234");
  EXPECT_EQ(*TitleKeyOf(t), "rec:koha-1234");
  EXPECT_EQ(TitleRefOf("rec:koha-1234").record_id(), "koha-1234");

  t.set_isbn("9786020332957");
  EXPECT_EQ(TitleKeyOf(t).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(TitleKeyOf(t).status().message()),
              HasSubstr("title.isbn"));
  t.set_issn("0317-8472");
  EXPECT_THAT(std::string(TitleKeyOf(t).status().message()),
              HasSubstr("title.issn"));
  t.set_record_id("");
  EXPECT_THAT(std::string(TitleKeyOf(t).status().message()),
              HasSubstr("title.record_id"));
  EXPECT_THAT(std::string(TitleKeyOf(v1::TitleRef()).status().message()),
              HasSubstr("title"));
}

TEST(ConvertTest, ToGrpcKeepsCodeAndMessage) {
  EXPECT_TRUE(ToGrpc(absl::OkStatus()).ok());
  const std::pair<absl::Status, grpc::StatusCode> cases[] = {
      {absl::InvalidArgumentError("note: longer than 1000 bytes"),
       grpc::StatusCode::INVALID_ARGUMENT},
      {absl::NotFoundError("request r-9 not found"),
       grpc::StatusCode::NOT_FOUND},
      {absl::AlreadyExistsError("idempotency_key"),
       grpc::StatusCode::ALREADY_EXISTS},
      {absl::AbortedError("stale"), grpc::StatusCode::ABORTED},
      {absl::FailedPreconditionError("state"),
       grpc::StatusCode::FAILED_PRECONDITION},
      {absl::ResourceExhaustedError("page_size"),
       grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::PermissionDeniedError("role"),
       grpc::StatusCode::PERMISSION_DENIED},
      {absl::DataLossError("record"), grpc::StatusCode::DATA_LOSS},
      {absl::InternalError("io"), grpc::StatusCode::INTERNAL},
  };
  for (const auto& [status, code] : cases) {
    grpc::Status g = ToGrpc(status);
    EXPECT_EQ(g.error_code(), code) << status;
    EXPECT_EQ(g.error_message(), std::string(status.message()));
  }
}

}  // namespace
}  // namespace silang
