#include "services/convert.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/strings/str_cat.h"
#include "engine/request_fsm.h"
#include "engine/requests.h"
#include "engine/title_key.h"

namespace silang {
namespace {

template <typename To, typename From>
To ViaWire(const From& from) {
  To to;
  to.ParseFromString(from.SerializeAsString());
  return to;
}

// Enums share numbers between API and storage (checked by a test).
template <typename To, typename From>
To Cast(From v) {
  return static_cast<To>(static_cast<int>(v));
}

// Field by field: on the submit path, through the wire format cost a
// serialize and a parse per rota entry (2-4% of a submit's server CPU).
// kSteal moves the ids out of `e` (a record about to be dropped), saving
// an allocation and a copy each. The texts are worded from the stored
// figures (engine/routing.h); `r` is the request `e` belongs to.
template <bool kSteal, typename Entry>
void CopyRotaEntry(Entry& e, const storage::v1::RequestRecord& r,
                   v1::RotaEntry& out) {
  out.set_rank(e.rank());
  out.set_score(e.score());
  out.set_availability(e.availability());
  out.set_distance(e.distance());
  out.set_load(e.load());
  out.set_performance(e.performance());
  out.set_tier(e.tier());
  out.set_distance_km(e.distance_km());
  out.set_last_resort(e.last_resort());
  out.set_outcome(Cast<v1::Reason>(e.outcome()));
  out.set_retry_entry(e.retry_entry());
  out.set_explanation(ExplainRanked(e));
  out.set_filtered_reason(ExplainFiltered(e, r));
  if constexpr (kSteal) {
    out.set_library_id(std::move(*e.mutable_library_id()));
    out.set_partnership_id(std::move(*e.mutable_partnership_id()));
  } else {
    out.set_library_id(e.library_id());
    out.set_partnership_id(e.partnership_id());
  }
}

template <typename To, typename From>
void CopyBib(const From& b, To& out) {
  out.set_title(b.title());
  out.set_author(b.author());
  out.set_year(b.year());
  out.set_edition(b.edition());
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC status codes are the same numbers.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

int64_t MicrosOf(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000000 + t.nanos() / 1000;
}

google::protobuf::Timestamp TimestampOf(int64_t micros) {
  google::protobuf::Timestamp t;
  int64_t secs = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) rem += 1000000, --secs;
  t.set_seconds(secs);
  t.set_nanos(static_cast<int32_t>(rem * 1000));
  return t;
}

absl::StatusOr<std::string> TitleKeyOf(const v1::TitleRef& title) {
  switch (title.key_case()) {
    case v1::TitleRef::kIsbn: {
      auto isbn = NormalizeIsbn(title.isbn());
      if (!isbn.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("title.", isbn.status().message()));
      }
      return IsbnKey(*isbn);
    }
    case v1::TitleRef::kIssn: {
      auto issn = NormalizeIssn(title.issn());
      if (!issn.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("title.", issn.status().message()));
      }
      return IssnKey(*issn);
    }
    case v1::TitleRef::kRecordId:
      if (title.record_id().empty() || title.record_id().size() > 128 ||
          absl::StrContains(title.record_id(), '\0')) {
        return absl::InvalidArgumentError(
            "title.record_id: 1 to 128 bytes, no NUL");
      }
      return RecordKey(title.record_id());
    default:
      return absl::InvalidArgumentError(
          "title: give one of isbn, issn or record_id");
  }
}

v1::TitleRef TitleRefOf(const std::string& key) {
  v1::TitleRef t;
  if (absl::StartsWith(key, "isbn:")) t.set_isbn(key.substr(5));
  if (absl::StartsWith(key, "issn:")) t.set_issn(key.substr(5));
  if (absl::StartsWith(key, "rec:")) t.set_record_id(key.substr(4));
  return t;
}

