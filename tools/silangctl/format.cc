#include "tools/silangctl/format.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <iostream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "tools/silangctl/names.h"

namespace silang::ctl {
namespace {

using google::protobuf::RepeatedField;

// Lower-case kebab for the vocabulary a librarian types: "loan", "book",
// "lender"; states, actions and reasons stay upper case.
template <typename E>
std::string Lower(E value) {
  return absl::AsciiStrToLower(
      absl::StrReplaceAll(ShortName(value), {{"_", "-"}}));
}

template <typename E>
std::string JoinLower(const RepeatedField<int>& values) {
  return absl::StrJoin(values, ",", [](std::string* out, int value) {
    out->append(Lower(static_cast<E>(value)));
  });
}

// Appends " <label> <value>", or " <value>" for an empty label, when the
// value is non-empty.
void AddField(std::string& out, const std::string& label,
              const std::string& value) {
  if (value.empty()) return;
  absl::StrAppend(&out, " ", label, label.empty() ? "" : " ", value);
}

void AddDays(std::string& out, const char* label, int days) {
  if (days > 0) absl::StrAppend(&out, " ", label, " ", days, "d");
}

std::string Quoted(const std::string& text) {
  return text.empty() ? "" : absl::StrCat("\"", text, "\"");
}

}  // namespace

std::string TitleText(const v1::TitleRef& title) {
  switch (title.key_case()) {
    case v1::TitleRef::kIsbn:
      return "isbn:" + title.isbn();
    case v1::TitleRef::kIssn:
      return "issn:" + title.issn();
    case v1::TitleRef::kRecordId:
      return "record:" + title.record_id();
    case v1::TitleRef::KEY_NOT_SET:
      break;
  }
  return "-";
}

std::string RequestLine(const v1::Request& r) {
  std::string out =
      absl::StrCat(r.id(), " v", r.version(), " ", ShortName(r.state()));
  if (r.service_type() != v1::SERVICE_TYPE_UNSPECIFIED) {
    absl::StrAppend(&out, " ", Lower(r.service_type()));
  }
  if (r.service_level() == v1::SERVICE_LEVEL_RUSH) out += " rush";
  absl::StrAppend(&out, " ", TitleText(r.title()));
  AddField(out, "", Quoted(r.bib().title()));
  AddField(out, "borrower", r.borrower_library_id());
  if (!r.current_lender_id().empty()) {
    const int position = r.rota_position();
    const int rank = position >= 0 && position < r.rota_size()
                         ? r.rota(position).rank()
                         : position + 1;
    absl::StrAppend(&out, " -> lender ", r.current_lender_id(), " (rank ", rank,
                    " of ", r.rota_size(), ")");
  }
  AddField(out, "deadline", FormatTime(r.response_deadline()));
  AddField(out, "due", FormatTime(r.due_date()));
  AddField(out, "tracking", r.tracking_ref());
  if (r.last_reason() != v1::REASON_UNSPECIFIED) {
    AddField(out, "reason", ShortName(r.last_reason()));
  }
  return out;
}

std::string RequestDetail(const v1::Request& r) {
  std::string out = RequestLine(r);
  const v1::Bibliographic& bib = r.bib();
  if (!bib.title().empty() || !bib.author().empty()) {
    absl::StrAppend(&out, "\n  title:    ", Quoted(bib.title()));
    AddField(out, "by", bib.author());
    AddField(out, "year", bib.year());
    AddField(out, "edition", bib.edition());
  }
  absl::StrAppend(&out, "\n  patron:   ", r.patron_ref());
  AddField(out, "pickup", r.pickup_library_id());
  if (r.material_type() != v1::MATERIAL_TYPE_UNSPECIFIED) {
    AddField(out, "material", Lower(r.material_type()));
  }
  absl::StrAppend(&out, "\n  created:  ", FormatTime(r.created_at()));
  AddField(out, "updated", FormatTime(r.updated_at()));
  if (!r.iso18626_status().empty() || r.renewals() > 0) {
    absl::StrAppend(&out, "\n  iso18626: ", r.iso18626_status(), " renewals ",
                    r.renewals());
  }
  if (!r.note().empty()) absl::StrAppend(&out, "\n  note:     ", r.note());
  return out;
}

std::string RotaTable(const v1::Request& r) {
  size_t width = 7;  // "LIBRARY"
  for (const v1::RotaEntry& e : r.rota()) {
    width = std::max(width, e.library_id().size());
  }
  for (const v1::RotaEntry& e : r.filtered()) {
    width = std::max(width, e.library_id().size());
  }
  const int w = static_cast<int>(width);

  std::string out = absl::StrFormat(
      "rota:\n   %4s %-*s %6s %5s %5s %5s %5s %5s %7s %-14s %s\n", "RANK", w,
      "LIBRARY", "SCORE", "AVAIL", "DIST", "LOAD", "PERF", "TIER", "KM",
      "OUTCOME", "EXPLANATION");
  for (int i = 0; i < r.rota_size(); ++i) {
    const v1::RotaEntry& e = r.rota(i);
    const bool current =
        i == r.rota_position() && e.library_id() == r.current_lender_id();
    std::string notes = e.explanation();
    if (e.last_resort()) absl::StrAppend(&notes, " [last resort]");
    if (e.retry_entry()) absl::StrAppend(&notes, " [retry]");
    if (!e.partnership_id().empty() &&
        !absl::StrContains(e.explanation(), e.partnership_id())) {
      absl::StrAppend(&notes, " [via ", e.partnership_id(), "]");
    }
    const std::string outcome =
        e.outcome() == v1::REASON_UNSPECIFIED ? "-" : ShortName(e.outcome());
    absl::StrAppendFormat(
        &out,
        " %s %4d %-*s %6.3f %5.2f %5.2f %5.2f %5.2f %5.2f %7.1f %-14s %s\n",
        current ? "*" : " ", e.rank(), w, e.library_id(), e.score(),
        e.availability(), e.distance(), e.load(), e.performance(), e.tier(),
        e.distance_km(), outcome, notes);
  }
  if (r.unlisted_ranked() > 0) {
    absl::StrAppendFormat(&out, "   and %d more eligible, planned later\n",
                          r.unlisted_ranked());
  }
  if (r.filtered_size() > 0) out += "filtered:\n";
  for (const v1::RotaEntry& e : r.filtered()) {
    absl::StrAppendFormat(&out, "   %-*s %s\n", w, e.library_id(),
                          e.filtered_reason());
  }
  if (r.unlisted_filtered() > 0) {
    absl::StrAppendFormat(&out, "   and %d more not asked, not listed\n",
                          r.unlisted_filtered());
  }
  return out;
}

std::string AuditEventLine(const v1::AuditEvent& e) {
  std::string out = absl::StrFormat(
      "%3d %s %-12s %-8s %-16s %s->%s", e.seq(), FormatTime(e.at()),
      e.actor_library_id().empty() ? "system" : e.actor_library_id(),
      Lower(e.role()), ShortName(e.action()),
      e.from_state() == v1::REQUEST_STATE_UNSPECIFIED
          ? ""
          : ShortName(e.from_state()),
      ShortName(e.to_state()));
  if (e.reason() != v1::REASON_UNSPECIFIED) {
    AddField(out, "reason", ShortName(e.reason()));
  }
  AddField(out, "lender", e.lender_id());
  AddField(out, "note", Quoted(e.note()));
  return out;
}

std::string LibraryLine(const v1::Library& l) {
  std::string out =
      absl::StrCat(l.id(), " v", l.version(), " ", Quoted(l.name()));
  std::vector<std::string> place;
  for (const std::string& part : {l.province(), l.regency()}) {
    if (!part.empty()) place.push_back(part);
  }
  AddField(out, "", absl::StrJoin(place, "/"));
  AddField(out, "island", l.island());
  AddField(out, "tz", l.time_zone());
  absl::StrAppendFormat(&out, " at %.4f,%.4f", l.lat(), l.lon());
  const v1::LendingPolicy& p = l.policy();
  AddField(out, "lends",
           p.services_size() == 0 ? "nothing"
                                  : JoinLower<v1::ServiceType>(p.services()));
  AddField(out, "materials", JoinLower<v1::MaterialType>(p.material_types()));
  AddDays(out, "loan", p.loan_period_days());
  if (p.max_concurrent_loans() > 0) {
    absl::StrAppend(&out, " max-loans ", p.max_concurrent_loans());
  }
  AddDays(out, "respond", p.days_to_respond());
  if (l.lender_of_last_resort()) out += " last-resort";
  if (l.status() == v1::LIBRARY_STATUS_SUSPENDED) out += " SUSPENDED";
  return out;
}

std::string LibraryDetail(const v1::Library& l) {
  std::string out = LibraryLine(l);
  for (const v1::Closure& c : l.closures()) {
    absl::StrAppend(&out, "\n  closed ", c.from_date(), "..", c.to_date());
    AddField(out, "", c.reason());
  }
  return out;
}

std::string PartnershipLine(const v1::Partnership& p) {
  std::string out =
      absl::StrCat(p.id(), " v", p.version(), " ", Quoted(p.name()),
                   " members ", absl::StrJoin(p.member_ids(), ","));
  if (p.tier() > 0) absl::StrAppend(&out, " tier ", p.tier());
  out += p.terms() == v1::PARTNERSHIP_TERMS_FEE ? " fee" : " reciprocal";
  AddField(out, "services", JoinLower<v1::ServiceType>(p.services()));
  AddField(out, "materials", JoinLower<v1::MaterialType>(p.material_types()));
  if (!p.valid_from().empty() || !p.valid_until().empty()) {
    absl::StrAppend(&out, " valid ", p.valid_from(), "..", p.valid_until());
  }
  AddDays(out, "loan", p.loan_period_days());
  return out;
}

std::string HoldingLine(const v1::Holding& h) {
  std::string out = absl::StrCat(h.library_id(), " ", TitleText(h.title()));
  AddField(out, "item", h.item_id());
  absl::StrAppend(&out, " ",
                  h.availability() == v1::AVAILABILITY_UNSPECIFIED
                      ? "UNKNOWN"
                      : ShortName(h.availability()));
  AddField(out, "call", Quoted(h.call_number()));
  if (h.material_type() != v1::MATERIAL_TYPE_UNSPECIFIED) {
    absl::StrAppend(&out, " ", Lower(h.material_type()));
  }
  AddField(out, "back", FormatTime(h.available_from()));
  AddField(out, "updated", FormatTime(h.updated_at()));
  return out;
}

void Emit(const google::protobuf::Message& reply, bool json,
          const std::string& human) {
  if (!json) {
    if (human.empty()) return;
    std::cout << human << (human.back() == '\n' ? "" : "\n");
    return;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = false;
  options.preserve_proto_field_names = true;
  std::string text;
  // Serializing a well-formed message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(reply, &text, options);
  std::cout << text << "\n";
}

}  // namespace silang::ctl