namespace {

// kSteal: r's rota strings may be moved out (ToApi of an rvalue).
template <bool kSteal, typename Record>
v1::Request RequestToApi(Record& r, RequestView view) {
  v1::Request out;
  out.set_id(FormatRequestId(r.id()));
  out.set_version(r.version());
  out.set_state(Cast<v1::RequestState>(r.state()));
  out.set_borrower_library_id(r.borrower_library_id());
  out.set_pickup_library_id(r.pickup_library_id());
  out.set_patron_ref(r.patron_ref());
  *out.mutable_title() = TitleRefOf(r.title_key());
  CopyBib(r.bib(), *out.mutable_bib());
  out.set_service_type(Cast<v1::ServiceType>(r.service_type()));
  out.set_service_level(Cast<v1::ServiceLevel>(r.service_level()));
  out.set_material_type(Cast<v1::MaterialType>(r.material_type()));
  out.set_current_lender_id(r.current_lender_id());
  out.mutable_rota()->Reserve(r.rota_size());
  auto& rota = [&]() -> auto& {
    if constexpr (kSteal) {
      return *r.mutable_rota();
    } else {
      return r.rota();
    }
  }();
  auto& filtered = [&]() -> auto& {
    if constexpr (kSteal) {
      return *r.mutable_filtered();
    } else {
      return r.filtered();
    }
  }();
  for (auto& e : rota) CopyRotaEntry<kSteal>(e, r, *out.add_rota());
  if (view == RequestView::kFull) {
    out.mutable_filtered()->Reserve(r.filtered_size());
    for (auto& e : filtered) CopyRotaEntry<kSteal>(e, r, *out.add_filtered());
    out.set_unlisted_filtered(r.unlisted_filtered());
  } else {
    out.set_unlisted_filtered(r.unlisted_filtered() + r.filtered_size());
  }
  out.set_rota_position(r.rota_position());
  out.set_unlisted_ranked(r.unlisted_ranked());
  *out.mutable_created_at() = TimestampOf(r.created_at_us());
  *out.mutable_updated_at() = TimestampOf(r.updated_at_us());
  if (r.response_deadline_us() != 0) {
    *out.mutable_response_deadline() = TimestampOf(r.response_deadline_us());
  }
  if (r.due_date_us() != 0) {
    *out.mutable_due_date() = TimestampOf(r.due_date_us());
  }
  out.set_tracking_ref(r.tracking_ref());
  out.set_last_reason(Cast<v1::Reason>(r.last_reason()));
  out.set_note(r.note());
  out.set_renewals(r.renewals());
  out.set_iso18626_status(
      std::string(fsm::Iso18626Status(r.state(), r.service_type())));
  return out;
}

}  // namespace

v1::Request ToApi(const storage::v1::RequestRecord& r, RequestView view) {
  return RequestToApi<false>(r, view);
}

v1::Request ToApi(storage::v1::RequestRecord&& r, RequestView view) {
  return RequestToApi<true>(r, view);
}

v1::AuditEvent ToApi(const storage::v1::AuditRecord& e) {
  v1::AuditEvent out;
  out.set_request_id(FormatRequestId(e.request_id()));
  out.set_seq(e.seq());
  *out.mutable_at() = TimestampOf(e.at_us());
  out.set_actor_library_id(e.actor_library_id());
  out.set_role(Cast<v1::Role>(e.role()));
  out.set_action(Cast<v1::Action>(e.action()));
  out.set_from_state(Cast<v1::RequestState>(e.from_state()));
  out.set_to_state(Cast<v1::RequestState>(e.to_state()));
  out.set_reason(Cast<v1::Reason>(e.reason()));
  out.set_note(e.note());
  out.set_lender_id(e.lender_id());
  out.set_version(e.version());
  return out;
}

v1::Library ToApi(const storage::v1::LibraryRecord& l) {
  return ViaWire<v1::Library>(l);
}
v1::Partnership ToApi(const storage::v1::PartnershipRecord& p) {
  return ViaWire<v1::Partnership>(p);
}
storage::v1::Bibliographic FromApi(const v1::Bibliographic& b) {
  storage::v1::Bibliographic out;
  CopyBib(b, out);
  return out;
}
storage::v1::LibraryRecord FromApi(const v1::Library& l) {
  return ViaWire<storage::v1::LibraryRecord>(l);
}
storage::v1::PartnershipRecord FromApi(const v1::Partnership& p) {
  return ViaWire<storage::v1::PartnershipRecord>(p);
}

v1::Holding ToApi(const storage::v1::HoldingRecord& h) {
  v1::Holding out;
  out.set_library_id(h.library_id());
  *out.mutable_title() = TitleRefOf(h.title_key());
  out.set_item_id(h.item_id());
  out.set_call_number(h.call_number());
  out.set_material_type(Cast<v1::MaterialType>(h.material_type()));
  out.set_availability(Cast<v1::Availability>(h.availability()));
  if (h.available_from_us() != 0) {
    *out.mutable_available_from() = TimestampOf(h.available_from_us());
  }
  *out.mutable_updated_at() = TimestampOf(h.updated_at_us());
  return out;
}

v1::Credential ToApi(const storage::v1::CredentialRecord& c) {
  v1::Credential out;
  out.set_id(c.id());
  out.set_role(Cast<v1::CredentialRole>(c.role()));
  out.set_library_id(c.library_id());
  out.set_label(c.label());
  *out.mutable_created_at() = TimestampOf(c.created_at_us());
  if (c.expires_at_us() != 0) {
    *out.mutable_expires_at() = TimestampOf(c.expires_at_us());
  }
  if (c.revoked_at_us() != 0) {
    *out.mutable_revoked_at() = TimestampOf(c.revoked_at_us());
  }
  out.set_issued_by(c.issued_by());
  return out;
}

v1::Evaluation ToApi(const Evaluation& e) {
  v1::Evaluation out;
  const auto& t = e.totals;
  out.set_partnership_id(e.partnership_id);
  out.set_library_id(e.library_id);
  out.set_from_date(absl::FormatCivilTime(e.from));
  out.set_to_date(absl::FormatCivilTime(e.to));
  out.set_requests_made(t.requests_made());
  out.set_requests_received(t.requests_received());
  out.set_filled(t.filled());
  out.set_unfilled(t.unfilled());
  out.set_fill_rate(e.fill_rate);
  std::map<int, int64_t> reasons(t.unfilled_reasons().begin(),
                                 t.unfilled_reasons().end());
  for (const auto& [reason, count] : reasons) {
    auto* u = out.add_unfilled_reasons();
    u->set_reason(static_cast<v1::Reason>(reason));
    u->set_count(count);
  }
  out.set_mean_first_answer_hours(e.mean_first_answer_hours);
  out.set_turnaround_p50_hours(e.turnaround_p50_hours);
  out.set_turnaround_p90_hours(e.turnaround_p90_hours);
  out.set_mean_loan_days(e.mean_loan_days);
  out.set_overdue(t.overdue());
  out.set_cancelled(t.cancelled());
  out.set_requests_unfilled(t.requests_unfilled());
  out.set_completed(t.completed());
  for (const MemberBalance& m : e.members) {
    auto* b = out.add_members();
    b->set_library_id(m.library_id);
    b->set_requests_made(m.requests_made);
    b->set_requests_received(m.requests_received);
    b->set_filled(m.filled);
    b->set_lent(m.lent);
    b->set_borrowed(m.borrowed);
    b->set_balance(m.balance());
  }
  return out;
}

absl::StatusOr<storage::v1::HoldingRecord> FromApi(const v1::Holding& h) {
  storage::v1::HoldingRecord out;
  auto key = TitleKeyOf(h.title());
  if (!key.ok()) return key.status();
  out.set_library_id(h.library_id());
  out.set_title_key(*key);
  out.set_item_id(h.item_id());
  out.set_call_number(h.call_number());
  out.set_material_type(Cast<storage::v1::MaterialType>(h.material_type()));
  out.set_availability(Cast<storage::v1::Availability>(h.availability()));
  if (h.has_available_from()) {
    out.set_available_from_us(MicrosOf(h.available_from()));
  }
  return out;
}

}  // namespace silang
